"""API resources: places."""

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

from .choices import PlaceKind
from .models import Place

router = Router(tags=["places"])


class PlaceOut(Schema):
    id: int
    organisation_id: int
    parent_id: int | None
    kind: str
    name: str
    full_name: str
    code: str
    place_type: str
    is_key_location: bool
    is_major_hazard: bool
    notes: str


class PlaceIn(Schema):
    organisation_id: int
    parent_id: int | None = None
    kind: PlaceKind
    name: str
    code: str
    place_type: str = ""
    is_key_location: bool = False
    is_major_hazard: bool = False
    notes: str = ""


class PlacePatch(Schema):
    name: str | None = None
    code: str | None = None
    place_type: str | None = None
    is_key_location: bool | None = None
    is_major_hazard: bool | None = None
    notes: str | None = None


class PlaceFilter(FilterSchema):
    organisation_id: int | None = None
    parent_id: int | None = None
    kind: str | None = None
    is_key_location: bool | None = None
    is_major_hazard: bool | None = None
    q: Annotated[str | None, FilterLookup(["name__icontains", "code__icontains"])] = None


def _places(request):
    return access.scoped(request.user, Place).select_related("parent__parent")


@router.get("/places", response=list[PlaceOut])
@paginate(Pagination)
def list_places(request, filters: Query[PlaceFilter]):
    return filters.filter(_places(request)).order_by("organisation_id", "code")


@router.get("/places/{place_id}", response={200: PlaceOut, 404: ErrorOut})
def get_place(request, place_id: int):
    return access.get_for_user(request.user, _places(request), pk=place_id)


@router.post("/places", response={201: PlaceOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut})
def create_place(request, data: PlaceIn):
    organisation = access.get_for_user(request.user, Organisation, Capability.MANAGE_GRID, pk=data.organisation_id)
    parent = access.get_for_user(request.user, Place, pk=data.parent_id) if data.parent_id else None
    values = data.dict(exclude={"organisation_id", "parent_id"})
    try:
        place = create_object(Actor.from_request(request), Place(organisation=organisation, parent=parent, **values))
    except ValidationError as exc:
        return model_validation_error(exc, parent="parent_id", organisation="organisation_id")
    return Status(201, place)


@router.patch("/places/{place_id}", response={200: PlaceOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut})
def update_place(request, place_id: int, data: PlacePatch):
    place = access.get_for_user(request.user, Place, Capability.MANAGE_GRID, pk=place_id)
    try:
        place = update_object(Actor.from_request(request), place, **data.dict(exclude_unset=True))
    except ValidationError as exc:
        return model_validation_error(exc)
    return Status(200, place)
