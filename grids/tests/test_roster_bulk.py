"""Roster import in bulk: new objects are created in runs of one kind, with the same rows, the same checks,
the same audit events and the same errors as one at a time through the actions, in a number of queries that
does not grow with the workbook."""

import copy
import datetime
import gc

import pytest
from django.db import connection
from django.db.models.signals import m2m_changed, post_save
from django.test.utils import CaptureQueriesContext

from campus.models import Place
from core import versions
from core.audit import Actor, AuditAction, diff, record, record_many, snapshot, unsaved
from core.models import AuditEvent
from grids import coverage
from grids.models import Assignment, Grid, TimeSlot
from grids.roster import apply, bulk, examples
from grids.roster.plan import ApplyError
from grids.roster.testing import person, place
from grids.roster.writer import write_workbook
from people.models import Person, Post, PostHolding, SchoolClass

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 9, 1)
FOREIGN_KEYS = {"organisation", "parent", "person", "post", "grid", "school_class", "classroom", "user",
                "handed_over_from"}


def applied(data, organisation, *, in_bulk=True, actor=None):
    plan = apply.prepare(data, organisation, DAY, actor)
    assert not plan.errors, [str(e) for e in plan.errors]
    return plan, apply.apply_plan(plan, in_bulk=in_bulk)


def larger(extra: int) -> bytes:
    """The example with `extra` more staff (guards), rooms in their charge and people without a post."""
    sheets = copy.deepcopy(examples.example_sheets())
    sheets["人员"] += [person(f"新教师{i}", f"X{i:03d}", posts="保安") for i in range(extra)]
    sheets["人员"] += [person(f"新职员{i}", f"Y{i:03d}") for i in range(extra)]
    sheets["场所"] += [place("实验楼", f"{i % 3 + 1}层", f"{i}室", holders=f"新教师{i}") for i in range(extra)]
    return write_workbook(sheets)


def school_rows(organisation) -> dict:
    """What an import left in a school, without ids."""
    of = {"organisation": organisation}
    return {
        "people": sorted((p.name, p.staff_no, p.category, p.department, p.title, p.phone, p.status)
                         for p in Person.objects.filter(**of)),
        "posts": sorted(Post.objects.filter(**of).values_list("name", flat=True)),
        "holdings": sorted((str(h), h.start, h.end) for h in PostHolding.objects.filter(**of)),
        "places": sorted((p.full_name, p.kind, p.code, p.place_type, p.is_key_location, p.is_major_hazard)
                         for p in Place.objects.filter(**of)),
        "slots": sorted(str(s) for s in TimeSlot.objects.filter(**of)),
        "classes": sorted((str(c), c.classroom.full_name if c.classroom else "")
                          for c in SchoolClass.objects.filter(**of)),
        "grids": sorted((g.name, g.kind, g.level, g.parent.name if g.parent else "", str(g.school_class or ""),
                         g.duties, tuple(sorted(p.full_name for p in g.places.all())),
                         tuple(sorted(s.name for s in g.time_slots.all()))) for g in Grid.objects.filter(**of)),
        "assignments": sorted((str(a), a.start, a.end) for a in Assignment.objects.filter(**of)),
    }


def audit_trail(organisation, after: int) -> list:
    """The audit events written after `after`, in order; foreign keys only as given or not (ids differ)."""
    def plain(changes):
        return {k: [v is not None for v in pair] if k in FOREIGN_KEYS else pair for k, pair in changes.items()}

    return [(e.actor_id, e.actor_name, e.org_path, e.action, e.object_type, e.object_repr, plain(e.changes), e.ip,
             e.request_id)
            for e in AuditEvent.objects.filter(organisation=organisation, pk__gt=after).order_by("pk")]


