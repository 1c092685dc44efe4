"""Every write to grids, assignments and time slots, each in one audited transaction."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.actions import create_object, update_object
from core.audit import Actor, AuditAction, record

from . import letters
from .models import Assignment, Grid


def _labels(objects) -> list[str]:
    return sorted(str(o) for o in objects)


@transaction.atomic
def set_grid_links(actor: Actor, grid: Grid, *, places=None, time_slots=None) -> None:
    """Replace what a grid covers; the audit entry lists the places/slots before and after."""
    changes = {}
    for name, new in (("places", places), ("time_slots", time_slots)):
        if new is None:
            continue
        manager = getattr(grid, name)
        before = list(manager.all())
        if {o.pk for o in before} != {o.pk for o in new}:
            manager.set(new)
            changes[name] = [_labels(before), _labels(new)]
    if changes:
        record(actor, AuditAction.UPDATE, grid, changes=changes)


@transaction.atomic
def save_grid(actor: Actor, grid: Grid, *, places=None, time_slots=None, **values) -> Grid:
    grid = update_object(actor, grid, **values) if grid.pk else create_object(actor, grid)
    set_grid_links(actor, grid, places=places, time_slots=time_slots)
    return grid


def assign(actor: Actor, grid: Grid, *, role: str, start: datetime.date, person=None, post=None,
           end: datetime.date | None = None) -> Assignment:
    return create_object(actor, Assignment(organisation=grid.organisation, grid=grid, person=person, post=post,
                                           role=role, start=start, end=end))


def end_assignment(actor: Actor, assignment: Assignment, on: datetime.date) -> Assignment:
    """The holder answers for the grid up to and including `on`."""
    if on < assignment.start:
        raise ValidationError({"end": _("结束日期不能早于开始日期（%(start)s）。") % {"start": assignment.start}})
    return update_object(actor, assignment, end=on)


@transaction.atomic
def handover(actor: Actor, assignment: Assignment, *, on: datetime.date, person=None, post=None) -> Assignment:
    """Replace the holder of an assignment (交接).

    方案10: the successor is responsible from the day after the handover date, so the old
    assignment ends on `on` and the new one starts on `on + 1`: no day is left uncovered.
    """
    if on < assignment.start:
        raise ValidationError({"on": _("交接日期不能早于原责任人的开始日期（%(start)s）。") % {
            "start": assignment.start}})
    if assignment.end is not None and on >= assignment.end:
        raise ValidationError({"on": _("交接日期须早于原责任人的结束日期（%(end)s）。") % {"end": assignment.end}})
    if (person is None) == (post is None):
        raise ValidationError(_("请选择一名接任人员或一个岗位。"))
    if person is not None and person.pk == assignment.person_id:
        raise ValidationError({"person": _("接任人不能是原责任人。")})
    original_end = assignment.end
    update_object(actor, assignment, end=on)
    successor = create_object(actor, Assignment(
        organisation=assignment.organisation, grid=assignment.grid, role=assignment.role, person=person, post=post,
        start=on + datetime.timedelta(days=1), end=original_end, handed_over_from=assignment,
    ))
    letters.issue_for_successor(actor, successor)  # the successor is asked to sign the grid's letter
    return successor
