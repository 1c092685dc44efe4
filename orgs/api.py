"""API resources: organisations, users and memberships. Same scoping and actions as the web UI."""

import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from core import access
from core.api import ErrorOut, Pagination, ValidationErrorOut, model_validation_error
from core.audit import Actor

from . import actions
from .choices import OrgKind
from .models import Membership, Organisation, User
from .roles import Capability

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    parent_id: int | None
    path: str
    depth: int
    address: str
    phone: str
    is_boarding: bool


class OrganisationIn(Schema):
    name: str
    code: str
    kind: OrgKind
    parent_id: int
    address: str = ""
    phone: str = ""
    is_boarding: bool = False


class OrganisationPatch(Schema):
    name: str | None = None
    address: str | None = None
    phone: str | None = None
    is_boarding: bool | None = None


class OrganisationFilter(FilterSchema):
    kind: str | None = None
    parent_id: int | None = None
    code: str | None = None
    q: Annotated[str | None, FilterLookup("name__icontains")] = None


@router.get("/organisations", response=list[OrganisationOut])
@paginate(Pagination)
def list_organisations(request, filters: Query[OrganisationFilter]):
    return filters.filter(access.scoped(request.user, Organisation))


@router.get("/organisations/{org_id}", response={200: OrganisationOut, 404: ErrorOut})
def get_organisation(request, org_id: int):
    return access.get_for_user(request.user, Organisation, pk=org_id)


@router.post("/organisations", response={201: OrganisationOut, 404: ErrorOut, 403: ErrorOut,
                                         422: ValidationErrorOut})
def create_organisation(request, data: OrganisationIn):
    parent = access.get_for_user(request.user, Organisation, Capability.MANAGE_ORGS, pk=data.parent_id)
    values = data.dict(exclude={"parent_id"})
    try:
        organisation = actions.create_organisation(Actor.from_request(request), parent=parent, **values)
    except ValidationError as exc:
        return model_validation_error(exc, parent="parent_id")
    return Status(201, organisation)


@router.patch("/organisations/{org_id}", response={200: OrganisationOut, 404: ErrorOut, 403: ErrorOut,
                                                   422: ValidationErrorOut})
def update_organisation(request, org_id: int, data: OrganisationPatch):
    organisation = access.get_for_user(request.user, Organisation, Capability.MANAGE_ORGS, pk=org_id)
    return actions.update_organisation(Actor.from_request(request), organisation, **data.dict(exclude_unset=True))


class MembershipOut(Schema):
    id: int
    user_id: int
    organisation_id: int
    role: str
    role_label: str = Field(..., alias="get_role_display")
    created_at: datetime.datetime


class UserOut(Schema):
    id: int
    username: str
    name: str
    is_active: bool
    language: str
    last_login: datetime.datetime | None
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_memberships(obj):
        return list(obj.memberships.all())


class UserFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["username__icontains", "name__icontains"])] = None
    is_active: bool | None = None


@router.get("/users", response=list[UserOut], tags=["users"])
@paginate(Pagination)
def list_users(request, filters: Query[UserFilter]):
    users = access.scoped(request.user, User).prefetch_related(
        Prefetch("memberships", queryset=access.scoped(request.user, Membership))
    )
    return filters.filter(users).order_by("username")


@router.get("/users/me", response=UserOut, tags=["users"])
def get_me(request):
    return User.objects.prefetch_related("memberships").get(pk=request.user.pk)


@router.get("/users/{user_id}", response={200: UserOut, 404: ErrorOut}, tags=["users"])
def get_user(request, user_id: int):
    users = User.objects.prefetch_related(
        Prefetch("memberships", queryset=access.scoped(request.user, Membership))
    )
    return access.get_for_user(request.user, users, pk=user_id)


class MembershipFilter(FilterSchema):
    organisation_id: int | None = None
    user_id: int | None = None
    role: str | None = None


@router.get("/memberships", response=list[MembershipOut], tags=["users"])
@paginate(Pagination)
def list_memberships(request, filters: Query[MembershipFilter]):
    # The model's ordering (organisation, role) ties between colleagues: pk keeps pages stable.
    return filters.filter(access.scoped(request.user, Membership)).order_by("organisation__path", "role", "pk")


@router.get("/memberships/{membership_id}", response={200: MembershipOut, 404: ErrorOut}, tags=["users"])
def get_membership(request, membership_id: int):
    return access.get_for_user(request.user, Membership, pk=membership_id)
