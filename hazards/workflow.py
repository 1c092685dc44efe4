"""The rectification workflow: 待处理 → 整改中 → 待验收 → 已销号, with 当场整改 (fixed on the spot)
going straight to 待验收, a rejected verification back to 整改中, and escalation up the grid tree,
then to the school, the bureau and the local government.

Every transition:
- checks who may do it (the grid's people and those above, the safety office; verification only by
  someone other than the fixer, at the grid above or the safety office);
- checks the state and the data it needs (deadline and responsible person always; all five fixes
  for a major hazard; an after photo before anything is marked fixed);
- applies only if the hazard is still at the version the person saw (two people acting at once: the
  second is told to reload); and writes a HazardEvent and an audit entry, in one transaction.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import versions
from core.audit import Actor, AuditAction, diff, record, record_many, snapshot, unsaved
from core.tenancy import memberships_of
from orgs.roles import Capability
from people.models import person_of

from .choices import Grade, Level, PhotoKind, State
from .models import Hazard, HazardEvent

# Which states each action may start from, and where it leads (None: the state stays).
EDGES: dict[str, tuple[set[str], str | None]] = {
    "assign": ({State.REPORTED, State.RECTIFYING}, State.RECTIFYING),
    "fix_on_spot": ({State.REPORTED}, State.AWAITING_VERIFICATION),
    "submit_fix": ({State.RECTIFYING}, State.AWAITING_VERIFICATION),
    "verify": ({State.AWAITING_VERIFICATION}, State.CLOSED),
    "reject": ({State.AWAITING_VERIFICATION}, State.RECTIFYING),
    "escalate": ({State.REPORTED, State.RECTIFYING}, None),
}
ACTION_LABELS = {"assign": gettext_lazy("交办整改"), "fix_on_spot": gettext_lazy("当场整改"),
                 "submit_fix": gettext_lazy("整改完成"), "verify": gettext_lazy("验收销号"),
                 "reject": gettext_lazy("验收不通过"), "escalate": gettext_lazy("上报")}


class Conflict(Exception):
    """The hazard changed since the person loaded it."""

    def __init__(self):
        super().__init__(_("该隐患刚刚已被他人处理，请刷新页面查看最新情况后再操作。"))


# --- who may act ---------------------------------------------------------------------------------


def _grid_chain(grid) -> list[int]:
    """The grid and every grid above it (ids)."""
    chain, node = [], grid
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    return chain


def _holds_any(user, grid_ids: list[int], day: datetime.date) -> bool:
    """Whether the user's person answers that day for any of these grids (directly or by a post)."""
    from inspections.due import grids_of

    person = person_of(user)
    return person is not None and bool(grids_of(person, day) & set(grid_ids))


def _manages(user, hazard) -> bool:
    return user.has_capability(Capability.MANAGE_HAZARDS, hazard.organisation)


def _at_bureau(user, hazard) -> bool:
    return any(m.organisation.kind == "bureau" and hazard.organisation.path.startswith(m.organisation.path)
               for m in memberships_of(user))


def can_handle(user, hazard) -> bool:
    """Assign, fix, escalate: the people of the hazard's grid and the grids above, or the safety office;
    once it is with the bureau (or the government), the bureau."""
    if user is None:
        return False
    if hazard.level in (Level.BUREAU, Level.GOVERNMENT):
        return _at_bureau(user, hazard) and _manages(user, hazard)
    if _manages(user, hazard):
        return True
    if hazard.level == Level.GRID and hazard.grid is not None:
        return _holds_any(user, _grid_chain(hazard.grid), timezone.localdate())
    return False


def can_verify(user, hazard) -> bool:
    """Verification (验收): not the fixer; the safety office (or the bureau for what it holds), or the
    people of a grid above the hazard's grid."""
    if user is None or (hazard.fixed_by_id is not None and hazard.fixed_by_id == user.pk):
        return False
    if hazard.level in (Level.BUREAU, Level.GOVERNMENT):
        return _at_bureau(user, hazard) and _manages(user, hazard)
    if _manages(user, hazard):
        return True
    if hazard.grid is not None and hazard.grid.parent is not None:
        return _holds_any(user, _grid_chain(hazard.grid.parent), timezone.localdate())
    return False


# --- the transitions ----------------------------------------------------------------------------


def _has_photo(hazard, kind: str) -> bool:
    return hazard.photos.filter(kind=kind).exists()


