"""Rectification notices (隐患整改通知书): numbered per school and year without gaps or duplicates,
whatever the number of people issuing at the same moment."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import Actor, AuditAction, diff, record, snapshot
from orgs.roles import Capability
from people.models import person_of

from .choices import State
from .models import Hazard, NoticeCounter, RectificationNotice


def next_number(organisation, year: int) -> int:
    """The next number of a school's year, inside the caller's transaction: the counter row is locked
    (PostgreSQL: row lock; SQLite: the write lock its IMMEDIATE transactions take), so two issuers get
    two numbers."""
    for _attempt in range(3):
        counter = NoticeCounter.objects.select_for_update().filter(organisation=organisation, year=year).first()
        if counter is None:
            try:
                with transaction.atomic():  # a savepoint: a concurrent first notice of the year wins the insert
                    counter = NoticeCounter.objects.create(organisation=organisation, year=year, last_number=0)
            except IntegrityError:
                continue
            counter = NoticeCounter.objects.select_for_update().get(pk=counter.pk)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        return counter.last_number
    raise RuntimeError("notice counter contention")  # pragma: no cover


@transaction.atomic
def issue(actor: Actor, organisation, hazards: list[Hazard], *, deadline: datetime.date, requirements: str,
          recipient=None, recipient_department: str = "") -> RectificationNotice:
    """Issue a notice for open hazards of one school (merge a department's open hazards into one)."""
    if not hazards:
        raise ValidationError(_("请至少选择一项隐患。"))
    if any(h.organisation_id != organisation.pk for h in hazards):
        raise ValidationError(_("通知书中的隐患必须属于同一学校。"))
    closed = [h for h in hazards if h.state == State.CLOSED]
    if closed:
        raise ValidationError(_("已销号的隐患不能再下发整改通知书：%(items)s") % {
            "items": "；".join(h.description[:20] for h in closed)})
    if recipient is None and not recipient_department.strip():
        raise ValidationError(_("请填写接收部门或接收人。"))
    if not requirements.strip():
        raise ValidationError({"requirements": _("请填写整改要求。")})
    year = timezone.localdate().year
    notice = RectificationNotice(organisation=organisation, year=year, number=next_number(organisation, year),
                                 deadline=deadline, requirements=requirements.strip(), recipient=recipient,
                                 recipient_department=recipient_department.strip(), issued_by=actor.user)
    notice.save()
    notice.hazards.set(hazards)
    record(actor, AuditAction.CREATE, notice, changes={**diff({}, snapshot(notice)),
                                                       "hazards": [None, [h.pk for h in hazards]]})
    return notice


@transaction.atomic
def acknowledge(actor: Actor, notice: RectificationNotice) -> RectificationNotice:
    """The recipient confirms receipt (签收), once."""
    if notice.acknowledged_at is not None:
        return notice
    before = snapshot(notice)
    notice.acknowledged_by, notice.acknowledged_at = actor.user, timezone.now()
    notice.save(update_fields=["acknowledged_by", "acknowledged_at"])
    record(actor, AuditAction.UPDATE, notice, changes=diff(before, snapshot(notice)))
    return notice


def status(notice: RectificationNotice) -> str:
    """A notice follows its hazards: 已签收/未签收, then 已全部销号 when every hazard is closed."""
    states = {h.state for h in notice.hazards.all()}
    if states and states == {State.CLOSED}:
        return _("已全部销号")
    return _("已签收，整改中") if notice.acknowledged_at else _("未签收")


# --- small helpers for the pages and the API -----------------------------------------------------------

STATUSES = {"unacknowledged": gettext_lazy("未签收"), "acknowledged": gettext_lazy("已签收，整改中"),
            "closed": gettext_lazy("已全部销号")}
OPEN = [State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION]


def status_key(notice: RectificationNotice) -> str:
    """The key of `status(notice)`: unacknowledged, acknowledged or closed (every hazard closed)."""
    states = {h.state for h in notice.hazards.all()}
    if states and states == {State.CLOSED}:
        return "closed"
    return "acknowledged" if notice.acknowledged_at else "unacknowledged"


def with_status(notices, key: str):
    """Notices of one status (a key of STATUSES), decided in the database."""
    notices = notices.annotate(open_hazards=Count("hazards", filter=Q(hazards__state__in=OPEN)),
                               all_hazards=Count("hazards"))
    closed = Q(all_hazards__gt=0, open_hazards=0)
    if key == "closed":
        return notices.filter(closed)
    return notices.exclude(closed).filter(acknowledged_at__isnull=key != "acknowledged")


def department_of(hazard: Hazard) -> str:
    """Where a hazard goes when a department's hazards are merged into one notice: its responsible person's
    department (people.Person.department); '' while nobody, or nobody with a department, is responsible."""
    return (hazard.responsible.department or "").strip() if hazard.responsible_id else ""


def by_department(hazards) -> dict[str, list[Hazard]]:
    """Open hazards grouped by department, departments in order, those without one last."""
    groups: dict[str, list[Hazard]] = {}
    for hazard in hazards:
        if hazard.state != State.CLOSED:
            groups.setdefault(department_of(hazard), []).append(hazard)
    return dict(sorted(groups.items(), key=lambda item: (item[0] == "", item[0])))


def may_acknowledge(user, notice: RectificationNotice) -> bool:
    """A person's notice is acknowledged by that person's account only; a department's by any staff member
    of the school whose Person is in that department, or by the safety office on the department's behalf
    (a department may have nobody with an account)."""
    if user is None or not user.is_authenticated:
        return False
    if notice.recipient_id is not None:
        return notice.recipient.user_id is not None and notice.recipient.user_id == user.pk
    person = person_of(user)
    department = notice.recipient_department.strip()
    if (person is not None and department and person.organisation_id == notice.organisation_id
            and person.department.strip() == department):
        return True
    return user.has_capability(Capability.MANAGE_HAZARDS, notice.organisation)
