"""Roster export: a school's workbook imports back to the same state."""

import datetime

import pytest

from campus.models import Place
from core.audit import Actor
from core.models import AuditEvent
from grids import actions, coverage
from grids.models import Assignment, Grid, TimeSlot
from grids.roster import apply, examples, writer
from grids.roster.testing import sheets_of
from people.models import Person, PostHolding, SchoolClass

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 9, 1)


def structure(organisation, today):
    """Everything the roster describes, by names (not ids or start dates)."""
    def holder(a):
        return a.person.name if a.person_id else a.post.name

    return {
        "people": sorted((p.name, p.staff_no, p.category, p.department, p.title, p.phone, p.status)
                         for p in Person.objects.filter(organisation=organisation)),
        "places": sorted((p.full_name, p.kind, p.place_type, p.is_key_location, p.is_major_hazard)
                         for p in Place.objects.filter(organisation=organisation)),
        "classes": sorted((c.grade, c.name, c.classroom.full_name if c.classroom else "")
                          for c in SchoolClass.objects.filter(organisation=organisation)),
        "slots": sorted((s.name, s.weekdays, s.start_time, s.end_time)
                        for s in TimeSlot.objects.filter(organisation=organisation)),
        "grids": sorted((g.name, g.kind, g.level, g.parent.name if g.parent else "", g.duties,
                         tuple(sorted(p.full_name for p in g.places.all())),
                         tuple(sorted(s.name for s in g.time_slots.all())), str(g.school_class or ""))
                        for g in Grid.objects.filter(organisation=organisation)),
        "assignments": sorted((a.grid.name, holder(a), a.role, a.end)
                              for a in Assignment.objects.filter(organisation=organisation).active_on(today)),
        "holdings": sorted((h.person.name, h.post.name) for h in PostHolding.objects.filter(organisation=organisation)),
    }


def reimport(organisation, today, **kwargs):
    plan = apply.prepare(writer.export(organisation, today, **kwargs), organisation, today)
    assert not plan.errors, [str(e) for e in plan.errors]
    return plan


def test_the_example_school_exports_and_imports_back_unchanged(cast):
    apply.import_roster(examples.example(), cast.school1, today=DAY)
    assert reimport(cast.school1, DAY + datetime.timedelta(days=3)).changes == []


def test_the_exported_example_reads_like_the_example(cast):
    apply.import_roster(examples.example(), cast.school1, today=DAY)
    exported = sheets_of(writer.export(cast.school1, DAY))
    original = sheets_of(examples.example())
    for sheet in ("人员", "场所", "班级", "时段"):
        assert exported[sheet] == original[sheet], sheet


def test_a_school_built_in_the_pages_exports_and_imports_back_unchanged(cast, school, day):
    # The test school's grids are named and nested as a person made them, not as the import would.
    assert reimport(cast.school1, day).changes == []


def test_a_planned_handover_survives_the_round_trip(cast, school, day):
    actions.handover(Actor(), school.class_head, on=day + datetime.timedelta(days=10), person=school.li)
    assert reimport(cast.school1, day).changes == []
    apply.import_roster(writer.export(cast.school1, day), cast.school2, today=day)
    dated = Assignment.objects.get(organisation=cast.school2, grid__name="一年级1班", person__name="王老师",
                                   role="head_teacher")
    assert (dated.start, dated.end) == (school.class_head.start, day + datetime.timedelta(days=10))


def test_an_export_imported_into_an_empty_school_gives_the_same_structure(cast):
    apply.import_roster(examples.example(), cast.school1, today=DAY)
    plan, _counts = apply.import_roster(writer.export(cast.school1, DAY), cast.school2, today=DAY)
    assert not plan.errors
    assert structure(cast.school2, DAY) == structure(cast.school1, DAY)
    assert coverage.compute(cast.school2, DAY, 30).findings == []


def test_the_test_school_imported_into_an_empty_school_gives_the_same_structure(cast, school, day):
    plan, _counts = apply.import_roster(writer.export(cast.school1, day), cast.school2, today=day)
    assert not plan.errors, [str(e) for e in plan.errors]
    assert structure(cast.school2, day) == structure(cast.school1, day)
    assert coverage.compute(cast.school2, day, 30).findings == []


def test_a_masked_export_does_not_change_phone_numbers(cast):
    apply.import_roster(examples.example(), cast.school1, today=DAY)
    exported = sheets_of(writer.export(cast.school1, DAY, mask_phones=True))
    assert exported["人员"][0][5] == "139****0001"
    assert reimport(cast.school1, DAY, mask_phones=True).changes == []


def test_leavers_still_holding_a_grid_are_exported(cast, school, day):
    from core.actions import update_object

    update_object(Actor(), school.wang, status="left", left_on=day)
    names = [row[0] for row in sheets_of(writer.export(cast.school1, day))["人员"]]
    assert "王老师" in names
    assert reimport(cast.school1, day).changes == []


def test_the_export_itself_changes_nothing(cast, school, day):
    before = AuditEvent.objects.count()
    writer.export(cast.school1, day)
    assert AuditEvent.objects.count() == before


def test_the_shipped_template_and_example_are_those_examples_builds():
    assert sheets_of((examples.STATIC_DIR / examples.EXAMPLE_NAME).read_bytes()) == sheets_of(examples.example())
    assert sheets_of((examples.STATIC_DIR / examples.TEMPLATE_NAME).read_bytes()) == sheets_of(writer.template())
