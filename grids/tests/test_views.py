"""Web pages of places, people, posts, classes, grids, time slots and coverage."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.testing.views import ViewCase, check_view
from grids.models import Assignment, Grid

pytestmark = pytest.mark.django_db


def _s(cast):
    from core.testing.factories import _school

    return _school(cast)


def VC(*args, **kwargs):
    kwargs.setdefault("refused", "duty1")
    return ViewCase(*args, **kwargs)


CASES = [
    VC("campus:place_list", refused=None),
    VC("campus:place_detail", args=lambda c: [_s(c).room101.pk], refused=None),
    VC("campus:place_create"),
    VC("campus:place_create", method="post", writes=True, ok=(302,), data=lambda c: {
        "organisation": c.school1.pk, "parent": _s(c).floor.pk, "kind": "room", "name": "104教室",
        "code": "new-104"}),
    VC("campus:place_edit", args=lambda c: [_s(c).room101.pk]),
    VC("people:person_list", refused=None),
    VC("people:person_detail", args=lambda c: [_s(c).wang.pk], refused=None),
    VC("people:person_create", method="post", writes=True, ok=(302,), data=lambda c: {
        "organisation": c.school1.pk, "name": "新老师", "category": "staff", "status": "active"}),
    VC("people:person_edit", args=lambda c: [_s(c).wang.pk]),
    VC("people:post_list", refused=None),
    VC("people:post_detail", args=lambda c: [_s(c).guard_post.pk], refused=None),
    VC("people:post_create"),
    VC("people:post_holding_add", args=lambda c: [_s(c).guard_post.pk], method="post", writes=True,
             ok=(302,), data=lambda c: {"person": _s(c).li.pk, "start": "2026-09-01"}),
    VC("people:post_holding_end", args=lambda c: [_s(c).guard_holding.pk], method="post", writes=True,
             ok=(302,), data=lambda c: {"end": "2026-12-31"}),
    VC("people:class_list", refused=None),
    VC("people:class_edit", args=lambda c: [_s(c).school_class.pk]),
    VC("grids:grid_list", refused=None),
    VC("grids:grid_detail", args=lambda c: [_s(c).class_grid.pk], refused=None),
    VC("grids:grid_create", method="post", writes=True, ok=(302,), data=lambda c: {
        "organisation": c.school1.pk, "parent": _s(c).leadership.pk, "name": "食堂网格", "kind": "department",
        "places": [_s(c).playground.pk]}),
    VC("grids:grid_edit", args=lambda c: [_s(c).class_grid.pk]),
    VC("grids:assignment_add", args=lambda c: [_s(c).class_grid.pk], method="post", writes=True, ok=(302,),
             data=lambda c: {"person": _s(c).li.pk, "role": "safety_officer", "start": "2026-09-01"}),
    VC("grids:assignment_end", args=lambda c: [_s(c).class_head.pk], method="post", writes=True, ok=(302,),
             data=lambda c: {"end": "2026-12-31"}),
    VC("grids:handover", args=lambda c: [_s(c).class_head.pk]),
    VC("grids:timeslot_list", refused=None),
    VC("grids:timeslot_create", method="post", writes=True, ok=(302,), data=lambda c: {
        "organisation": c.school1.pk, "name": "午餐", "weekdays": ["1", "2", "3", "4", "5"],
        "start_time": "11:30", "end_time": "13:00"}),
    VC("grids:coverage", refused=None),
    VC("grids:coverage_export", refused=None, writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}-{c.name}")
def test_view_access_rules(cast, client, case):
    check_view(client, cast, case)


def test_handover_through_the_page(cast, school, client_for):
    client = client_for(cast.alice)
    response = client.post(reverse("grids:handover", args=[school.class_head.pk]),
                           {"on": "2026-10-31", "person": school.li.pk})
    assert response.status_code == 302
    new = Assignment.objects.get(handed_over_from=school.class_head)
    assert new.person == school.li and new.start == datetime.date(2026, 11, 1)


def test_handover_form_refuses_a_sibling_schools_person(cast, school, client_for):
    from core.testing.school import make_school

    other = make_school(cast.school2)
    response = client_for(cast.alice).post(reverse("grids:handover", args=[school.class_head.pk]),
                                           {"on": "2026-10-31", "person": other.li.pk})
    assert response.status_code == 200
    assert not Assignment.objects.filter(handed_over_from=school.class_head).exists()


def test_grid_form_refuses_a_parent_of_another_school(cast, school, client_for):
    from core.testing.school import make_school

    make_school(cast.school2)
    other_root = Grid.objects.get(organisation=cast.school2, parent=None)
    client_for(cast.alice).post(reverse("grids:grid_create"), {
        "organisation": cast.school1.pk, "parent": other_root.pk, "name": "越界网格", "kind": "custom"})
    assert not Grid.objects.filter(name="越界网格").exists()


def test_grid_place_changes_are_audited_with_before_and_after(cast, school, client_for):
    from core.models import AuditEvent

    client_for(cast.alice).post(reverse("grids:grid_edit", args=[school.class_grid.pk]), {
        "organisation": cast.school1.pk, "parent": school.floor_grid.pk, "name": "一年级1班", "kind": "class",
        "places": [school.room101.pk], "school_class": school.school_class.pk})
    event = AuditEvent.objects.filter(object_type="grids.grid", object_id=str(school.class_grid.pk)).first()
    assert event.changes["places"] == [["教学楼/一层/101教室", "教学楼/一层/102教室"], ["教学楼/一层/101教室"]]


def test_phone_numbers_are_masked_except_for_the_safety_office(cast, school, client_for):
    assert "13812345678" in client_for(cast.alice).get(reverse("people:person_list")).content.decode()
    page = client_for(cast.leader1).get(reverse("people:person_list")).content.decode()
    assert "13812345678" not in page and "138****5678" in page


def test_grid_list_query_count_does_not_grow(cast, school, client_for, django_assert_max_num_queries):
    from core.audit import Actor
    from grids import actions

    client = client_for(cast.alice)
    client.get(reverse("grids:grid_list"))
    for i in range(20):
        grid = actions.save_grid(Actor(), Grid(organisation=cast.school1, name=f"网格{i}", kind="custom",
                                               parent=school.leadership), places=[school.playground])
        actions.assign(Actor(), grid, role="specific", person=school.wang, start=timezone.localdate())
    with django_assert_max_num_queries(12):
        page = client.get(reverse("grids:grid_list")).content.decode()
    assert "网格19" in page


@pytest.mark.parametrize("name", ["campus:place_list", "people:person_list"])
def test_list_query_counts_do_not_grow(cast, school, client_for, django_assert_max_num_queries, name):
    from core.actions import create_object
    from core.audit import Actor
    from people.models import Person

    for i in range(30):
        create_object(Actor(), Person(organisation=cast.school1, name=f"老师{i}", category="staff"))
    client = client_for(cast.alice)
    client.get(reverse(name))
    with django_assert_max_num_queries(10):
        assert client.get(reverse(name)).status_code == 200


def test_coverage_page_lists_findings_with_links(cast, school, client_for):
    from core.actions import create_object
    from core.audit import Actor
    from people.models import Person

    create_object(Actor(), Person(organisation=cast.school1, name="周老师", staff_no="T009", category="staff"))
    page = client_for(cast.alice).get(reverse("grids:coverage")).content.decode()
    assert "教职工无安全责任" in page and "周老师" in page


def test_bureau_admin_picks_a_school_for_coverage(cast, school, client_for):
    client = client_for(cast.bureau_admin)
    assert cast.school1.name in client.get(reverse("grids:coverage")).content.decode()
    assert client.get(reverse("grids:coverage"), {"org": cast.school1.pk}).status_code == 200


def test_coverage_of_another_tenant_is_404(cast, school, client_for):
    assert client_for(cast.charlie).get(reverse("grids:coverage"), {"org": cast.school1.pk}).status_code == 404


def test_school_home_page_shows_coverage_counts(cast, school, client_for):
    from core.actions import create_object
    from core.audit import Actor
    from people.models import Person

    assert "未发现盲区" in client_for(cast.alice).get("/").content.decode()
    create_object(Actor(), Person(organisation=cast.school1, name="周老师", staff_no="T009", category="staff"))
    page = client_for(cast.alice).get("/").content.decode()
    assert "教职工无安全责任" in page


def test_school_home_page_query_count_is_bounded(cast, school, client_for, django_assert_max_num_queries):
    """Coverage, today's inspections and the recent log in a fixed number of queries, whatever the rows."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.testing.inspections import do_inspection, make_checklist, make_schedule

    client = client_for(cast.alice)
    client.get("/")

    def count() -> int:
        client.get("/")  # a change to schedules marks past days' roll-ups stale: the first read recomputes them
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    checklist = make_checklist(cast.school1)
    today = timezone.localdate()

    def add(n, grid):
        schedule = make_schedule(cast.school1, checklist, name=f"计划{n}", grids=[grid], day_rule="all_days",
                                 start=today - datetime.timedelta(days=3), places=[school.room101])
        do_inspection(schedule, grid=grid, on=today)

    add(0, school.class_grid)
    before = count()
    assert before <= 45
    add(1, school.floor_grid)
    add(2, school.playground_grid)
    assert count() == before


def test_a_grid_member_sees_the_grids_they_answer_for(cast, school, client_for):
    from core.actions import update_object
    from core.audit import Actor

    update_object(Actor(), school.zhao, user=cast.duty1)  # the guard, through the post 保安
    update_object(Actor(), school.wang, user=cast.leader1)
    def my_grids(user):
        page = client_for(user).get("/").content.decode()
        return page.split("我负责的网格", 1)[1].split("</div>", 1)[0]

    assert "操场网格" in my_grids(cast.duty1)
    mine = my_grids(cast.leader1)
    assert "一年级1班" in mine and "一层网格" in mine and "操场网格" not in mine