def test_bulk_and_one_at_a_time_leave_the_same_rows_and_the_same_audit_events(cast):
    actor = Actor(user=cast.alice, ip="10.0.0.8", request_id="req-1")
    start = AuditEvent.objects.order_by("pk").last().pk
    _plan, one_by_one = applied(examples.example(), cast.school1, in_bulk=False, actor=actor)
    _plan, in_bulk = applied(examples.example(), cast.school2, actor=actor)
    assert one_by_one == in_bulk
    assert school_rows(cast.school1) == school_rows(cast.school2)
    trail = audit_trail(cast.school2, start)
    assert len(trail) > 250
    assert {(t[0], t[1], t[7], t[8]) for t in trail} == {(cast.alice.pk, "艾丽", "10.0.0.8", "req-1")}
    assert [t[2:] for t in audit_trail(cast.school1, start)] == [
        (t[2].replace(cast.school2.path, cast.school1.path), *t[3:]) for t in trail]
    # Each created object's event names it by its id, like create_object's.
    event = AuditEvent.objects.get(organisation=cast.school2, object_type="people.person",
                                 object_repr="周建华（T001）")
    assert event.object_id == str(Person.objects.get(organisation=cast.school2, name="周建华").pk)


def test_a_bulk_event_is_the_event_record_writes(cast):
    actor = Actor(user=cast.alice, ip="10.0.0.9", request_id="req-2")
    grid = Grid.objects.create(organisation=cast.school1, name="领导小组", kind="leadership")
    written = record(actor, AuditAction.CREATE, grid, changes=diff({}, snapshot(grid)))
    built = unsaved(actor, AuditAction.CREATE, grid, diff({}, snapshot(grid)))
    record_many([built])
    appended = AuditEvent.objects.get(pk__gt=written.pk)
    for field in AuditEvent._meta.concrete_fields:
        if field.name not in ("id", "at"):
            assert getattr(appended, field.attname) == getattr(written, field.attname), field.name
    assert abs(appended.at - written.at) < datetime.timedelta(seconds=5)


def test_the_queries_of_an_import_do_not_grow_with_its_rows(cast):
    def queries(data, organisation):
        plan = apply.prepare(data, organisation, DAY)
        assert not plan.errors, [str(e) for e in plan.errors]
        with CaptureQueriesContext(connection) as captured:
            apply.apply_plan(plan)
        inserts = [q for q in captured if q["sql"].startswith("INSERT")]
        return len(captured), len(captured) - len(inserts), len(plan.steps(prune=False))

    small, small_reads, small_steps = queries(larger(3), cast.school1)
    large, large_reads, large_steps = queries(larger(60), cast.school2)
    assert large_steps > small_steps + 200
    assert small_reads == large_reads  # lookups, savepoints, the steps made alone
    if connection.vendor == "postgresql":  # SQLite takes 999 values a statement: 90 audit events
        assert small == large
    assert small < 150


def test_the_receivers_of_saves_hear_of_every_kind_made_in_bulk_once_per_run(cast):
    heard = []

    def probe(sender, instance, **kwargs):
        heard.append((sender, instance.organisation_id, kwargs.get("action", "saved")))

    models = (Person, Post, PostHolding, Place, TimeSlot, SchoolClass, Grid, Assignment)
    throughs = (Grid.places.through, Grid.time_slots.through)
    for sender in models:
        post_save.connect(probe, sender=sender, dispatch_uid=f"probe-{sender.__name__}")
    for sender in throughs:
        m2m_changed.connect(probe, sender=sender, dispatch_uid=f"probe-{sender.__name__}")
    before = versions.current(cast.school1.pk, versions.COVERAGE)
    try:
        plan = apply.prepare(examples.example(), cast.school1, DAY)
        apply.apply_plan(plan)
    finally:
        for sender in models:
            post_save.disconnect(sender=sender, dispatch_uid=f"probe-{sender.__name__}")
        for sender in throughs:
            m2m_changed.disconnect(sender=sender, dispatch_uid=f"probe-{sender.__name__}")
    assert {sender for sender, _org, _action in heard} == {*models, *throughs}
    assert {org for _sender, org, _action in heard} == {cast.school1.pk}
    assert len(heard) < 40 < len(plan.steps(prune=False))  # a run at a time, not a row at a time
    watched = [h for h in heard if h[0] is not SchoolClass]  # what the coverage counts listen to
    assert versions.current(cast.school1.pk, versions.COVERAGE) == before + len(watched)
    assert coverage.cached_counts(cast.school1, DAY)["total"] == 0