def _transition(actor: Actor, hazard: Hazard, version: int, action: str, check, apply, *, reason: str = "") -> Hazard:
    with transaction.atomic():
        fresh = (Hazard.objects.select_for_update(of=("self",)).select_related("organisation", "grid__parent__parent")
                 .get(pk=hazard.pk))
        if fresh.version != version:
            raise Conflict()
        sources, target = EDGES[action]
        if fresh.state not in sources:
            raise ValidationError(_("隐患当前为“%(state)s”，不能%(action)s。") % {
                "state": fresh.get_state_display(), "action": ACTION_LABELS[action]})
        check(fresh)
        before = snapshot(fresh)
        from_state = fresh.state
        apply(fresh)
        if target is not None:
            fresh.state = target
        fresh.version = version + 1
        fresh.save()
        HazardEvent.objects.create(organisation_id=fresh.organisation_id, hazard=fresh, action=action,
                                   from_state=from_state, to_state=fresh.state, actor=actor.user,
                                   actor_name=actor.name[:150], reason=reason)
        record(actor, AuditAction.UPDATE, fresh, changes={"action": [None, action],
                                                          **diff(before, snapshot(fresh))})
    return fresh


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def assign(actor: Actor, hazard: Hazard, version: int, *, responsible, deadline: datetime.date, measures: str = "",
           funds: str = "", contingency_plan: str = "") -> Hazard:
    """交办整改: the responsible person and the deadline always; all five fixes for a major hazard."""

    def check(fresh):
        _require(can_handle(actor.user, fresh), _("您无权交办该隐患。"))
        fresh.responsible, fresh.deadline = responsible, deadline
        fresh.measures, fresh.funds, fresh.contingency_plan = measures.strip(), funds.strip(), contingency_plan.strip()
        errors = {}
        if responsible is None:
            errors["responsible"] = _("须指定整改责任人。")
        elif responsible.organisation_id != fresh.organisation_id:
            errors["responsible"] = _("整改责任人必须是本校人员。")
        if deadline is None:
            errors["deadline"] = _("须确定整改期限。")
        if errors:
            raise ValidationError(errors)
        if fresh.grade == Grade.MAJOR and fresh.five_fixes_missing:
            message = _("重大隐患须落实措施、责任、资金、时限和预案（五落实）后才能整改，尚缺：%(missing)s。")
            raise ValidationError(message % {"missing": "、".join(fresh.five_fixes_missing)})

    return _transition(actor, hazard, version, "assign", check, lambda fresh: None)


def _mark_fixed(actor: Actor, note: str):
    def apply(fresh):
        fresh.fixed_by, fresh.fixed_at, fresh.fix_note = actor.user, timezone.now(), note.strip()
        fresh.rejection_reason = ""

    return apply


def fix_on_spot(actor: Actor, hazard: Hazard, version: int, *, note: str) -> Hazard:
    """当场整改: fixed at once by whoever found it; before and after photos; still verified by another."""

    def check(fresh):
        _require(can_handle(actor.user, fresh), _("您无权处理该隐患。"))
        if fresh.grade == Grade.MAJOR:
            raise ValidationError(_("重大隐患不能当场整改销号，须落实五落实后整改。"))
        if not (_has_photo(fresh, PhotoKind.BEFORE) and _has_photo(fresh, PhotoKind.AFTER)):
            raise ValidationError(_("当场整改须上传整改前和整改后的照片。"))
        if not note.strip():
            raise ValidationError({"note": _("请说明整改情况。")})

    return _transition(actor, hazard, version, "fix_on_spot", check, _mark_fixed(actor, note))


def submit_fix(actor: Actor, hazard: Hazard, version: int, *, note: str) -> Hazard:
    """整改完成: the fix is done, with an after photo; it now waits for verification."""

    def check(fresh):
        _require(can_handle(actor.user, fresh), _("您无权处理该隐患。"))
        if not _has_photo(fresh, PhotoKind.AFTER):
            raise ValidationError(_("请先上传整改后的照片。"))
        if not note.strip():
            raise ValidationError({"note": _("请说明整改情况。")})

    return _transition(actor, hazard, version, "submit_fix", check, _mark_fixed(actor, note))


def verify(actor: Actor, hazard: Hazard, version: int) -> Hazard:
    """验收销号: closed by someone other than the fixer, at the grid above or the safety office."""

    def check(fresh):
        if fresh.fixed_by_id is not None and actor.user is not None and fresh.fixed_by_id == actor.user.pk:
            raise PermissionDenied(_("整改人不能验收自己的整改，请由上级网格或安全办验收。"))
        _require(can_verify(actor.user, fresh), _("您无权验收该隐患。"))

    def apply(fresh):
        fresh.verified_by, fresh.verified_at = actor.user, timezone.now()
        fresh.is_overdue = False

    return _transition(actor, hazard, version, "verify", check, apply)


