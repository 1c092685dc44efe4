"""Daily roll-ups: equal to what the plan and the register say, and never stale when read — a late
inspection, a hazard closed, a schedule changed all mark the rows they touch, and `refresh` recomputes them."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.audit import Actor
from core.testing.inspections import ALL_PASS, do_inspection, make_checklist, make_schedule
from core.testing.photos import jpeg_bytes
from core.testing.school import make_school
from dashboards import rollups
from dashboards.models import SchoolDay
from hazards.actions import report
from hazards.models import Hazard
from inspections.due import Plan
from inspections.models import Term

D = datetime.date
TODAY = D(2026, 10, 20)
pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(cast):
    school = make_school(cast.school1)
    Term.objects.create(organisation=cast.school1, name="秋季学期", start=D(2026, 9, 1), end=D(2027, 1, 20))
    schedule = make_schedule(cast.school1, make_checklist(cast.school1), grids=[school.class_grid],
                             start=D(2026, 10, 1), day_rule="all_days")
    for day in (1, 2, 3, 5, 8, 9):
        do_inspection(schedule, grid=school.class_grid, on=D(2026, 10, day), answers=ALL_PASS)
    photo = SimpleUploadedFile("现场.jpg", jpeg_bytes(), content_type="image/jpeg")
    do_inspection(schedule, grid=school.class_grid, on=D(2026, 10, 6), answers={**ALL_PASS, "f1": "fail"},
                  photos={"f1": [photo]})
    school.schedule = schedule
    return school


def totals(school, start, end):
    rows = SchoolDay.objects.filter(organisation=school, day__range=(start, end))
    return {name: sum(getattr(r, name) for r in rows) for name in ("required", "done", "missed", "inspections",
                                                                  "failed_inspections", "hazards_found")}


def test_rows_add_up_to_the_plans_completion_and_the_days_records(cast, setting):
    start, end = D(2026, 10, 1), D(2026, 10, 10)
    assert rollups.rebuild([cast.school1], start, end, today=TODAY) == 10
    rate = Plan(cast.school1, start, end, today=TODAY).rates("school")[0]
    got = totals(cast.school1, start, end)
    assert (got["required"], got["done"], got["missed"]) == (rate.required, rate.done, rate.missed) == (10, 7, 3)
    assert got["inspections"] == 7 and got["failed_inspections"] == 1 and got["hazards_found"] == 1
    oct4 = SchoolDay.objects.get(organisation=cast.school1, day=D(2026, 10, 4))
    assert (oct4.required, oct4.done, oct4.missed, oct4.stale) == (1, 0, 1, False)


def test_today_is_never_rolled_up(cast, setting):
    assert rollups.rebuild([cast.school1], D(2026, 10, 18), D(2026, 10, 25), today=TODAY) == 2
    assert not SchoolDay.objects.filter(day__gte=TODAY).exists()


def test_a_late_inspection_for_a_past_day_marks_its_row_and_refresh_makes_it_exact(cast, setting):
    start, end = D(2026, 10, 1), D(2026, 10, 10)
    # An offline inspection of 4 October reaching the server a week later still counts for the 4th.
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 10, 11, 8)), tick=False):
        rollups.rebuild([cast.school1], start, end)
        assert rollups.refresh([cast.school1], start, end) == 0  # steady state: nothing to do
        do_inspection(setting.schedule, grid=setting.class_grid, on=D(2026, 10, 4), answers=ALL_PASS, late=True)
        assert SchoolDay.objects.get(organisation=cast.school1, day=D(2026, 10, 4)).stale
        assert rollups.refresh([cast.school1], start, end) == 1
    oct4 = SchoolDay.objects.get(organisation=cast.school1, day=D(2026, 10, 4))
    assert (oct4.done, oct4.missed, oct4.stale) == (1, 0, False)


def test_hazards_found_and_closed_on_past_days_are_counted_where_they_belong(cast, setting):
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 10, 20, 8)), tick=False):
        rollups.rebuild([cast.school1], D(2026, 10, 1), D(2026, 10, 19))
        hazard = report(Actor(user=cast.alice), Hazard(
            organisation=cast.school1, place=setting.room101, description="插座松动", grade="major",
            found_at=timezone.make_aware(datetime.datetime(2026, 10, 12, 15)), deadline=D(2026, 10, 14)))
        Hazard.objects.filter(pk=hazard.pk).update(
            state="closed", verified_at=timezone.make_aware(datetime.datetime(2026, 10, 15, 10)))
        rollups.hazard_saved(Hazard, Hazard.objects.get(pk=hazard.pk))  # what a save through the workflow does
        assert set(SchoolDay.objects.filter(stale=True).values_list("day", flat=True)) == {D(2026, 10, 12),
                                                                                           D(2026, 10, 15)}
        rollups.refresh([cast.school1], D(2026, 10, 1), D(2026, 10, 19))
    found = SchoolDay.objects.get(organisation=cast.school1, day=D(2026, 10, 12))
    closed = SchoolDay.objects.get(organisation=cast.school1, day=D(2026, 10, 15))
    assert (found.hazards_found, found.major_found) == (1, 1)
    assert (closed.hazards_closed, closed.close_seconds, closed.closed_late) == (1, (2 * 24 + 19) * 3600, 1)


def test_a_schedule_change_marks_every_day_from_its_start(cast, setting):
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 10, 20, 8)), tick=False):
        rollups.rebuild([cast.school1], D(2026, 9, 25), D(2026, 10, 19))
        setting.schedule.start = D(2026, 9, 28)
        setting.schedule.save()
        stale = set(SchoolDay.objects.filter(stale=True).values_list("day", flat=True))
        assert min(stale) == D(2026, 9, 28) and max(stale) == D(2026, 10, 19) and D(2026, 9, 27) not in stale
        rollups.refresh([cast.school1], D(2026, 9, 25), D(2026, 10, 19))
    assert totals(cast.school1, D(2026, 9, 28), D(2026, 9, 30))["missed"] == 3
    assert not SchoolDay.objects.filter(stale=True).exists()


def test_the_nightly_command_rolls_up_yesterday_with_the_coverage_check(cast, setting):
    from django.core.management import call_command

    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 10, 11, 1)), tick=False):
        call_command("rollup")
    row = SchoolDay.objects.get(organisation=cast.school1, day=D(2026, 10, 10))
    assert row.required == 1 and row.coverage_findings is not None


def test_figures_kept_from_the_roll_ups_are_read_afresh_once_a_row_below_changes(cast, setting):
    """The dashboards keep roll-up figures under the roll-ups' version of the schools' common ancestor: a late
    inspection marks its day stale, which moves the school's and the bureau's versions, and the next read is
    exact; a change at a sibling school leaves this school's kept figures alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboards import figures

    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 10, 11, 8)), tick=False):
        today = timezone.localdate()

        def read(schools):
            with CaptureQueriesContext(connection) as ctx:
                rows = figures.school_rows(schools, today=today, days=10)
            return {r.school.pk: (r.required, r.done) for r in rows}, len(ctx.captured_queries)

        first, computed = read([cast.school1])
        read([cast.school1, cast.school2])
        read([cast.school1])  # the first read filled in the roll-ups, moving the version it was kept under
        again, kept = read([cast.school1])
        assert again == first and kept < computed  # kept: the live hazards' query, not the roll-ups'
        rollups.rebuild([cast.school2], D(2026, 10, 1), D(2026, 10, 10))  # a sibling's rows
        assert read([cast.school1])[1] == kept
        do_inspection(setting.schedule, grid=setting.class_grid, on=D(2026, 10, 4), answers=ALL_PASS, late=True)
        now, n = read([cast.school1])
        assert n > kept and now[cast.school1.pk][1] == first[cast.school1.pk][1] + 1  # one more done
        assert read([cast.school1, cast.school2])[0][cast.school1.pk] == now[cast.school1.pk]  # the bureau's too
