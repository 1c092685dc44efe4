"""Coverage findings on crafted cases."""

import datetime

import pytest

from campus.models import Place
from core.actions import create_object, update_object
from core.audit import Actor
from core.testing.school import make_school
from grids import actions, coverage
from grids.coverage import FindingKind
from people.models import Person, Post

pytestmark = pytest.mark.django_db


def kinds(result):
    return [(f.kind, f.subject) for f in result.findings]


def test_the_test_school_is_fully_covered(cast, school, day):
    assert coverage.compute(cast.school1, day, 30).findings == []


def test_a_place_in_no_grid_is_a_finding(cast, school, day):
    create_object(Actor(), Place(organisation=cast.school1, name="103教室", code="x-103", kind="room",
                                 parent=school.floor))
    result = coverage.compute(cast.school1, day, 30)
    assert kinds(result) == [(FindingKind.PLACE, "教学楼/一层/103教室")]
    assert "不在任何网格中" in result.findings[0].reason
    assert result.findings[0].days == [(day, day + datetime.timedelta(days=29))]


def test_an_ended_assignment_leaves_its_grid_and_places_uncovered_from_the_next_day(cast, school, day):
    actions.end_assignment(Actor(), school.class_head, day + datetime.timedelta(days=9))
    result = coverage.compute(cast.school1, day, 30)
    gap = [(day + datetime.timedelta(days=10), day + datetime.timedelta(days=29))]
    grid_finding = next(f for f in result.findings if f.kind == FindingKind.GRID)
    assert grid_finding.subject == "一年级1班" and grid_finding.days == gap
    assert sorted(f.subject for f in result.findings if f.kind == FindingKind.PLACE) == [
        "教学楼/一层/101教室", "教学楼/一层/102教室"]


def test_a_student_monitor_alone_does_not_cover_a_grid(cast, school, day):
    actions.end_assignment(Actor(), school.class_head, day - datetime.timedelta(days=1))
    result = coverage.compute(cast.school1, day, 5)
    assert (FindingKind.GRID, "一年级1班") in kinds(result)


def test_a_post_answers_through_its_holders(cast, school, day):
    from people.actions import end_post_holding

    end_post_holding(Actor(), school.guard_holding, day + datetime.timedelta(days=2))
    result = coverage.compute(cast.school1, day, 10)
    found = kinds(result)
    assert (FindingKind.POST, "保安") in found
    assert (FindingKind.GRID, "操场网格") in found and (FindingKind.PLACE, "操场") in found
    # The guard holds no other duty: from the day after, he is staff without responsibility.
    assert (FindingKind.STAFF, "赵保安（G001）") in found


def test_a_leaver_still_holding_a_grid_is_a_finding(cast, school, day):
    update_object(Actor(), school.wang, status="left", left_on=day + datetime.timedelta(days=4))
    result = coverage.compute(cast.school1, day, 10)
    leaver = [f for f in result.findings if f.kind == FindingKind.LEAVER]
    assert {f.subject for f in leaver} == {"王老师（T001） · 一层网格", "王老师（T001） · 一年级1班"}
    assert all(f.days == [(day + datetime.timedelta(days=5), day + datetime.timedelta(days=9))] for f in leaver)
    # The grids they held are uncovered from the day after they left, and so are their places.
    assert (FindingKind.GRID, "一年级1班") in kinds(result)
    # A leaver is not reported as staff without responsibility.
    assert not [f for f in result.findings if f.kind == FindingKind.STAFF]


def test_staff_without_any_responsibility_is_a_finding(cast, school, day):
    create_object(Actor(), Person(organisation=cast.school1, name="周老师", staff_no="T009", category="staff"))
    create_object(Actor(), Person(organisation=cast.school1, name="临时工", category="temporary"))
    assert kinds(coverage.compute(cast.school1, day, 30)) == [(FindingKind.STAFF, "周老师（T009）")]


def test_a_post_without_holder_is_a_finding(cast, school, day):
    create_object(Actor(), Post(organisation=cast.school1, name="宿管"))
    assert kinds(coverage.compute(cast.school1, day, 30)) == [(FindingKind.POST, "宿管")]


