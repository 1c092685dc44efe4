"""Preparing and applying an import: read → validate → compare (no writes), then one transaction.

Every object change has its own audit event: changes and removals go through the actions layer one
at a time; runs of new objects of one kind are created together (`bulk`), with the same checks and
the same audit events. The import adds one event summarising it (object type "grids.roster"). An
import that changes nothing writes nothing, not even the summary.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import threading
from collections import Counter
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import Actor, AuditAction, record

from . import bulk, reader
from .plan import ApplyError, Plan, diff
from .reader import RosterError
from .state import SchoolState

OBJECT_TYPE = "grids.roster"
YOUNG_OBJECTS = 10_000  # the collector's first threshold during an import (Python's default: 700)
_collector = {"depth": 0, "saved": None}
_collector_lock = threading.Lock()


@contextlib.contextmanager
def collecting_less():
    """Python's cyclic collector runs each time 700 new objects have piled up, and an import keeps the
    objects of thousands of rows alive until it ends: the collector walked them over and over (a fifth of
    the CPU time of a 5,000-row import). During an import it waits for 10,000. The threshold is the
    process's: with nested or concurrent imports, the outermost sets it back."""
    with _collector_lock:
        if _collector["depth"] == 0:
            _collector["saved"] = gc.get_threshold()
            first, *rest = _collector["saved"]
            gc.set_threshold(max(first, YOUNG_OBJECTS), *rest)
        _collector["depth"] += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector["depth"] -= 1
            if _collector["depth"] == 0:
                gc.set_threshold(*_collector["saved"])


def prepare(data: bytes, organisation, today: datetime.date, actor: Actor | None = None) -> Plan:
    """The plan of an import, or a plan holding only errors. Reads the database, writes nothing."""
    with collecting_less():
        return _prepare(data, organisation, today, actor)


def _prepare(data: bytes, organisation, today: datetime.date, actor: Actor | None) -> Plan:
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


def _refused(change, error: ValidationError):
    raise ApplyError(change, error) from error


def apply_plan(plan: Plan, *, prune: bool = False, progress: Callable[[int, int], None] | None = None,
               description: str = "", in_bulk: bool = True) -> dict[str, int]:
    """Run the plan's steps in one transaction; removals only with `prune`. Returns the counts.

    New objects are created in runs of one kind (`in_bulk`); False makes every step alone, through the
    actions (the tests compare the two).
    """
    if plan.errors:
        raise ValueError("a plan with errors cannot be applied")
    steps = plan.steps(prune)
    if not steps:
        return {}
    actor = plan.context.actor
    done = 0
    with collecting_less(), transaction.atomic():
        for run in bulk.runs(steps) if in_bulk else [[step] for step in steps]:
            if len(run) > 1:
                bulk.create(plan.context, run, _refused)
            else:
                try:
                    run[0].run(plan.context)
                except ValidationError as exc:
                    _refused(run[0], exc)
            done += len(run)
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
