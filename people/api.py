"""API resources: people, posts, post holdings and classes."""

import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from ninja import FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from core import access
from core.actions import create_object, update_object
from core.api import ErrorOut, Pagination, ValidationErrorOut, model_validation_error
from core.audit import Actor
from orgs.models import Organisation
from orgs.roles import Capability

from .choices import PersonCategory, PersonStatus
from .models import Person, Post, PostHolding, SchoolClass, mask_phone

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    organisation_id: int
    name: str
    staff_no: str
    category: str
    department: str
    title: str
    phone: str
    status: str
    left_on: datetime.date | None
    user_id: int | None

    @staticmethod
    def resolve_phone(obj, context):
        request = context["request"]
        if request.user.has_capability(Capability.VIEW_PHONE, obj.organisation):
            return obj.phone
        return mask_phone(obj.phone) if obj.phone else ""


class PersonIn(Schema):
    organisation_id: int
    name: str
    staff_no: str = ""
    category: PersonCategory
    department: str = ""
    title: str = ""
    phone: str = ""
    status: PersonStatus = PersonStatus.ACTIVE
    left_on: datetime.date | None = None


class PersonPatch(Schema):
    name: str | None = None
    staff_no: str | None = None
    category: PersonCategory | None = None
    department: str | None = None
    title: str | None = None
    phone: str | None = None
    status: PersonStatus | None = None
    left_on: datetime.date | None = None


class PersonFilter(FilterSchema):
    organisation_id: int | None = None
    category: str | None = None
    status: str | None = None
    q: Annotated[str | None, FilterLookup(["name__icontains", "staff_no__icontains"])] = None


def _people(request):
    return access.scoped(request.user, Person).select_related("organisation")


@router.get("/people", response=list[PersonOut])
@paginate(Pagination)
def list_people(request, filters: Query[PersonFilter]):
    return filters.filter(_people(request)).order_by("name", "id")


@router.get("/people/{person_id}", response={200: PersonOut, 404: ErrorOut})
def get_person(request, person_id: int):
    return access.get_for_user(request.user, _people(request), pk=person_id)


@router.post("/people", response={201: PersonOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut})
def create_person(request, data: PersonIn):
    organisation = access.get_for_user(request.user, Organisation, Capability.MANAGE_GRID, pk=data.organisation_id)
    try:
        person = create_object(Actor.from_request(request),
                               Person(organisation=organisation, **data.dict(exclude={"organisation_id"})))
    except ValidationError as exc:
        return model_validation_error(exc, organisation="organisation_id")
    return Status(201, person)


@router.patch("/people/{person_id}", response={200: PersonOut, 403: ErrorOut, 404: ErrorOut,
                                               422: ValidationErrorOut})
def update_person(request, person_id: int, data: PersonPatch):
    person = access.get_for_user(request.user, _people(request), Capability.MANAGE_GRID, pk=person_id)
    try:
        person = update_object(Actor.from_request(request), person, **data.dict(exclude_unset=True))
    except ValidationError as exc:
        return model_validation_error(exc)
    return Status(200, person)


class PostOut(Schema):
    id: int
    organisation_id: int
    name: str
    description: str


@router.get("/posts", response=list[PostOut])
@paginate(Pagination)
def list_posts(request):
    return access.scoped(request.user, Post)


@router.get("/posts/{post_id}", response={200: PostOut, 404: ErrorOut})
def get_post(request, post_id: int):
    return access.get_for_user(request.user, Post, pk=post_id)


class PostHoldingOut(Schema):
    id: int
    post_id: int
    person_id: int
    start: datetime.date
    end: datetime.date | None


class PostHoldingFilter(FilterSchema):
    post_id: int | None = None
    person_id: int | None = None


@router.get("/post-holdings", response=list[PostHoldingOut])
@paginate(Pagination)
def list_post_holdings(request, filters: Query[PostHoldingFilter]):
    return filters.filter(access.scoped(request.user, PostHolding))


@router.get("/post-holdings/{holding_id}", response={200: PostHoldingOut, 404: ErrorOut})
def get_post_holding(request, holding_id: int):
    return access.get_for_user(request.user, PostHolding, pk=holding_id)


class SchoolClassOut(Schema):
    id: int
    organisation_id: int
    grade: str
    name: str
    classroom_id: int | None


@router.get("/classes", response=list[SchoolClassOut])
@paginate(Pagination)
def list_classes(request):
    return access.scoped(request.user, SchoolClass)


@router.get("/classes/{class_id}", response={200: SchoolClassOut, 404: ErrorOut})
def get_class(request, class_id: int):
    return access.get_for_user(request.user, SchoolClass, pk=class_id)
