"""One object per scoped model inside school1, for tests that must cover every model.

The tenancy walk fails when a scoped model has no factory here: a new model is covered by
adding one line.
"""

from __future__ import annotations

from collections.abc import Callable

from campus.models import Place
from core.audit import Actor, AuditAction, record
from core.models import AuditEvent
from dashboards.models import SchoolDay
from grids.models import Assignment, Grid, ResponsibilityLetter, RosterImport, TimeSlot
from hazards.models import (
    Hazard,
    HazardEvent,
    HazardPhoto,
    NoticeCounter,
    PublicReport,
    PublicReportPhoto,
    RectificationNotice,
    Reminder,
)
from inspections.models import CheckIn, Checklist, ChecklistVersion, Finding, Holiday, Inspection, Photo, Schedule, Term
from ledgers.models import LedgerExport
from orgs.models import ApiToken, Membership, Organisation, User
from people.models import Person, Post, PostHolding, SchoolClass

from .personas import Cast
from .school import make_school


def _audit_event(cast: Cast) -> AuditEvent:
    return record(Actor(user=cast.alice), AuditAction.UPDATE, cast.division1, changes={"name": ["a", "b"]})


def _letter(cast: Cast) -> ResponsibilityLetter:
    school = _school(cast)
    return ResponsibilityLetter.objects.create(
        organisation=cast.school1, academic_year="2026-2027", template="middle_staff", grid=school.class_grid,
        assignment=school.class_head, issuer=school.li, signer=school.wang, title="班主任安全责任状", body="……")


def _inspections(cast: Cast):
    """A checklist, a schedule and one inspection with a failed item, a photo and a QR check-in (school1)."""
    if not hasattr(cast, "_inspections"):
        import datetime
        import uuid

        from django.core.files.uploadedfile import SimpleUploadedFile

        from inspections.submit import check_in

        from .inspections import ALL_PASS, do_inspection, make_checklist, make_schedule
        from .photos import jpeg_bytes

        school = _school(cast)
        checklist = make_checklist(cast.school1)
        schedule = make_schedule(cast.school1, checklist, grids=[school.class_grid])
        scan, _ = check_in(Actor(user=cast.alice), place=school.room101, client_id=uuid.uuid4())
        photo = SimpleUploadedFile("现场.jpg", jpeg_bytes(), content_type="image/jpeg")
        inspection, _ = do_inspection(schedule, grid=school.class_grid, place=school.room101,
                                      on=datetime.date(2026, 9, 28), answers={**ALL_PASS, "f1": "fail"},
                                      photos={"f1": [photo]}, check_in=scan.client_id)
        cast._inspections = {"checklist": checklist, "schedule": schedule, "inspection": inspection, "check_in": scan}
    return cast._inspections


