"""Submitting an inspection and recording a QR check-in: validated, all or nothing, idempotent.

A phone makes the `client_id` when the person presses 提交; the same submission sent again (lost
connection, a second tab, the offline outbox retrying) finds the first one and changes nothing.
The version answered is the one the phone showed, so a checklist edited meanwhile does not change
what a completed inspection means.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor, AuditAction, record

from .checklists import items_of
from .models import CheckIn, ChecklistVersion, Finding, Inspection, Photo

# A phone's clock is trusted for the day an inspection counts for when it is no more than this far
# behind the server (an offline patrol synced later) and not ahead of it by more than the skew.
MAX_OFFLINE_AGE = datetime.timedelta(days=7)
MAX_CLOCK_AHEAD = datetime.timedelta(minutes=10)
MAX_PHOTOS_PER_ITEM = 5


@dataclass
class Submission:
    client_id: uuid.UUID
    version: ChecklistVersion
    schedule: object | None = None
    grid: object | None = None
    place: object | None = None
    inspector: object | None = None
    answers: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    photos: dict[str, list] = field(default_factory=dict)  # item key ("" = the whole check) → uploads
    remark: str = ""
    device_time: datetime.datetime | None = None
    check_in: uuid.UUID | None = None


def counted_day(device_time: datetime.datetime | None, schedule=None,
                now: datetime.datetime | None = None) -> datetime.date:
    """The day an inspection counts for: the phone's time when its clock is plausible (an offline
    patrol synced later), else the server's; a night check after midnight counts for the night before."""
    now = now or timezone.now()
    plausible = device_time is not None and now - MAX_OFFLINE_AGE <= device_time <= now + MAX_CLOCK_AHEAD
    moment = device_time if plausible else now
    local = timezone.localtime(moment)
    return schedule.duty_day(local) if schedule is not None else local.date()


def _validate(sub: Submission, items) -> tuple[dict, dict, list]:
    """(answers, notes, failed items) or ValidationError listing every problem by item."""
    from .photos import inspect_photo

    errors, answers, notes, failed = [], {}, {}, []
    for item in items:
        label = _("第%(n)d项“%(text)s”") % {"n": item.position, "text": item.text[:24]}
        try:
            value, is_failed = item.evaluate(sub.answers.get(item.key, ""))
        except ValueError as reason:
            errors.append(f"{label}：{reason}")
            continue
        if value:
            answers[item.key] = value
        note = (sub.notes.get(item.key) or "").strip()
        if note:
            notes[item.key] = note[:1000]
        if is_failed:
            failed.append(item)
            if item.photo_on_fail and not sub.photos.get(item.key):
                errors.append(_("%(item)s：不合格时须拍照。") % {"item": label})
            if item.note_on_fail and not note:
                errors.append(_("%(item)s：不合格时须填写说明。") % {"item": label})
    known = {item.key for item in items} | {""}
    for key, uploads in sub.photos.items():
        if key not in known:
            errors.append(_("照片所属的排查项“%(key)s”不在此版本的排查表中。") % {"key": key})
            continue
        if len(uploads) > MAX_PHOTOS_PER_ITEM:
            errors.append(_("每项最多%(n)d张照片。") % {"n": MAX_PHOTOS_PER_ITEM})
        for upload in uploads:
            try:
                inspect_photo(upload, label=next((i.text[:24] for i in items if i.key == key), ""))
            except ValidationError as error:
                errors += error.messages
    if errors:
        raise ValidationError(errors)
    return answers, notes, failed


def _store_photos(inspection: Inspection, photos: dict[str, list], saved: list[str]) -> list[Photo]:
    rows = []
    for key, uploads in photos.items():
        for upload in uploads:
            photo = Photo(organisation_id=inspection.organisation_id, inspection=inspection, item_key=key)
            photo.store(upload, saved)
            rows.append(photo)
    return rows