def reject(actor: Actor, hazard: Hazard, version: int, *, reason: str) -> Hazard:
    """验收不通过: back to rectifying, with the reason."""

    def check(fresh):
        if fresh.fixed_by_id is not None and actor.user is not None and fresh.fixed_by_id == actor.user.pk:
            raise PermissionDenied(_("整改人不能验收自己的整改，请由上级网格或安全办验收。"))
        _require(can_verify(actor.user, fresh), _("您无权验收该隐患。"))
        if not reason.strip():
            raise ValidationError({"reason": _("请说明验收不通过的原因。")})

    def apply(fresh):
        fresh.rejection_reason = reason.strip()
        fresh.fixed_by, fresh.fixed_at = None, None

    return _transition(actor, hazard, version, "reject", check, apply, reason=reason.strip())


def next_level(hazard) -> tuple[str, object]:
    """Where escalation leads: the parent grid, then the school, the bureau, the local government."""
    if hazard.level == Level.GRID:
        if hazard.grid is not None and hazard.grid.parent is not None:
            return Level.GRID, hazard.grid.parent
        return Level.SCHOOL, hazard.grid
    if hazard.level == Level.SCHOOL:
        return Level.BUREAU, hazard.grid
    return Level.GOVERNMENT, hazard.grid


def escalate(actor: Actor | None, hazard: Hazard, version: int, *, reason: str,
             government_reference: str = "", automatic: bool = False) -> Hazard:
    """上报 (超出处理能力): one level up; the bureau records the local government's reference."""

    def check(fresh):
        if not automatic:
            _require(can_handle(actor.user, fresh), _("您无权上报该隐患。"))
        if not reason.strip():
            raise ValidationError({"reason": _("请说明上报原因（如：超出处理能力）。")})
        if fresh.level == Level.GOVERNMENT:
            raise ValidationError(_("该隐患已报送当地政府。"))
        if fresh.level == Level.BUREAU and not government_reference.strip():
            raise ValidationError({"government_reference": _("报送当地政府须填写文号或编号。")})

    def apply(fresh):
        fresh.level, fresh.grid = next_level(fresh)
        fresh.escalation_reason = reason.strip()
        if fresh.level == Level.GOVERNMENT:
            fresh.government_reference = government_reference.strip()

    return _transition(actor or Actor.system(), hazard, version, "escalate", check, apply, reason=reason.strip())


def escalate_overdue(today: datetime.date) -> list[Hazard]:
    """Hazards past their deadline and not yet fixed go one level up (never past the bureau) and are
    flagged. Run daily (a task); a hazard escalates once per day at most."""
    done = []
    overdue = Hazard.objects.filter(state__in=[State.REPORTED, State.RECTIFYING], deadline__lt=today).exclude(
        level__in=[Level.BUREAU, Level.GOVERNMENT]).select_related("grid__parent")
    for hazard in overdue:
        if hazard.events.filter(action="escalate", at__date=today).exists():
            continue
        try:
            with transaction.atomic():  # escalated and flagged together, or neither
                fresh = escalate(None, hazard, hazard.version, automatic=True,
                                 reason=_("逾期未整改，自动上报（期限：%(deadline)s）") % {"deadline": hazard.deadline})
                if not fresh.is_overdue:  # read under escalate's lock
                    Hazard.objects.filter(pk=fresh.pk).update(is_overdue=True)
                    fresh.is_overdue = True
                    record(Actor.system(), AuditAction.UPDATE, fresh, changes={"is_overdue": [False, True]})
                versions.changed(fresh.organisation_id, versions.HAZARDS)
        except Conflict:
            continue
        done.append(fresh)
    return done


def flag_left_overnight(today: datetime.date) -> int:
    """隐患不过夜: hazards found before today that nobody has acted on (still 待处理 at its own grid or
    school, with no step after being reported) are flagged for the safety office, each with an audit entry."""
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    stale = Hazard.objects.filter(state=State.REPORTED, found_at__lt=start_of_today, left_overnight=False,
                                  level__in=[Level.GRID, Level.SCHOOL], version=1)
    with transaction.atomic():  # the rows locked, flagged and audited, and their schools' dashboards told
        # One query for any number of rows: the hazards locked (not their schools) with what the entries need.
        hazards = list(stale.select_for_update(of=("self",)).select_related("organisation")
                       .only("description", "organisation", "organisation__path"))
        flagged = Hazard.objects.filter(pk__in=[h.pk for h in hazards]).update(left_overnight=True)
        system = Actor.system()
        record_many([unsaved(system, AuditAction.UPDATE, h, {"left_overnight": [False, True]}) for h in hazards])
        for organisation_id in sorted({h.organisation_id for h in hazards}):
            versions.changed(organisation_id, versions.HAZARDS)
    return flagged


def daily(today: datetime.date | None = None) -> dict[str, int]:
    """The daily hazard job: flag hazards left overnight, escalate the overdue ones, remind the responsible
    people of near and passed deadlines."""
    from .reminders import send_reminders

    today = today or timezone.localdate()
    return {"left_overnight": flag_left_overnight(today), "escalated": len(escalate_overdue(today)),
            "reminders": send_reminders(today)}
