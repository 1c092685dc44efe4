"""Patrol pages, made for a phone: today's tasks, a place's QR link, doing an inspection, check-ins.

Submissions follow the offline outbox's contract (static/inspections/offline.js): a form posted with
`Accept: application/json` answers JSON ({"ok", "duplicate", "redirect", "message"} or {"ok": false,
"error"} with status 422) and a repeated `client_id` is recognised, never stored twice. Without
JavaScript the same views answer with pages and redirects.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campus.models import Place
from core import access
from core.audit import Actor
from grids.models import Grid
from orgs.roles import Capability
from people.models import person_of

from .checklists import items_of
from .choices import ItemKind, Verdict
from .due import plan_for_person, plan_for_place
from .models import Checklist, ChecklistVersion, Inspection, Schedule
from .submit import Submission, check_in, submit


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _device_time(value: str | None) -> datetime.datetime | None:
    moment = parse_datetime(value) if value else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _coordinate(value: str | None, limit: int) -> decimal.Decimal | None:
    try:
        number = decimal.Decimal(value).quantize(decimal.Decimal("0.000001"))
    except (TypeError, ValueError, decimal.InvalidOperation):
        return None
    return number if number.is_finite() and -limit <= number <= limit else None


def _accuracy(value: str | None) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 1e6 else None


@login_required
def today(request):
    """今日任务: what is due for me today, the ones still to do first, and what I sent lately."""
    person = person_of(request.user)
    day = timezone.localdate()
    tasks = []
    if person is not None:
        tasks = plan_for_person(person, day).for_person(person.pk, day)
    # The ten ids first (a plain index walk), then their rows: one query joining all of it takes PostgreSQL
    # longer to plan than to run.
    recent_ids = list(access.scoped(request.user, Inspection).filter(submitted_by=request.user)
                      .values_list("pk", flat=True)[:10])
    recent = (Inspection.objects.filter(pk__in=recent_ids or [0]).select_related("version__checklist", "grid", "place")
              .only("on_date", "failed_count", "version__checklist__name", "grid__name", "place__name")
              .order_by("-on_date", "-received_at"))  # what the list shows: not the answers, notes or remark
    return render(request, "inspections/today.html", {
        "person": person, "day": day, "tasks": tasks, "recent": recent, "nav_active": "patrol",
        "open_count": sum(1 for t in tasks if not t.is_done),
    })


def _place_for(request, token: str) -> Place:
    return access.get_for_user(request.user, Place.objects.select_related("organisation", "parent__parent"),
                               qr_token=token)


def scan(request, token: str):
    """A QR plate's link: the place's checks due today, and any checklist for an unplanned check. Someone
    without an account who scans the plate lands on the public hazard report (随手拍) instead, which links
    staff to the login page and back here."""
    if not request.user.is_authenticated:
        return redirect("hazard_public:report", token=token)
    place = _place_for(request, token)
    day = timezone.localdate()
    tasks = plan_for_place(place, day, day).for_place(place.pk, day)
    checklists = (access.scoped(request.user, Checklist).filter(organisation=place.organisation, is_active=True,
                                                               current_version__isnull=False).order_by("topic", "name"))
    return render(request, "inspections/scan.html", {
        "place": place, "tasks": tasks, "checklists": checklists, "day": day, "nav_active": "patrol",
    })


@login_required
@require_POST
def scan_check_in(request, token: str):
    """The check-in a QR page posts as soon as it opens (through the outbox, so offline too)."""
    place = _place_for(request, token)
    client_id = _uuid(request.POST.get("client_id")) or uuid.uuid4()
    scan_row, created = check_in(
        Actor.from_request(request), place=place, client_id=client_id, person=person_of(request.user),
        device_time=_device_time(request.POST.get("device_time")),
        latitude=_coordinate(request.POST.get("latitude"), 90), longitude=_coordinate(request.POST.get("longitude"),
                                                                                      180),
        accuracy=_accuracy(request.POST.get("accuracy")))
    message = _("已打卡：%(place)s") % {"place": place.full_name}
    if scan_row.flagged:
        message += _("（%(reason)s，已提示网格长）") % {"reason": scan_row.flag_reason}
    if wants_json(request):
        return JsonResponse({"ok": True, "duplicate": not created, "message": message, "flagged": scan_row.flagged})
    return redirect("inspections:scan", token=token)


@dataclass
class Target:
    schedule: Schedule | None
    checklist: Checklist
    grid: Grid | None
    place: Place | None

    @property
    def label(self) -> str:
        if self.place is not None:
            return self.place.full_name
        return self.grid.name if self.grid is not None else ""


def _task_target(request, schedule_id: int, target: str) -> Target:
    schedule = access.get_for_user(
        request.user, Schedule.objects.select_related("organisation", "checklist__current_version"), pk=schedule_id)
    kind, pk = target[:1], target[1:]
    if not pk.isdigit() or kind not in "gp":
        raise Http404
    grid = place = None
    if kind == "g":
        grid = access.get_for_user(request.user, Grid, pk=int(pk), organisation=schedule.organisation_id)
        place_id = request.GET.get("place") or request.POST.get("place")
        if place_id and str(place_id).isdigit():
            place = access.get_for_user(request.user, Place, pk=int(place_id), organisation=schedule.organisation_id)
    else:
        place = access.get_for_user(request.user, Place.objects.select_related("parent__parent"), pk=int(pk),
                                    organisation=schedule.organisation_id)
        owners = Grid.objects.filter(organisation=schedule.organisation_id, places=place).order_by("-level", "pk")
        grid = owners.first()
    return Target(schedule, schedule.checklist, grid, place)


@login_required
def task(request, schedule_id: int, target: str):
    return _inspect(request, _task_target(request, schedule_id, target))


@login_required
def unplanned(request, place_id: int, checklist_id: int):
    """An inspection at a place outside any schedule (ad hoc, 不定期)."""
    place = access.get_for_user(request.user, Place.objects.select_related("parent__parent"), pk=place_id)
    checklist = access.get_for_user(request.user, Checklist.objects.select_related("current_version"),
                                    pk=checklist_id, organisation=place.organisation_id)
    grid = Grid.objects.filter(organisation=place.organisation_id, places=place).order_by("-level", "pk").first()
    return _inspect(request, Target(None, checklist, grid, place))


def _inspect(request, target: Target):
    if request.method == "POST":
        return _submit(request, target)
    version = target.checklist.current_version
    if version is None:
        raise Http404
    return _form(request, target, version)


def _form(request, target: Target, version: ChecklistVersion, *, errors=(), status=200):
    items = items_of(version)
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    answers = {key[5:]: value for key, value in request.POST.items() if key.startswith("item-")}
    notes = {key[5:]: value for key, value in request.POST.items() if key.startswith("note-")}
    return render(request, "inspections/inspect.html", {
        "target": target, "version": version, "groups": groups, "errors": errors, "answers": answers,
        "notes": notes, "verdicts": Verdict.choices, "kinds": ItemKind, "nav_active": "patrol",
        "check_in": request.GET.get("checkin", "") or request.POST.get("check_in", ""),
        "remark": request.POST.get("remark", ""),
    }, status=status)


def _submit(request, target: Target):
    post = request.POST
    version_id = post.get("version", "")
    current = target.checklist.current_version
    if current is not None and version_id == str(current.pk):
        version = current  # the usual case: nothing to load
    else:  # an older version the phone showed before the checklist changed
        version = ChecklistVersion.objects.select_related("organisation").filter(
            pk=int(version_id) if version_id.isdigit() else 0, checklist=target.checklist).first()
    if version is not None:
        version.checklist = target.checklist
        if target.schedule is not None and version.organisation_id == target.schedule.organisation_id:
            version.organisation = target.schedule.organisation
    if version is None:
        return _refuse(request, target, [_("排查表版本无效，请刷新页面后重新填写。")])
    person = person_of(request.user)
    photos = {}
    for name in request.FILES:
        if name.startswith("photo-"):
            files = [f for f in request.FILES.getlist(name) if f.size]
            if files:
                photos[name[6:]] = files
    sub = Submission(
        client_id=_uuid(post.get("client_id")) or uuid.uuid4(), version=version, schedule=target.schedule,
        grid=target.grid, place=target.place,
        inspector=person if person is not None and person.organisation_id == version.organisation_id else None,
        answers={k[5:]: v for k, v in post.items() if k.startswith("item-")},
        notes={k[5:]: v for k, v in post.items() if k.startswith("note-")},
        photos=photos, remark=post.get("remark", ""), device_time=_device_time(post.get("device_time")),
        check_in=_uuid(post.get("check_in")))
    try:
        inspection, created = submit(Actor.from_request(request), sub)
    except ValidationError as error:
        return _refuse(request, target, error.messages, version=version)
    done = reverse("inspections:done", args=[inspection.pk])
    if wants_json(request):
        message = _("已提交：零报告") if inspection.is_zero_report else _("已提交：%(n)d项不合格") % {
            "n": inspection.failed_count}
        return JsonResponse({"ok": True, "duplicate": not created, "redirect": done, "message": message},
                            status=201 if created else 200)
    return redirect(done)


def _refuse(request, target: Target, errors: list[str], *, version=None):
    if wants_json(request):
        return JsonResponse({"ok": False, "error": "；".join(errors)}, status=422)
    return _form(request, target, version or target.checklist.current_version, errors=errors, status=422)


@login_required
def done(request, pk: int):
    """After submitting: a zero report, or what failed and what happens next."""
    inspection = access.get_for_user(
        request.user, Inspection.objects.select_related("version__checklist", "grid", "place", "inspector"), pk=pk)
    if inspection.submitted_by_id != request.user.pk and not request.user.has_capability(
            Capability.VIEW_INSPECTIONS, inspection.organisation):
        raise PermissionDenied
    findings = inspection.findings.select_related("item")
    return render(request, "inspections/done.html", {"inspection": inspection, "findings": findings,
                                                     "nav_active": "patrol"})
