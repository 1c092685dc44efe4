"""Derived tasks: who has what due on a day, what was missed, handovers, rates; query counts."""

import datetime

import pytest

from core.audit import Actor
from core.testing.inspections import do_inspection, make_checklist, make_schedule
from core.testing.school import make_school
from grids import actions as grid_actions
from inspections.due import Plan, TaskState, grids_led_by
from inspections.models import Holiday, Term

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def school(cast):
    school = make_school(cast.school1)
    Term.objects.create(organisation=cast.school1, name="2026-2027学年第一学期", start=D(2026, 9, 1),
                        end=D(2027, 1, 22))
    Holiday.objects.create(organisation=cast.school1, name="国庆节", start=D(2026, 10, 1), end=D(2026, 10, 7))
    school.checklist = make_checklist(cast.school1)
    school.class_daily = make_schedule(cast.school1, school.checklist, name="班级日查", grids=[school.class_grid],
                                       roles="head_teacher")
    return school


def test_a_daily_class_check_is_due_for_the_head_teacher_on_school_days_only(cast, school):
    plan = Plan(cast.school1, D(2026, 9, 28), D(2026, 10, 9), today=D(2026, 9, 28))
    mine = plan.for_person(school.wang.pk, D(2026, 9, 28))
    assert [(t.schedule.name, t.grid.name, t.state) for t in mine] == [("班级日查", "一年级1班", TaskState.DUE)]
    assert plan.for_person(school.wang.pk, D(2026, 10, 5)) == []  # 国庆
    assert plan.for_person(school.xiaoming.pk, D(2026, 9, 28)) == []  # the monitor is not asked
    assert plan.for_person(school.li.pk, D(2026, 9, 28)) == []  # roles="head_teacher"
    assert len(plan.tasks) == 5  # 28, 29, 30 Sep, 8, 9 Oct


def test_a_zero_report_completes_the_task_and_an_undone_day_is_missed_the_next_morning(cast, school):
    do_inspection(school.class_daily, grid=school.class_grid, on=D(2026, 9, 28))
    plan = Plan(cast.school1, D(2026, 9, 28), D(2026, 9, 30), today=D(2026, 9, 30))
    states = {t.window.start: t.state for t in plan.tasks}
    assert states == {D(2026, 9, 28): TaskState.DONE, D(2026, 9, 29): TaskState.MISSED,
                      D(2026, 9, 30): TaskState.DUE}
    # The grid leader of the floor grid (王老师) and the building head (李主任) both see the miss.
    for leader in (school.wang, school.li):
        missed = plan.missed_for_grids(grids_led_by(leader, D(2026, 9, 30)))
        assert [t.window.start for t in missed] == [D(2026, 9, 29)]
    assert plan.missed_for_grids(grids_led_by(school.zhao, D(2026, 9, 30))) == []  # the guard's grid is elsewhere


def test_after_a_handover_the_new_holder_inherits_the_next_days_tasks_and_the_old_holder_keeps_his_misses(cast,
                                                                                                         school):
    grid_actions.handover(Actor(), school.class_head, on=D(2026, 9, 29), person=school.li)
    plan = Plan(cast.school1, D(2026, 9, 28), D(2026, 9, 30), today=D(2026, 10, 1))
    assert [t.window.start for t in plan.for_person(school.wang.pk, D(2026, 9, 29))] == [D(2026, 9, 29)]
    assert plan.for_person(school.li.pk, D(2026, 9, 29)) == []
    assert [t.window.start for t in plan.for_person(school.li.pk, D(2026, 9, 30))] == [D(2026, 9, 30)]
    assert plan.for_person(school.wang.pk, D(2026, 9, 30)) == []
    by_person = {r.label: (r.required, r.done, r.missed) for r in plan.rates("person")}
    assert by_person == {"王老师": (2, 0, 2), "李主任": (1, 0, 1)}


