"""The daily hazard job's flags (隐患不过夜, 逾期) are audited like every other change to a hazard, and an
automatic escalation and its overdue flag are written together or not at all."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.audit import Actor, AuditAction
from core.models import AuditEvent
from hazards import workflow
from hazards.actions import report
from hazards.models import Hazard, HazardEvent
from hazards.tests.test_workflow import D, act, new_hazard

pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def flag_entries(hazard, field: str) -> list[AuditEvent]:
    """The hazard's update entries that name `field` (its creation entry names every field)."""
    return [
        e
        for e in AuditEvent.objects.filter(
            object_type="hazards.hazard", object_id=str(hazard.pk), action=AuditAction.UPDATE
        )
        if field in e.changes
    ]


def overdue_hazard(cast, school) -> Hazard:
    return workflow.assign(
        act(school.users.wang), new_hazard(cast, school), 1, responsible=school.wang, deadline=D(2026, 10, 9)
    )


def test_each_hazard_left_overnight_gets_one_audit_entry_by_the_system(cast, school):
    stale = [new_hazard(cast, school, found_at=at(D(2026, 10, 9), 15)) for _ in range(3)]
    stale.append(
        report(
            Actor(user=cast.charlie),
            Hazard(organisation=cast.school2, description="初中部楼梯扶手松动", found_at=at(D(2026, 10, 9), 16)),
        )
    )
    assert workflow.flag_left_overnight(D(2026, 10, 10)) == 4
    for hazard in stale:
        [entry] = flag_entries(hazard, "left_overnight")
        assert (entry.actor_id, entry.actor_name, entry.actor_label) == (None, Actor.system().name, "系统")
        assert entry.changes == {"left_overnight": [False, True]}
        assert (entry.organisation, entry.org_path) == (hazard.organisation, hazard.organisation.path)
        assert entry.object_repr == str(hazard)


def test_hazards_not_flagged_get_no_left_overnight_entry(cast, school):
    found_today = new_hazard(cast, school, found_at=at(D(2026, 10, 10), 8))
    acted_on = overdue_hazard(cast, school)  # assigned: somebody acted on it
    already = new_hazard(cast, school, found_at=at(D(2026, 10, 8), 15))
    assert workflow.flag_left_overnight(D(2026, 10, 9)) == 1
    assert workflow.flag_left_overnight(D(2026, 10, 10)) == 0  # already flagged: not again
    assert len(flag_entries(already, "left_overnight")) == 1
    assert flag_entries(found_today, "left_overnight") == flag_entries(acted_on, "left_overnight") == []


def test_flagging_takes_as_many_queries_for_8_stale_hazards_as_for_2(cast, school):
    def queries_to_flag(count: int, found: datetime.date) -> int:
        hazards = [new_hazard(cast, school, found_at=at(found, 15)) for _ in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert workflow.flag_left_overnight(found + datetime.timedelta(days=1)) == count
        assert all(len(flag_entries(h, "left_overnight")) == 1 for h in hazards)
        return len(queries)

    assert queries_to_flag(2, D(2026, 10, 9)) == queries_to_flag(8, D(2026, 10, 10))


def test_an_overdue_hazard_escalated_by_the_daily_job_gets_an_overdue_entry(cast, school):
    hazard = overdue_hazard(cast, school)
    with time_machine.travel(at(D(2026, 10, 10), 1), tick=False):
        assert [h.pk for h in workflow.escalate_overdue(D(2026, 10, 10))] == [hazard.pk]
    [entry] = flag_entries(hazard, "is_overdue")
    assert (entry.actor_id, entry.actor_name) == (None, Actor.system().name)
    assert (entry.changes, entry.org_path) == ({"is_overdue": [False, True]}, cast.school1.path)


def test_a_hazard_already_flagged_overdue_gets_no_second_overdue_entry(cast, school):
    hazard = overdue_hazard(cast, school)
    for day in (D(2026, 10, 10), D(2026, 10, 11)):
        with time_machine.travel(at(day, 1), tick=False):
            assert [h.pk for h in workflow.escalate_overdue(day)] == [hazard.pk]
    assert hazard.events.filter(action="escalate").count() == 2
    assert len(flag_entries(hazard, "is_overdue")) == 1


def test_if_the_overdue_flag_fails_the_escalation_is_undone_too(cast, school, monkeypatch):
    hazard = overdue_hazard(cast, school)
    queryset = type(Hazard.objects.all())
    update = queryset.update

    def failing_update(self, **kwargs):
        if "is_overdue" in kwargs:
            raise RuntimeError("the database went away")
        return update(self, **kwargs)

    monkeypatch.setattr(queryset, "update", failing_update)
    entries = AuditEvent.objects.count()
    with time_machine.travel(at(D(2026, 10, 10), 1), tick=False), pytest.raises(RuntimeError):
        workflow.escalate_overdue(D(2026, 10, 10))
    fresh = Hazard.objects.get(pk=hazard.pk)
    assert (fresh.level, fresh.grid, fresh.version, fresh.is_overdue) == (
        hazard.level,
        hazard.grid,
        hazard.version,
        False,
    )
    assert not HazardEvent.objects.filter(hazard=hazard, action="escalate").exists()
    assert AuditEvent.objects.count() == entries
