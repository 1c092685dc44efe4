"""Inspection figures on the home pages: the school's day, a member's tasks, a grid leader's morning."""

import datetime
import uuid

import pytest
import time_machine
from django.utils import timezone

from core.actions import update_object
from core.audit import Actor
from core.testing.inspections import do_inspection, make_checklist, make_schedule
from core.testing.personas import make_user
from core.testing.school import make_school
from inspections.models import Term
from inspections.submit import check_in
from inspections.summary import member_day, school_day
from orgs.roles import Role

D = datetime.date
pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute))),
                               tick=False)


@pytest.fixture
def school(cast, settings):
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600  # the tests travel to 2026-09 and back
    school = make_school(cast.school1)
    Term.objects.create(organisation=cast.school1, name="第一学期", start=D(2026, 9, 1), end=D(2027, 1, 22))
    school.checklist = make_checklist(cast.school1)
    school.daily = make_schedule(cast.school1, school.checklist, name="班级日查", grids=[school.class_grid],
                                 roles="head_teacher")
    school.morning = make_schedule(cast.school1, school.checklist, name="操场晨检", places=[school.playground],
                                   time_from=datetime.time(7, 30), time_to=datetime.time(8))
    return school


def test_the_school_day_counts_due_done_missed_flagged_and_failed(cast, school):
    do_inspection(school.daily, grid=school.class_grid, on=D(2026, 9, 29), answers={
        "f1": "pass", "f2": "pass", "f3": "2", "f4": "完好"})
    with at(D(2026, 9, 29), 9):
        check_in(Actor(), place=school.playground, client_id=uuid.uuid4())  # after 08:00: flagged
        day = school_day(cast.school1)
    # Today: the class check (done, with a failure) and the playground check (not done);
    # yesterday both were missed.
    assert (day.due, day.done, day.open, day.missed_yesterday, day.flagged_scans, day.failed_today) == (
        2, 1, 1, 2, 1, 1)


def test_a_grid_leader_sees_yesterdays_misses_and_odd_scans_in_their_grids_the_next_morning(cast, school):
    with at(D(2026, 9, 27), 22):  # a Sunday night: nothing is due in the classroom
        check_in(Actor(), place=school.room101, client_id=uuid.uuid4())
    with at(D(2026, 9, 28), 7, 30):
        assert [c.place for c in member_day(school.wang).flagged_scans] == [school.room101]
        assert member_day(school.zhao).flagged_scans == []  # not in the guard's grid
    with at(D(2026, 9, 29), 7, 30):
        wang = member_day(school.wang)  # 一层网格's grid head and the class's head teacher
        zhao = member_day(school.zhao)  # the guard: 操场网格 through the post 保安
    assert [(t.schedule.name, t.window.start) for t in wang.missed_in_my_grids] == [("班级日查", D(2026, 9, 28))]
    assert [t.schedule.name for t in wang.tasks] == ["班级日查"]
    assert [(t.schedule.name, t.window.start) for t in zhao.missed_in_my_grids] == [("操场晨检", D(2026, 9, 28))]
    assert [t.schedule.name for t in zhao.tasks] == ["操场晨检"]


def test_home_pages_show_the_figures_and_link_to_the_lists(cast, school, client_for):
    user = make_user("wang", cast.school1, Role.GRID_MEMBER, name="王老师")
    update_object(Actor(), school.wang, user=user)
    with at(D(2026, 9, 29), 7, 40):
        member = client_for(user).get("/").content.decode()
        office = client_for(cast.alice).get("/").content.decode()
    assert "今日巡查" in member and "还有1项待检查" in member and "昨日漏检（我负责的网格）" in member
    assert "今日已完成/应检" in office and "/inspections/missed/" in office and "0/2" in office
