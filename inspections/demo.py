"""Demo inspections for a school that has a grid: calendar, the standard checklists, schedules of the
cadences the plans name, and the last few days of inspections (some missed, some with failures).

Idempotent: everything is found by name, and past inspections carry deterministic client ids, so a
second run adds nothing (a run on a later day adds that day's history only).
"""

from __future__ import annotations

import datetime
import random
import uuid

from django.utils import timezone

from core.actions import create_object
from core.audit import Actor

from . import checklists
from .due import Plan
from .models import Checklist, Holiday, Schedule, Term
from .submit import Submission, submit

NAMESPACE = uuid.UUID("5a7e6a1d-0000-4000-8000-00000000d3e0")
HISTORY_DAYS = 6  # the phone's clock is trusted up to 7 days back (submit.MAX_OFFLINE_AGE)


def school_year(today: datetime.date) -> int:
    return today.year if today.month >= 8 else today.year - 1


def load_calendar(actor: Actor, school, today: datetime.date) -> int:
    year = school_year(today)
    created = 0
    terms = [(f"{year}-{year + 1}学年第一学期", datetime.date(year, 9, 1), datetime.date(year + 1, 1, 22)),
             (f"{year}-{year + 1}学年第二学期", datetime.date(year + 1, 2, 22), datetime.date(year + 1, 7, 2))]
    for name, start, end in terms:
        if not Term.objects.filter(organisation=school, name=name).exists():
            create_object(actor, Term(organisation=school, name=name, start=start, end=end))
            created += 1
    holidays = [("国庆节", "holiday", datetime.date(year, 10, 1), datetime.date(year, 10, 7)),
                ("国庆调休", "workday", datetime.date(year, 10, 10), datetime.date(year, 10, 10)),
                ("元旦", "holiday", datetime.date(year + 1, 1, 1), datetime.date(year + 1, 1, 3)),
                ("清明节", "holiday", datetime.date(year + 1, 4, 4), datetime.date(year + 1, 4, 6)),
                ("劳动节", "holiday", datetime.date(year + 1, 5, 1), datetime.date(year + 1, 5, 5))]
    for name, kind, start, end in holidays:
        if not Holiday.objects.filter(organisation=school, name=name, start=start).exists():
            create_object(actor, Holiday(organisation=school, name=name, kind=kind, start=start, end=end))
            created += 1
    return created


def load_checklists(actor: Actor, school) -> int:
    created = 0
    for data in checklists.standard_checklists():
        if not Checklist.objects.filter(organisation=school, standard_key=data["key"]).exists():
            checklists.copy_standard(actor, school, data["key"])
            created += 1
    return created


def _schedules(school) -> list[dict]:
    from campus.models import Place

    places = Place.objects.filter(organisation=school)
    return [
        {"name": "班级日查", "key": "buildings", "cadence": "daily", "grid_kind": "class", "roles": "head_teacher",
         "time_from": datetime.time(7, 30), "time_to": datetime.time(8, 30)},
        {"name": "楼层日巡查", "key": "fire", "cadence": "daily", "grid_kind": "floor"},
        {"name": "每周用电检查", "key": "electricity", "cadence": "weekdays", "weekdays": "1", "grid_kind": "building"},
        {"name": "每月第一个周二消防安全检查", "key": "fire", "cadence": "monthly_nth", "nth": 1, "weekday": 2,
         "key_locations": True},
        {"name": "重点部位每学期两次检查", "key": "buildings", "cadence": "per_term", "times_per_term": 2,
         "key_locations": True},
        {"name": "食堂每日检查", "key": "canteen", "cadence": "daily", "time_from": datetime.time(10),
         "time_to": datetime.time(11, 30), "places": places.filter(place_type__in=["食堂", "操作间"])},
        {"name": "门卫每日检查", "key": "gate", "cadence": "daily", "day_rule": "all_days",
         "time_from": datetime.time(7),
         "time_to": datetime.time(8), "places": places.filter(place_type__in=["校门", "门卫室"])},
    ]


def load_schedules(actor: Actor, school, today: datetime.date) -> int:
    start = datetime.date(school_year(today), 9, 1)
    by_key = {c.standard_key: c for c in Checklist.objects.filter(organisation=school)}
    created = 0
    for spec in _schedules(school):
        spec = dict(spec)
        by_place = "places" in spec
        places = list(spec.pop("places", []))
        checklist = by_key.get(spec.pop("key"))
        if checklist is None or Schedule.objects.filter(organisation=school, name=spec["name"]).exists():
            continue
        if by_place and not places:  # a school without a canteen gets no canteen check
            continue
        schedule = create_object(actor, Schedule(organisation=school, checklist=checklist, start=start, **spec))
        schedule.places.set(places)
        created += 1
    return created


def _answers(version, rng: random.Random) -> tuple[dict, dict]:
    """Mostly a zero report; now and then a failure of an item that needs no photo."""
    answers, notes = {}, {}
    items = list(version.items.all())
    failing = None
    if rng.random() < 0.15:
        candidates = [i for i in items if not i.photo_on_fail and i.kind in ("pass_fail", "choice", "number")]
        failing = rng.choice(candidates) if candidates else None
    for item in items:
        if item.kind == "pass_fail":
            answers[item.key] = "fail" if item is failing else "pass"
        elif item.kind == "choice":
            good = [o for o in item.options if o not in item.fail_options]
            answers[item.key] = (item.fail_options[0] if item is failing else good[0])
        elif item.kind == "number":
            low = item.min_value if item.min_value is not None else item.max_value
            value = low if item is not failing else (
                item.max_value + 1 if item.max_value is not None else item.min_value - 1)
            answers[item.key] = str(value)
        if item is failing:
            notes[item.key] = "演示：现场发现问题，已告知相关负责人。"
    return answers, notes


def load_history(actor: Actor, school, today: datetime.date, *, days: int = HISTORY_DAYS) -> int:
    """The last `days` days of inspections: about nine in ten tasks done, the rest missed."""
    start = today - datetime.timedelta(days=days)
    plan = Plan(school, start, today - datetime.timedelta(days=1), today=today)
    rng = random.Random(f"{school.code}-{start}")
    created = 0
    for task in plan.tasks:
        # The same draws for every task on every run, so a second run chooses exactly as the first.
        skipped = rng.random() < 0.1
        version = task.schedule.checklist.current_version
        answers, notes = _answers(version, rng)
        if task.window.end >= today or task.is_done or skipped:
            continue
        responsible = sorted(plan.responsible(task, task.window.end))
        inspector = plan.people.get(responsible[0]) if responsible else None
        day = task.window.end
        when = task.schedule.time_from or datetime.time(9)
        moment = timezone.make_aware(datetime.datetime.combine(day, when) + datetime.timedelta(minutes=10))
        client_id = uuid.uuid5(NAMESPACE, f"{school.code}/{task.schedule.pk}/{task.target_key}/{day}")
        sub = Submission(client_id=client_id, version=version, schedule=task.schedule, grid=task.grid,
                         place=task.place, inspector=inspector, answers=answers, notes=notes, device_time=moment)
        _inspection, new = submit(actor, sub)
        created += int(new)
    return created


def load(actor: Actor, school, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    created = load_calendar(actor, school, today)
    created += load_checklists(actor, school)
    created += load_schedules(actor, school, today)
    created += load_history(actor, school, today)
    return created