def test_a_boarding_school_must_be_covered_around_the_clock(cast, school, day):
    update_object(Actor(), cast.school1, is_boarding=True)
    cast.school1.refresh_from_db()
    result = coverage.compute(cast.school1, day, 7)
    gaps = [f.subject for f in result.findings if f.kind == FindingKind.TIME]
    assert gaps == ["周一 00:00–周一 07:00", "周一 18:00–周二 07:00", "周二 18:00–周三 07:00",
                    "周三 18:00–周四 07:00", "周四 18:00–周五 07:00", "周五 18:00–周日 24:00"]


def test_a_night_slot_runs_past_midnight(cast, school, day):
    from grids.models import TimeSlot

    update_object(Actor(), cast.school1, is_boarding=True)
    cast.school1.refresh_from_db()
    evening = create_object(Actor(), TimeSlot(organisation=cast.school1, name="夜间", weekdays="1234567",
                                              start_time=datetime.time(18), end_time=datetime.time(7)))
    weekend = create_object(Actor(), TimeSlot(organisation=cast.school1, name="周末白天", weekdays="67",
                                              start_time=datetime.time(7), end_time=datetime.time(18)))
    actions.set_grid_links(Actor(), school.time_grid, time_slots=[school.day_slot, evening, weekend])
    result = coverage.compute(cast.school1, day, 7)
    assert [f for f in result.findings if f.kind == FindingKind.TIME] == []


def test_a_time_slot_whose_leader_is_gone_is_not_covered(cast, school, day):
    time_head = school.time_grid.assignments.get()
    actions.end_assignment(Actor(), time_head, day - datetime.timedelta(days=1))
    result = coverage.compute(cast.school1, day, 7)
    assert (FindingKind.TIME, "周一 07:00–周一 18:00") in kinds(result)


def test_sibling_school_findings_do_not_leak(cast, school, day):
    make_school(cast.school2)
    create_object(Actor(), Person(organisation=cast.school2, name="他校老师", staff_no="Z1", category="staff"))
    assert coverage.compute(cast.school1, day, 30).findings == []


def test_findings_link_to_the_page_that_fixes_them(cast, school, day, client_for):
    actions.end_assignment(Actor(), school.class_head, day)
    create_object(Actor(), Person(organisation=cast.school1, name="周老师", staff_no="T009", category="staff"))
    client = client_for(cast.alice)
    for finding in coverage.compute(cast.school1, day, 30).findings:
        assert client.get(finding.url).status_code == 200, finding.url


def test_query_count_does_not_grow_with_the_school(cast, school, day, django_assert_num_queries):
    with django_assert_num_queries(9):
        coverage.compute(cast.school1, day, 30)
    for i in range(40):
        create_object(Actor(), Place(organisation=cast.school1, name=f"房间{i}", code=f"r{i}", kind="room",
                                     parent=school.floor))
        create_object(Actor(), Person(organisation=cast.school1, name=f"老师{i}", staff_no=f"N{i}",
                                      category="staff"))
    with django_assert_num_queries(9):
        result = coverage.compute(cast.school1, day, 30)
    assert len(result.findings) == 80


def test_the_home_pages_counts_are_cached_until_anything_they_read_changes(cast, django_assert_num_queries):
    from core.actions import update_object
    from core.audit import Actor
    from core.testing.school import make_school
    from grids import coverage

    school = make_school(cast.school1)
    today = datetime.date(2026, 10, 12)
    first = coverage.cached_counts(cast.school1, today)
    with django_assert_num_queries(1):  # the school's data version
        assert coverage.cached_counts(cast.school1, today) == first
    update_object(Actor(), school.zhao, status="left", left_on=datetime.date(2026, 10, 1))  # a guard leaves
    after = coverage.cached_counts(cast.school1, today)
    assert after != first and after["total"] > first["total"]
    make_school(cast.school2)  # a sibling school's changes keep this school's counts
    with django_assert_num_queries(1):
        assert coverage.cached_counts(cast.school1, today) == after
    # Another process (its own cache) moved the version: this process reads afresh, whatever its cache holds.
    from django.db.models import F

    from core.models import DataVersion

    Person = type(school.zhao)
    Person.objects.filter(pk=school.zhao.pk).update(status="active", left_on=None)
    DataVersion.objects.filter(organisation=cast.school1, topic="coverage").update(value=F("value") + 1)
    assert coverage.cached_counts(cast.school1, today) == first
