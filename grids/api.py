"""API resources: grids, assignments (with handover), time slots, coverage, responsibility letters."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from campus.models import Place
from core import access
from core.actions import create_object
from core.api import ErrorOut, Pagination, ValidationErrorOut, model_validation_error
from core.audit import Actor
from core.periods import active_on_q
from orgs.models import Organisation
from orgs.roles import Capability
from people.models import Person, Post, SchoolClass

from . import actions, coverage
from .choices import AssignmentRole, GridKind
from .models import Assignment, Grid, ResponsibilityLetter, TimeSlot

router = Router(tags=["grids"])


class GridOut(Schema):
    id: int
    organisation_id: int
    parent_id: int | None
    name: str
    kind: str
    level: int
    school_class_id: int | None
    duties: str
    place_ids: list[int]
    time_slot_ids: list[int]

    @staticmethod
    def resolve_place_ids(obj):
        return [p.pk for p in obj.places.all()]

    @staticmethod
    def resolve_time_slot_ids(obj):
        return [s.pk for s in obj.time_slots.all()]


class GridFilter(FilterSchema):
    organisation_id: int | None = None
    parent_id: int | None = None
    kind: str | None = None
    level: int | None = None


def _grids(request):
    return access.scoped(request.user, Grid).prefetch_related("places", "time_slots")


@router.get("/grids", response=list[GridOut])
@paginate(Pagination)
def list_grids(request, filters: Query[GridFilter]):
    return filters.filter(_grids(request)).order_by("organisation_id", "level", "name")


@router.get("/grids/{grid_id}", response={200: GridOut, 404: ErrorOut})
def get_grid(request, grid_id: int):
    return access.get_for_user(request.user, _grids(request), pk=grid_id)


class GridIn(Schema):
    organisation_id: int
    parent_id: int | None = None
    name: str
    kind: GridKind = GridKind.CUSTOM
    school_class_id: int | None = None
    duties: str = ""
    place_ids: list[int] = []
    time_slot_ids: list[int] = []


class GridPatch(Schema):
    parent_id: int | None = None
    name: str | None = None
    kind: GridKind | None = None
    duties: str | None = None
    place_ids: list[int] | None = None
    time_slot_ids: list[int] | None = None


def _linked(request, model, ids):
    """Objects named by id in a request body, each through the access helper (404 if not the caller's)."""
    return None if ids is None else [access.get_for_user(request.user, model, pk=pk) for pk in ids]


@router.post("/grids", response={201: GridOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut})
def create_grid(request, data: GridIn):
    organisation = access.get_for_user(request.user, Organisation, Capability.MANAGE_GRID, pk=data.organisation_id)
    parent = access.get_for_user(request.user, Grid, pk=data.parent_id) if data.parent_id else None
    school_class = (access.get_for_user(request.user, SchoolClass, pk=data.school_class_id)
                    if data.school_class_id else None)
    grid = Grid(organisation=organisation, parent=parent, name=data.name, kind=data.kind,
                school_class=school_class, duties=data.duties)
    try:
        grid = actions.save_grid(Actor.from_request(request), grid, places=_linked(request, Place, data.place_ids),
                                 time_slots=_linked(request, TimeSlot, data.time_slot_ids))
    except ValidationError as exc:
        return model_validation_error(exc, parent="parent_id", organisation="organisation_id")
    return Status(201, access.get_for_user(request.user, _grids(request), pk=grid.pk))


@router.patch("/grids/{grid_id}", response={200: GridOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut})
def update_grid(request, grid_id: int, data: GridPatch):
    grid = access.get_for_user(request.user, Grid, Capability.MANAGE_GRID, pk=grid_id)
    values = data.dict(exclude_unset=True, exclude={"parent_id", "place_ids", "time_slot_ids"})
    if "parent_id" in data.model_fields_set:
        values["parent"] = access.get_for_user(request.user, Grid, pk=data.parent_id) if data.parent_id else None
    try:
        actions.save_grid(Actor.from_request(request), grid, places=_linked(request, Place, data.place_ids),
                          time_slots=_linked(request, TimeSlot, data.time_slot_ids), **values)
    except ValidationError as exc:
        return model_validation_error(exc, parent="parent_id")
    return Status(200, access.get_for_user(request.user, _grids(request), pk=grid.pk))


class AssignmentOut(Schema):
    id: int
    grid_id: int
    person_id: int | None
    post_id: int | None
    role: str
    start: datetime.date
    end: datetime.date | None
    handed_over_from_id: int | None


class AssignmentFilter(FilterSchema):
    grid_id: int | None = None
    person_id: int | None = None
    post_id: int | None = None
    role: str | None = None
    active_on: datetime.date | None = None

    def filter_active_on(self, value):
        return active_on_q(value) if value is not None else Q()


class AssignmentIn(Schema):
    grid_id: int
    person_id: int | None = None
    post_id: int | None = None
    role: AssignmentRole
    start: datetime.date
    end: datetime.date | None = None


class HandoverIn(Schema):
    on: datetime.date
    person_id: int | None = None
    post_id: int | None = None


class EndIn(Schema):
    end: datetime.date


@router.get("/assignments", response=list[AssignmentOut])
@paginate(Pagination)
def list_assignments(request, filters: Query[AssignmentFilter]):
    return filters.filter(access.scoped(request.user, Assignment)).order_by("grid_id", "start", "id")


@router.get("/assignments/{assignment_id}", response={200: AssignmentOut, 404: ErrorOut})
def get_assignment(request, assignment_id: int):
    return access.get_for_user(request.user, Assignment, pk=assignment_id)


def _holder(request, person_id, post_id):
    person = access.get_for_user(request.user, Person, pk=person_id) if person_id else None
    post = access.get_for_user(request.user, Post, pk=post_id) if post_id else None
    return person, post


@router.post("/assignments", response={201: AssignmentOut, 403: ErrorOut, 404: ErrorOut,
                                       422: ValidationErrorOut})
def create_assignment(request, data: AssignmentIn):
    grid = access.get_for_user(request.user, Grid, Capability.MANAGE_GRID, pk=data.grid_id)
    person, post = _holder(request, data.person_id, data.post_id)
    try:
        assignment = actions.assign(Actor.from_request(request), grid, role=data.role, start=data.start,
                                    end=data.end, person=person, post=post)
    except ValidationError as exc:
        return model_validation_error(exc, person="person_id", post="post_id")
    return Status(201, assignment)


@router.post("/assignments/{assignment_id}/handover", response={201: AssignmentOut, 403: ErrorOut, 404: ErrorOut,
                                                                422: ValidationErrorOut})
def handover(request, assignment_id: int, data: HandoverIn):
    """方案10: the holder answers up to `on`; the successor from the day after. Returns the new assignment."""
    assignment = access.get_for_user(request.user, Assignment, Capability.MANAGE_GRID, pk=assignment_id)
    person, post = _holder(request, data.person_id, data.post_id)
    try:
        successor = actions.handover(Actor.from_request(request), assignment, on=data.on, person=person, post=post)
    except ValidationError as exc:
        return model_validation_error(exc, person="person_id", post="post_id")
    return Status(201, successor)


@router.post("/assignments/{assignment_id}/end", response={200: AssignmentOut, 403: ErrorOut, 404: ErrorOut,
                                                           422: ValidationErrorOut})
def end_assignment(request, assignment_id: int, data: EndIn):
    assignment = access.get_for_user(request.user, Assignment, Capability.MANAGE_GRID, pk=assignment_id)
    try:
        assignment = actions.end_assignment(Actor.from_request(request), assignment, data.end)
    except ValidationError as exc:
        return model_validation_error(exc)
    return Status(200, assignment)


class TimeSlotOut(Schema):
    id: int
    organisation_id: int
    name: str
    weekdays: str
    start_time: datetime.time
    end_time: datetime.time


@router.get("/time-slots", response=list[TimeSlotOut])
@paginate(Pagination)
def list_time_slots(request):
    return access.scoped(request.user, TimeSlot)


@router.get("/time-slots/{slot_id}", response={200: TimeSlotOut, 404: ErrorOut})
def get_time_slot(request, slot_id: int):
    return access.get_for_user(request.user, TimeSlot, pk=slot_id)


class TimeSlotIn(Schema):
    organisation_id: int
    name: str
    weekdays: str = "12345"
    start_time: datetime.time
    end_time: datetime.time


@router.post("/time-slots", response={201: TimeSlotOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut})
def create_time_slot(request, data: TimeSlotIn):
    organisation = access.get_for_user(request.user, Organisation, Capability.MANAGE_GRID, pk=data.organisation_id)
    try:
        slot = create_object(Actor.from_request(request),
                             TimeSlot(organisation=organisation, **data.dict(exclude={"organisation_id"})))
    except ValidationError as exc:
        return model_validation_error(exc, organisation="organisation_id")
    return Status(201, slot)


class FindingOut(Schema):
    kind: str
    kind_label: str
    subject: str
    reason: str
    url: str
    object_id: int | None
    days: list[list[datetime.date]]


class CoverageOut(Schema):
    organisation_id: int
    start: datetime.date
    end: datetime.date
    counts: dict[str, int]
    findings: list[FindingOut]


class CoverageQuery(Schema):
    organisation_id: int
    start: datetime.date | None = None
    days: int = Field(coverage.DEFAULT_DAYS, ge=1, le=366)


@router.get("/coverage", response={200: CoverageOut, 404: ErrorOut}, tags=["coverage"])
def get_coverage(request, params: Query[CoverageQuery]):
    """盲区检查: everything without an active responsible person over [start, start + days)."""
    organisation = access.get_for_user(request.user, Organisation, pk=params.organisation_id)
    result = coverage.compute(organisation, params.start or timezone.localdate(), params.days)
    return Status(200, {
        "organisation_id": organisation.pk, "start": result.start, "end": result.end, "counts": result.counts(),
        "findings": [{**f.as_dict(), "days": [list(d) for d in f.days]} for f in result.findings],
    })


class LetterOut(Schema):
    id: int
    organisation_id: int
    academic_year: str
    template: str
    grid_id: int | None
    issuer_id: int
    signer_id: int
    title: str
    issuer_signed_at: datetime.datetime | None
    signer_signed_at: datetime.datetime | None
    is_signed: bool


class LetterFilter(FilterSchema):
    academic_year: str | None = None
    template: str | None = None
    signer_id: int | None = None


@router.get("/letters", response=list[LetterOut], tags=["letters"])
@paginate(Pagination)
def list_letters(request, filters: Query[LetterFilter]):
    return filters.filter(access.scoped(request.user, ResponsibilityLetter))


@router.get("/letters/{letter_id}", response={200: LetterOut, 404: ErrorOut}, tags=["letters"])
def get_letter(request, letter_id: int):
    return access.get_for_user(request.user, ResponsibilityLetter, pk=letter_id)



