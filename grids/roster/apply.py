"""Preparing and applying an import: read → validate → compare (no writes), then one transaction.

Every write goes through the actions layer, so each object change has its own audit event; the
import adds one event summarising it (object type "grids.roster"). An import that changes
nothing writes nothing, not even the summary.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import Actor, AuditAction, record
from core.crud import join_messages

from . import reader
from .plan import Plan, diff
from .reader import RosterError
from .state import SchoolState

OBJECT_TYPE = "grids.roster"


class ApplyError(Exception):
    """A step refused by a model rule the validation did not foresee; nothing was written."""

    def __init__(self, change, error: ValidationError):
        self.change = change
        super().__init__(_("%(model)s“%(subject)s”：%(reason)s") % {
            "model": change.model, "subject": change.subject, "reason": join_messages(error.messages)})


def prepare(data: bytes, organisation, today: datetime.date, actor: Actor | None = None) -> Plan:
    """The plan of an import, or a plan holding only errors. Reads the database, writes nothing."""
    sheets, errors = reader.read(data)
    if errors:
        return Plan(organisation, today, [], errors)
    state = SchoolState.load(organisation, today)
    target, errors = reader.build(sheets, state)
    if errors:
        return Plan(organisation, today, [], errors)
    plan = diff(target, state, actor or Actor.system())
    plan.errors = reader.sort_errors(plan.errors)
    if plan.errors:
        plan.changes = []
    return plan


def summary_counts(changes) -> dict[str, int]:
    return dict(sorted(Counter(f"{c.model}_{c.action}" for c in changes).items()))


def apply_plan(plan: Plan, *, prune: bool = False, progress: Callable[[int, int], None] | None = None,
               description: str = "") -> dict[str, int]:
    """Run the plan's steps in one transaction; removals only with `prune`. Returns the counts."""
    if plan.errors:
        raise ValueError("a plan with errors cannot be applied")
    steps = plan.steps(prune)
    if not steps:
        return {}
    actor = plan.context.actor
    with transaction.atomic():
        for done, change in enumerate(steps, start=1):
            try:
                change.run(plan.context)
            except ValidationError as exc:
                raise ApplyError(change, exc) from exc
            if progress is not None:
                progress(done, len(steps))
        counts = summary_counts(steps)
        record(actor, AuditAction.IMPORT, organisation=plan.organisation, object_type=OBJECT_TYPE,
               object_repr=(description or _("网格责任清单导入"))[:255],
               changes={key: [None, n] for key, n in counts.items()} | {"prune": [None, prune]})
    return counts


def import_roster(data: bytes, organisation, *, today: datetime.date, actor: Actor | None = None,
                  prune: bool = False, dry_run: bool = False, description: str = "") -> tuple[Plan, dict]:
    """Prepare and (unless a dry run or in error) apply: for commands, the demo and tests."""
    plan = prepare(data, organisation, today, actor)
    if plan.errors or dry_run:
        return plan, {}
    return plan, apply_plan(plan, prune=prune, description=description)


__all__ = ["ApplyError", "RosterError", "apply_plan", "import_roster", "prepare"]