def _hazard(cast: Cast):
    """A hazard raised from the walk's inspection finding, with a photo (school1)."""
    if not hasattr(cast, "_hazard"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from hazards.actions import from_finding
        from hazards.models import HazardPhoto

        from .photos import jpeg_bytes

        hazard = from_finding(Actor(user=cast.alice), _inspections(cast)["inspection"].findings.get())
        photo = HazardPhoto(organisation=cast.school1, hazard=hazard, kind="before")
        photo.store(SimpleUploadedFile("before.jpg", jpeg_bytes(), content_type="image/jpeg"))
        photo.save()
        cast._hazard = hazard
    return cast._hazard


def _notice(cast: Cast):
    if not hasattr(cast, "_notice"):
        import datetime

        from hazards.notices import issue

        cast._notice = issue(Actor(user=cast.alice), cast.school1, [_hazard(cast)], deadline=datetime.date(2026, 12, 5),
                             requirements="限期整改", recipient_department="总务处")
    return cast._notice


def _public_report(cast: Cast):
    if not hasattr(cast, "_public_report"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from .photos import jpeg_bytes

        report = PublicReport.objects.create(organisation=cast.school1, place=_school(cast).room101,
                                             description="楼梯扶手松动")
        photo = PublicReportPhoto(organisation=cast.school1, report=report)
        photo.store(SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"))
        photo.save()
        cast._public_report = report
    return cast._public_report


def _ledger(cast: Cast) -> LedgerExport:
    """A finished safety ledger of school1 (a stand-in PDF file: the walk only needs it to be there)."""
    from django.core.files.base import ContentFile

    ledger = LedgerExport(organisation=cast.school1, year=2026, start="2026-01-01", end="2026-12-31", status="done",
                          requested_by=cast.alice, requested_by_name="艾丽", pages=1)
    ledger.file.save("walk.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    ledger.size = ledger.file.size
    ledger.save()
    return ledger


def _token(cast: Cast) -> ApiToken:
    return ApiToken.issue(cast.alice, name="walk")[0]


def _school(cast: Cast):
    """The school grid of school1, built once per cast."""
    if not hasattr(cast, "_school"):
        cast._school = make_school(cast.school1)
    return cast._school


FACTORIES: dict[type, Callable[[Cast], object]] = {
    Place: lambda cast: _school(cast).room101,
    Person: lambda cast: _school(cast).wang,
    Post: lambda cast: _school(cast).guard_post,
    PostHolding: lambda cast: _school(cast).guard_holding,
    SchoolClass: lambda cast: _school(cast).school_class,
    Grid: lambda cast: _school(cast).class_grid,
    Assignment: lambda cast: _school(cast).class_head,
    TimeSlot: lambda cast: _school(cast).day_slot,
    ResponsibilityLetter: _letter,
    RosterImport: lambda cast: RosterImport.objects.create(organisation=cast.school1, created_by=cast.alice,
                                                           filename="清单.xlsx", import_date="2026-09-01"),
    Organisation: lambda cast: cast.division1,
    User: lambda cast: cast.bob,
    Membership: lambda cast: cast.bob.memberships.get(),
    AuditEvent: _audit_event,
    ApiToken: _token,
    Checklist: lambda cast: _inspections(cast)["checklist"],
    ChecklistVersion: lambda cast: _inspections(cast)["checklist"].current_version,
    Schedule: lambda cast: _inspections(cast)["schedule"],
    Inspection: lambda cast: _inspections(cast)["inspection"],
    Finding: lambda cast: _inspections(cast)["inspection"].findings.get(),
    Photo: lambda cast: _inspections(cast)["inspection"].photos.get(),
    CheckIn: lambda cast: _inspections(cast)["check_in"],
    Hazard: _hazard,
    HazardPhoto: lambda cast: _hazard(cast).photos.get(),
    HazardEvent: lambda cast: _hazard(cast).events.first(),
    RectificationNotice: lambda cast: _notice(cast),
    NoticeCounter: lambda cast: (_notice(cast), NoticeCounter.objects.get(organisation=cast.school1))[1],
    PublicReport: _public_report,
    SchoolDay: lambda cast: SchoolDay.objects.create(organisation=cast.school1, day="2026-10-01", required=3, done=2),
    PublicReportPhoto: lambda cast: _public_report(cast).photo,
    Reminder: lambda cast: Reminder.objects.create(organisation=cast.school1, hazard=_hazard(cast),
                                                   person=_school(cast).wang, kind="due_soon", on_date="2026-12-01"),
    Term: lambda cast: Term.objects.get_or_create(organisation=cast.school1, name="2026-2027学年第一学期", defaults={
        "start": "2026-09-01", "end": "2027-01-22"})[0],
    LedgerExport: _ledger,
    Holiday: lambda cast: Holiday.objects.get_or_create(organisation=cast.school1, name="国庆节", defaults={
        "start": "2026-10-01", "end": "2026-10-07"})[0],
}


def school1_objects(cast: Cast) -> list:
    """One of each scoped model, all belonging to school1's subtree."""
    return [factory(cast) for factory in FACTORIES.values()]
