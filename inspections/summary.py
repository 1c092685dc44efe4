"""Inspection figures for the home pages: today's due/done, yesterday's misses, flagged scans."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from .due import Plan, TaskState, grids_led_by, structure_for
from .models import CheckIn


@dataclass
class SchoolDay:
    due: int
    done: int
    missed_yesterday: int
    flagged_scans: int
    failed_today: int

    @property
    def open(self) -> int:
        return self.due - self.done


def day_plan(school, day: datetime.date) -> Plan:
    """The school's whole plan of yesterday and `day` (what `school_day` and `member_day` read)."""
    return Plan(school, day - datetime.timedelta(days=1), day, today=day)


def school_day(school, day: datetime.date | None = None, plan: Plan | None = None) -> SchoolDay:
    """Today at a school: tasks due and done, yesterday's misses, today's flagged QR scans. `plan`: the school's
    `day_plan`, when the caller has it already."""
    from .models import Inspection

    day = day or timezone.localdate()
    yesterday = day - datetime.timedelta(days=1)
    plan = plan or day_plan(school, day)
    today_tasks = plan.on(day)
    since = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return SchoolDay(
        due=len(today_tasks), done=sum(1 for t in today_tasks if t.is_done),
        missed_yesterday=sum(1 for t in plan.on(yesterday)
                             if t.state == TaskState.MISSED and t.window.end == yesterday),
        flagged_scans=CheckIn.objects.filter(organisation=school, flagged=True, server_time__gte=since).count(),
        failed_today=Inspection.objects.filter(organisation=school, on_date=day, failed_count__gt=0).count(),
    )


@dataclass
class MemberDay:
    tasks: list
    missed_in_my_grids: list
    flagged_scans: list

    @property
    def open(self) -> int:
        return sum(1 for t in self.tasks if not t.is_done)


def member_day(person, day: datetime.date | None = None, plan: Plan | None = None) -> MemberDay:
    """A grid member's today: their tasks; and the misses of yesterday in the grids they lead. `plan`: their
    school's `day_plan`, when the caller has it already (a school's safety office on its home page)."""
    day = day or timezone.localdate()
    yesterday = day - datetime.timedelta(days=1)
    if plan is None:
        structure = structure_for(person.organisation, yesterday, day, day)
        led = grids_led_by(person, day, structure)
        # Only the grids they lead (their own among them): the same answers as the school's whole plan.
        plan = Plan(person.organisation, yesterday, day, today=day, only_grids=led, structure=structure)
    else:
        led = grids_led_by(person, day, plan.structure)
    missed = [t for t in plan.missed_for_grids(led) if t.window.end == yesterday]
    # QR scans out of the ordinary since yesterday at places of the grids they lead (the grids' places from the
    # kept structure: no join through the links, no DISTINCT).
    since = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time.min))
    places = [pk for pk, grids in plan.grids_of_place.items() if led.intersection(grids)]
    flagged = list(CheckIn.objects.filter(organisation_id=person.organisation_id, flagged=True, server_time__gte=since,
                                          place__in=places or [0])
                   .select_related("place", "person").order_by("-server_time")[:20])
    return MemberDay(tasks=plan.for_person(person.pk, day), missed_in_my_grids=missed, flagged_scans=flagged)