def test_post_holders_answer_for_place_tasks_and_key_locations_are_targeted(cast, school):
    key_check = make_schedule(cast.school1, school.checklist, name="重点部位周查", cadence="weekdays", weekdays="1",
                              key_locations=True)
    plan = Plan(cast.school1, D(2026, 9, 28), D(2026, 9, 28), today=D(2026, 9, 28))
    tasks = [t for t in plan.tasks if t.schedule == key_check]
    assert [(t.place.name, t.grid.name) for t in tasks] == [("操场", "操场网格")]
    assert plan.responsible(tasks[0], D(2026, 9, 28)) == {school.zhao.pk}  # through the post 保安
    assert plan.for_place(school.playground.pk, D(2026, 9, 28)) == tasks
    # A place task is done by an inspection at the place; a grid task by one on the grid.
    do_inspection(key_check, grid=school.playground_grid, place=school.playground, on=D(2026, 9, 28))
    plan = Plan(cast.school1, D(2026, 9, 28), D(2026, 9, 28), today=D(2026, 9, 28))
    assert [t.state for t in plan.tasks if t.schedule == key_check] == [TaskState.DONE]


def test_scanning_a_classroom_offers_its_grids_task(cast, school):
    plan = Plan(cast.school1, D(2026, 9, 28), D(2026, 9, 28), today=D(2026, 9, 28))
    assert [t.grid.name for t in plan.for_place(school.room102.pk, D(2026, 9, 28))] == ["一年级1班"]
    assert plan.for_place(school.playground.pk, D(2026, 9, 28)) == []


def test_several_checks_a_day_are_required_when_the_schedule_says_so(cast, school):
    twice = make_schedule(cast.school1, school.checklist, name="宿舍消毒", grids=[school.floor_grid], per_window=2)
    do_inspection(twice, grid=school.floor_grid, on=D(2026, 9, 28))
    plan = Plan(cast.school1, D(2026, 9, 28), D(2026, 9, 28), today=D(2026, 9, 29))
    task = next(t for t in plan.tasks if t.schedule == twice)
    assert (task.done, task.window.required, task.state) == (1, 2, TaskState.MISSED)
    do_inspection(twice, grid=school.floor_grid, on=D(2026, 9, 28))
    plan = Plan(cast.school1, D(2026, 9, 28), D(2026, 9, 28), today=D(2026, 9, 29))
    assert next(t for t in plan.tasks if t.schedule == twice).state == TaskState.DONE


def test_rates_by_grid_and_school_count_ended_and_done_windows(cast, school):
    do_inspection(school.class_daily, grid=school.class_grid, on=D(2026, 9, 28))
    do_inspection(school.class_daily, grid=school.class_grid, on=D(2026, 9, 30))
    plan = Plan(cast.school1, D(2026, 9, 28), D(2026, 10, 9), today=D(2026, 9, 30))
    (school_rate,) = plan.rates("school")
    # 28 done, 29 missed, 30 done (today, counted because done); 8 and 9 Oct have not come yet.
    assert (school_rate.required, school_rate.done, school_rate.missed, school_rate.percent) == (3, 2, 1, 66.7)
    assert [(r.label, r.percent) for r in plan.rates("grid")] == [("一年级1班", 66.7)]


def test_the_plan_takes_a_fixed_number_of_queries_whatever_the_number_of_grids(cast, school,
                                                                                django_assert_max_num_queries):
    from core.testing.school import make_school as more

    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            plan = Plan(cast.school1, D(2026, 9, 1), D(2026, 9, 30), today=D(2026, 9, 30))
            plan.rates("person")
            plan.missed()
        return len(ctx.captured_queries)

    before = count_queries()
    more(cast.school2)  # another school's data changes nothing
    school.class_daily.grids.add(school.floor_grid, school.building_grid, school.playground_grid)
    for day in (D(2026, 9, 1), D(2026, 9, 2)):
        do_inspection(school.class_daily, grid=school.floor_grid, on=day)
    assert count_queries() == before <= 12


def test_a_persons_and_a_places_plan_answer_as_the_whole_schools_does(cast, school):
    from inspections.due import plan_for_person, plan_for_place

    make_schedule(cast.school1, school.checklist, name="重点部位", key_locations=True)
    make_schedule(cast.school1, school.checklist, name="楼层", grid_kind="floor")
    day = D(2026, 9, 28)
    whole = Plan(cast.school1, day, day, today=day)

    def keys(tasks):
        return [(t.schedule.pk, t.target_key, t.window) for t in tasks]

    for person in (school.wang, school.li, school.zhao, school.xiaoming):
        assert keys(plan_for_person(person, day, today=day).for_person(person.pk, day)) == keys(
            whole.for_person(person.pk, day))
    for place in (school.room101, school.playground, school.building):
        assert keys(plan_for_place(place, day, day, today=day).for_place(place.pk, day)) == keys(
            whole.for_place(place.pk, day))
    assert keys(whole.for_person(school.zhao.pk, day)) and keys(whole.for_place(school.room101.pk, day))


