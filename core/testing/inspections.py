"""Checklists, schedules and submissions for tests (on top of `make_school`)."""

from __future__ import annotations

import datetime
import decimal
import uuid

from core.actions import create_object
from core.audit import Actor
from inspections import checklists
from inspections.models import Checklist, Schedule
from inspections.submit import Submission, submit

ITEMS = [
    {"key": "f1", "group": "消防设施", "text": "灭火器压力正常、在有效期内", "kind": "pass_fail",
     "photo_on_fail": True},
    {"key": "f2", "group": "消防设施", "text": "自动消防设施完好有效", "kind": "pass_fail", "is_major": True,
     "photo_on_fail": True, "note_on_fail": True},
    {"key": "f3", "group": "疏散", "text": "未归寝人数", "kind": "number", "unit": "人",
     "max_value": decimal.Decimal("0")},
    {"key": "f4", "group": "疏散", "text": "应急照明", "kind": "choice", "options": ["完好", "部分损坏", "无"],
     "fail_options": ["部分损坏", "无"]},
    {"key": "f5", "group": "其他", "text": "其他情况说明", "kind": "text"},
]
ALL_PASS = {"f1": "pass", "f2": "pass", "f3": "0", "f4": "完好", "f5": ""}


def make_checklist(organisation, *, name: str = "消防日查", items=None, actor: Actor | None = None) -> Checklist:
    actor = actor or Actor()
    checklist = create_object(actor, Checklist(organisation=organisation, name=name, topic="fire"))
    checklists.publish(actor, checklist, items or ITEMS)
    checklist.refresh_from_db()
    return checklist


def make_schedule(organisation, checklist, *, name: str = "教室日查", cadence: str = "daily",
                  start: datetime.date = datetime.date(2026, 9, 1), grids=(), places=(),
                  actor: Actor | None = None, **extra) -> Schedule:
    schedule = create_object(actor or Actor(), Schedule(organisation=organisation, name=name, checklist=checklist,
                                                         cadence=cadence, start=start, **extra))
    schedule.grids.set(grids)
    schedule.places.set(places)
    return schedule


def do_inspection(schedule, *, grid=None, place=None, on: datetime.date, answers=None, actor: Actor | None = None,
                  late: bool = False, **extra):
    """Submit an inspection of a schedule's target as if the phone's clock said 09:00 on `on` — and the
    server's too, unless `late` (an offline inspection that reaches the server now)."""
    import contextlib

    import time_machine
    from django.utils import timezone

    moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(9)))
    sub = Submission(client_id=extra.pop("client_id", uuid.uuid4()), version=schedule.checklist.current_version,
                     schedule=schedule, grid=grid, place=place, answers=answers or dict(ALL_PASS),
                     device_time=moment, **extra)
    with contextlib.nullcontext() if late else time_machine.travel(moment, tick=False):
        return submit(actor or Actor(), sub)
