"""随手拍: hazards reported by anyone through a place's public QR link, and their review (初审).

A report needs no account and keeps no personal data: not the reporter's address either (the throttle
below counts a keyed hash of it in the cache, which forgets it after the window). The safety office
accepts a pending report (it becomes a hazard, source 随手拍) or dismisses it with a reason.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from core import versions
from core.actions import create_object
from core.audit import Actor, AuditAction, diff, record, snapshot
from inspections.models import store_photos
from orgs.roles import Capability

from . import actions
from .choices import PhotoKind, ReportStatus, Source
from .models import Hazard, HazardPhoto, PublicReport, PublicReportPhoto

MAX_DESCRIPTION = 1000  # characters: a phone's textarea, not an essay

# --- throttle --------------------------------------------------------------------------------------
# Counters live in the shared cache (Redis in production), so every app server sees the same counts.
# A window starts with the first report it counts and lasts WINDOW seconds.
WINDOW = 60 * 60
IP_LIMIT = 5  # reports per client address and window: a passer-by rarely has more, a school's NAT still gets some
PLACE_LIMIT = 20  # reports per place and window, from all addresses together: a flood at one plate stops there


def _key(kind: str, value) -> str:
    # Keyed hash: the cache never holds a reporter's address in clear.
    return f"public-report:{kind}:{salted_hmac('hazards.public.throttle', str(value)).hexdigest()[:32]}"


def _count(key: str) -> int:
    """Add one to the counter at `key` (made by its window's first report) and return the new count."""
    cache.add(key, 0, WINDOW)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, WINDOW)
        return 1


def take_allowance(ip: str | None, place_id: int) -> bool:
    """Count one report from `ip` at the place; False (nothing counted against the address) when either
    limit is reached. Called once a report's text is valid, before its photo is decoded, so a refused
    photo uses up an attempt too (decoding is the expensive part)."""
    ip_key = _key("ip", ip or "unknown")
    if _count(ip_key) > IP_LIMIT:
        return False
    if _count(_key("place", place_id)) > PLACE_LIMIT:
        try:
            cache.decr(ip_key)  # others' reports filled the place: this address keeps its own allowance
        except ValueError:
            pass
        return False
    return True


def throttle_message() -> str:
    return _("提交过于频繁，请稍后（约%(minutes)d分钟后）再试。如遇紧急情况，请直接联系学校工作人员。") % {
        "minutes": WINDOW // 60}


# --- submitting ------------------------------------------------------------------------------------


def submit(place, description: str, upload=None, *, request_id: str = "") -> PublicReport:
    """A public report with its optional photo, saved in one transaction: the photo is checked (a
    ValidationError in Chinese) before anything is written; files already stored are removed again when
    the rows cannot be saved. The audit entry has no user and no address."""
    actor = Actor(request_id=request_id)
    organisation = place.organisation
    report = PublicReport(organisation=organisation, place=place, description=description)
    photo = PublicReportPhoto(organisation=organisation) if upload else None

    def write():
        _create(actor, report, organisation)
        if photo is not None:
            photo.report = report
            _create(actor, photo, organisation)

    store_photos([(photo, upload)] if photo is not None else [], write)
    return report


def _create(actor: Actor, obj, organisation) -> None:
    obj.full_clean()
    obj.save()
    record(actor, AuditAction.CREATE, obj, organisation=organisation, changes=diff({}, snapshot(obj)),
           actor_name=_("匿名（随手拍）"))


# --- review (初审) ---------------------------------------------------------------------------------


class AlreadyReviewed(Exception):
    """Someone else accepted or dismissed the report since it was loaded."""

    def __init__(self):
        super().__init__(_("该随手拍刚刚已由他人审核，请刷新页面查看最新状态。"))


def _lock_pending(actor: Actor, report: PublicReport) -> PublicReport:
    locked = (PublicReport.objects.select_for_update(of=("self",)).select_related("organisation", "place")
              .filter(pk=report.pk).first())
    if locked is None or locked.status != ReportStatus.PENDING:
        raise AlreadyReviewed
    if actor.user is None or not actor.user.has_capability(Capability.MANAGE_HAZARDS, locked.organisation):
        raise PermissionDenied
    return locked


def _close(actor: Actor, report: PublicReport, **values) -> None:
    before = snapshot(report)
    values.update(reviewed_by=actor.user, reviewed_at=timezone.now())
    # Compare-and-set as well: select_for_update does nothing on SQLite.
    if not PublicReport.objects.filter(pk=report.pk, status=ReportStatus.PENDING).update(**values):
        raise AlreadyReviewed
    versions.changed(report.organisation_id, versions.HAZARDS)
    for name, value in values.items():
        setattr(report, name, value)
    record(actor, AuditAction.UPDATE, report, organisation=report.organisation, changes=diff(before, snapshot(report)))


@transaction.atomic
def accept(actor: Actor, report: PublicReport, *, topic: str, grade: str, risk_colour: str = "",
           description: str) -> Hazard:
    """受理: register the report as a hazard of its place (source 随手拍, found when it was submitted), its
    photo becoming the hazard's before photo (the same stored files). Only from pending."""
    report = _lock_pending(actor, report)
    hazard = actions.report(actor, Hazard(
        organisation=report.organisation, place=report.place, topic=topic, grade=grade, risk_colour=risk_colour,
        source=Source.PUBLIC, description=description, found_at=report.submitted_at))
    photo = PublicReportPhoto.objects.filter(report=report).first()
    if photo is not None:
        create_object(actor, HazardPhoto(
            organisation=report.organisation, hazard=hazard, kind=PhotoKind.BEFORE, image=photo.image.name,
            thumbnail=photo.thumbnail.name, content_type=photo.content_type, size=photo.size, width=photo.width,
            height=photo.height, sha256=photo.sha256, original_name=photo.original_name))
    _close(actor, report, status=ReportStatus.ACCEPTED, hazard=hazard)
    return hazard


@transaction.atomic
def dismiss(actor: Actor, report: PublicReport, reason: str) -> PublicReport:
    """不予受理, with the reason kept. Only from pending."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写不予受理的原因。")})
    report = _lock_pending(actor, report)
    _close(actor, report, status=ReportStatus.DISMISSED, dismiss_reason=reason.strip())
    return report