def test_the_structure_knows_whose_grids_are_whose_as_the_database_does(cast, school):
    """A person's grids from the kept structure (patrol pages, home panels) equal the two-armed query's, for
    people with their own assignments and through a post (the guard), around a handover and a post's end."""
    from inspections.due import Structure, grids_of
    from people.models import Person

    grid_actions.handover(Actor(), school.class_head, on=D(2026, 9, 29), person=school.li)
    start, end = D(2026, 9, 27), D(2026, 10, 2)
    structure = Structure(cast.school1, start, end)
    people = list(Person.objects.filter(organisation=cast.school1))
    seen = set()
    for day in (start + datetime.timedelta(days=n) for n in range((end - start).days + 1)):
        for person in people:
            expected = grids_of(person, day) & structure.grids.keys()
            assert structure.grids_of(person.pk, day) == expected, (person.name, day)
            seen.add((person.pk, frozenset(expected)))
    assert structure.grids_of(school.zhao.pk, start)  # the guard's grids come through the post
    assert len({frozenset(g) for _p, g in seen}) > 3  # the comparison covers people with different grids


def test_a_plan_near_today_keeps_its_structure_until_anything_it_reads_changes(cast, school):
    """Pages' plans reuse the school's structure per process (two queries: its version, the inspections),
    and every kind of change to what it reads shows at once — including a change from another process."""
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from core.models import DataVersion
    from grids.models import Assignment
    from people.choices import PersonStatus

    day = D(2026, 9, 28)

    def plan():
        with CaptureQueriesContext(connection) as ctx:
            made = Plan(cast.school1, day, day, today=day)
        return made, len(ctx.captured_queries)

    def wang_tasks(made):
        return [(t.schedule.name, t.target_key) for t in made.for_person(school.wang.pk, day)]

    first, loaded = plan()
    again, kept = plan()
    assert kept == 2 < loaded and wang_tasks(again) == wang_tasks(first) == [("班级日查", f"g{school.class_grid.pk}")]

    make_school(cast.school2)  # another school's changes keep this school's structure
    do_inspection(school.class_daily, grid=school.class_grid, on=day)  # inspections are read live
    again, kept = plan()
    assert kept == 2 and [t.state for t in again.for_person(school.wang.pk, day)] == [TaskState.DONE]

    school.class_daily.grids.add(school.floor_grid)  # a schedule's targets
    again, n = plan()
    assert n == loaded and f"g{school.floor_grid.pk}" in [t.target_key for t in again.tasks]

    grid_actions.handover(Actor(), school.class_head, on=day - D.resolution, person=school.li)  # an assignment
    again, n = plan()
    assert n == loaded and ("班级日查", f"g{school.class_grid.pk}") not in wang_tasks(again)

    Holiday.objects.create(organisation=cast.school1, name="调休", start=day, end=day)  # the calendar
    assert plan()[0].tasks == []

    Holiday.objects.filter(organisation=cast.school1, name="调休").delete()
    school.li.status, school.li.left_on = PersonStatus.LEFT, day - D.resolution  # a person leaves
    school.li.save()
    assert not plan()[0].for_person(school.li.pk, day)

    # Another process: its rows and its version move, this process's signals see nothing.
    Assignment.objects.filter(pk=school.class_head.pk).update(end=day - D.resolution * 5)
    school.li.status, school.li.left_on = PersonStatus.ACTIVE, None
    type(school.li).objects.filter(pk=school.li.pk).update(status=PersonStatus.ACTIVE, left_on=None)
    assert plan()[1] == 2  # no version moved: kept (what a missed signal would cost)
    DataVersion.objects.filter(organisation=cast.school1, topic="plan").update(value=F("value") + 1)
    again, n = plan()
    assert n == loaded and ("班级日查", f"g{school.class_grid.pk}") in [
        (t.schedule.name, t.target_key) for t in again.for_person(school.li.pk, day)]
