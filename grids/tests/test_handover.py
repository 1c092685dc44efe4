"""Handover (交接, 方案10): the successor answers from the day after; no day is left uncovered."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.actions import create_object
from core.audit import Actor
from core.models import AuditAction, AuditEvent
from grids import actions, coverage
from people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def successor(cast):
    return create_object(Actor(), Person(organisation=cast.school1, name="陈老师", staff_no="T010", category="staff"))


def test_handover_ends_the_old_holder_on_the_day_and_starts_the_successor_the_next(school, successor, day):
    new = actions.handover(Actor(), school.class_head, on=day, person=successor)
    school.class_head.refresh_from_db()
    assert school.class_head.end == day
    assert new.start == day + datetime.timedelta(days=1) and new.end is None
    assert new.role == "head_teacher" and new.grid == school.class_grid and new.handed_over_from == school.class_head


def test_handover_leaves_no_day_uncovered(cast, school, successor, day):
    actions.handover(Actor(), school.class_head, on=day + datetime.timedelta(days=3), person=successor)
    result = coverage.compute(cast.school1, day, 30)
    assert [f for f in result.findings if f.kind in ("grid_unstaffed", "place_uncovered")] == []


def test_handover_keeps_a_planned_end(school, successor, day):
    from core.actions import update_object

    update_object(Actor(), school.class_head, end=day + datetime.timedelta(days=20))
    new = actions.handover(Actor(), school.class_head, on=day, person=successor)
    assert new.end == day + datetime.timedelta(days=20)


def test_handover_to_a_post(school, day):
    new = actions.handover(Actor(), school.class_head, on=day, post=school.guard_post)
    assert new.post == school.guard_post and new.person is None


@pytest.mark.parametrize("offset", [-30, 400])
def test_handover_date_must_fall_within_the_assignment(school, successor, day, offset):
    from core.actions import update_object

    update_object(Actor(), school.class_head, end=day + datetime.timedelta(days=60))
    with pytest.raises(ValidationError):
        actions.handover(Actor(), school.class_head, on=day + datetime.timedelta(days=offset), person=successor)


def test_handover_to_the_same_person_is_refused(school, day):
    with pytest.raises(ValidationError):
        actions.handover(Actor(), school.class_head, on=day, person=school.wang)


def test_handover_is_audited_as_an_end_and_a_start(school, successor, day):
    before = AuditEvent.objects.filter(object_type="grids.assignment").count()
    new = actions.handover(Actor(), school.class_head, on=day, person=successor)
    events = list(AuditEvent.objects.filter(object_type="grids.assignment").order_by("id")[before:])
    assert [(e.action, e.object_id) for e in events] == [
        (AuditAction.UPDATE, str(school.class_head.pk)), (AuditAction.CREATE, str(new.pk))]
    assert events[0].changes == {"end": [None, day.isoformat()]}


def test_moving_a_grid_moves_the_levels_below(school):
    from core.actions import update_object

    update_object(Actor(), school.floor_grid, parent=school.leadership)
    school.class_grid.refresh_from_db()
    assert school.floor_grid.level == 2 and school.class_grid.level == 3