def submit(actor: Actor, sub: Submission) -> tuple[Inspection, bool]:
    """Record an inspection: (inspection, created). A known `client_id` returns the first one.

    A repeat is usually caught by the unique client_id at insert time (one query less on the common
    path); with photos it is looked up first, so no file is stored for a duplicate.
    """
    if sub.photos:
        existing = Inspection.objects.filter(client_id=sub.client_id).first()
        if existing is not None:
            return existing, False
    items = items_of(sub.version)
    answers, notes, failed = _validate(sub, items)
    organisation = sub.version.organisation
    saved: list[str] = []
    try:
        with transaction.atomic():
            check_in = None
            if sub.check_in is not None:
                check_in = CheckIn.objects.filter(client_id=sub.check_in, organisation=organisation).first()
            inspection = Inspection.objects.create(
                organisation=organisation, client_id=sub.client_id, schedule=sub.schedule, version=sub.version,
                grid=sub.grid, place=sub.place, on_date=counted_day(sub.device_time, sub.schedule),
                inspector=sub.inspector,
                submitted_by=actor.user, device_time=sub.device_time, answers=answers, notes=notes,
                failed_count=len(failed), major_count=sum(1 for i in failed if i.is_major),
                remark=sub.remark[:2000], check_in=check_in)
            if failed:
                findings = Finding.objects.bulk_create([
                    Finding(organisation=organisation, inspection=inspection, item=item, grid=sub.grid,
                            place=sub.place, on_date=inspection.on_date,
                            answer=item.answer_label(answers.get(item.key, ""))[:60],
                            note=notes.get(item.key, ""), is_major=item.is_major)
                    for item in failed])
                # Each failed item is a hazard in the register (重大 for a major item), for the workflow.
                from hazards.actions import from_finding

                for finding in findings:
                    finding.inspection = inspection
                    from_finding(actor, finding)
            if sub.photos:
                Photo.objects.bulk_create(_store_photos(inspection, sub.photos, saved))
            record(actor, AuditAction.CREATE, inspection, organisation=organisation, changes={
                "checklist": [None, sub.version.checklist.name], "version": [None, sub.version.number],
                "target": [None, str(sub.place or sub.grid or "")], "on_date": [None, inspection.on_date.isoformat()],
                "failed_count": [None, inspection.failed_count], "major_count": [None, inspection.major_count],
            }, object_repr=str(_("%(checklist)s（%(day)s）") % {"checklist": sub.version.checklist.name,
                                                               "day": inspection.on_date.isoformat()}))
    except IntegrityError:
        for name in saved:
            default_storage.delete(name)
        existing = Inspection.objects.filter(client_id=sub.client_id).first()
        if existing is None:
            raise
        return existing, False
    except Exception:
        for name in saved:
            default_storage.delete(name)
        raise
    return inspection, True


def flag_for_scan(plan_tasks, moment: datetime.datetime) -> str:
    """Why a scan at this moment is out of the ordinary ("" when it is not): no check due at the
    place that day, or outside every due check's time window."""
    local = timezone.localtime(moment)
    plan_tasks = [t for t in plan_tasks if t.schedule.duty_day(local) in t.window]
    if not plan_tasks:
        return _("当天该场所没有排查任务")
    if any(task.in_time_window(moment) for task in plan_tasks):
        return ""
    windows = sorted({f"{t.schedule.time_from:%H:%M}–{t.schedule.time_to:%H:%M}" for t in plan_tasks
                      if t.schedule.time_from and t.schedule.time_to})
    return _("不在规定巡查时段（%(windows)s）") % {"windows": "、".join(windows)}


def check_in(actor: Actor, *, place, client_id: uuid.UUID, person=None, device_time=None, latitude=None,
             longitude=None, accuracy=None) -> tuple[CheckIn, bool]:
    """Record a QR scan (idempotent by client_id); flag it, never refuse it."""
    from .due import plan_for_place

    existing = CheckIn.objects.filter(client_id=client_id).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    trusted = device_time if device_time is not None and abs(device_time - now) <= MAX_OFFLINE_AGE else None
    moment = trusted or now
    # Yesterday too: a night check's window may run past midnight into today.
    day = timezone.localdate(moment)
    plan = plan_for_place(place, day - datetime.timedelta(days=1), day)
    tasks = plan.for_place(place.pk, day - datetime.timedelta(days=1)) + plan.for_place(place.pk, day)
    reason = flag_for_scan(tasks, moment)
    if device_time is not None and trusted is None:
        reason = "；".join(filter(None, [reason, _("手机时间与服务器时间相差过大")]))
    try:
        with transaction.atomic():
            scan = CheckIn.objects.create(
                organisation=place.organisation, client_id=client_id, place=place, user=actor.user, person=person,
                device_time=device_time, latitude=latitude, longitude=longitude, accuracy=accuracy,
                flagged=bool(reason), flag_reason=reason[:200])
    except IntegrityError:
        return CheckIn.objects.get(client_id=client_id), False
    return scan, True