def test_a_name_taken_after_the_check_is_reported_for_its_row_and_nothing_is_written(cast):
    plan = apply.prepare(examples.example(), cast.school1, DAY)
    Person.objects.create(organisation=cast.school1, name="别人", staff_no="T005", category="staff")
    before = (Person.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplyError) as refused:
        apply.apply_plan(plan)
    assert str(refused.value).startswith("人员“刘芳”：")
    assert refused.value.change.subject == "刘芳"
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_a_row_deleted_after_the_check_is_reported_as_one_at_a_time_would(cast):
    applied(examples.example(), cast.school1)
    sheets = copy.deepcopy(examples.example_sheets())
    sheets["人员"] += [person(name, number, "聘用", posts="保安") for name, number in (("新保安甲", "B101"),
                                                                                 ("新保安乙", "B102"))]
    data = write_workbook(sheets)
    messages = []
    for in_bulk in (True, False):
        plan = apply.prepare(data, cast.school1, DAY)
        assert [(c.model, c.subject) for c in plan.steps(prune=False) if c.model == "holding"] == [
            ("holding", "新保安甲 · 保安"), ("holding", "新保安乙 · 保安")]
        guards = Post.objects.get(organisation=cast.school1, name="保安")
        pk = guards.pk
        assignments = list(Assignment.objects.filter(post=guards).values())
        holdings = list(PostHolding.objects.filter(post=guards).values())
        Assignment.objects.filter(post=guards).delete()
        guards.delete()
        with pytest.raises(ApplyError) as refused:
            apply.apply_plan(plan, in_bulk=in_bulk)
        messages.append(str(refused.value))
        assert not Person.objects.filter(staff_no__in=["B101", "B102"]).exists()
        guards.pk = pk
        guards.save()  # as it was, for the other way round
        Assignment.objects.bulk_create([Assignment(**row) for row in assignments])
        PostHolding.objects.bulk_create([PostHolding(**row) for row in holdings])
    assert messages[0] == messages[1]
    assert messages[0].startswith("岗位任职“新保安甲 · 保安”：")


def test_a_model_rule_refuses_the_row_in_bulk_as_alone(cast):
    plan = apply.prepare(examples.example(), cast.school1, DAY)
    for change in plan.changes:
        if change.model == "slot" and change.subject == "夜间值守":
            build = change.insert.build
            change.insert.build = lambda ctx, build=build: _same_start_and_end(build(ctx))
    with pytest.raises(ApplyError) as refused:
        apply.apply_plan(plan)
    assert str(refused.value) == "时段“夜间值守”：结束时间不能等于开始时间。"
    assert not TimeSlot.objects.exists() and not Person.objects.filter(organisation=cast.school1).exists()


def _same_start_and_end(slot):
    slot.end_time = slot.start_time
    return slot


def test_steps_are_cut_into_runs_of_neighbours_of_one_kind(cast):
    plan = apply.prepare(examples.example(), cast.school1, DAY)
    runs = bulk.runs(plan.steps(prune=False))
    assert sum(len(r) for r in runs) == len(plan.steps(prune=False))
    for run in runs:
        assert len({(c.insert.batch if c.insert else id(c)) for c in run}) == 1
    kinds = [r[0].insert.batch for r in runs if len(r) > 1]
    assert kinds[:3] == [("post",), ("person",), ("place", 1)]
    assert ("grid", 4) in kinds and ("assignment",) in kinds


def test_an_import_asks_the_cyclic_collector_to_run_less_often_and_sets_it_back(cast, monkeypatch):
    before = gc.get_threshold()
    seen = []
    build = apply.reader.build
    monkeypatch.setattr(apply.reader, "build", lambda *a: (seen.append(gc.get_threshold()), build(*a))[1])
    with apply.collecting_less():  # nested: the outermost sets it back
        applied(examples.example(), cast.school1)
        assert gc.get_threshold()[0] == max(before[0], apply.YOUNG_OBJECTS)
    assert seen == [(max(before[0], apply.YOUNG_OBJECTS), *before[1:])]
    assert gc.get_threshold() == before
    with pytest.raises(ValueError), apply.collecting_less():
        raise ValueError
    assert gc.get_threshold() == before
