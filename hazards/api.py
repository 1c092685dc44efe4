"""API of hazards: the register (/hazards) with each hazard's five fixes, photos and history; reporting; the
workflow's transitions and photos; rectification notices (/notices) and their acknowledgement.

Reading follows the web pages (`hazards.views.readable`: the register of one's schools with VIEW_INSPECTIONS,
and for any staff member the hazards they reported, answer for or that sit in their grids). Any staff member of
a school reports its hazards. Transitions go through `hazards.workflow`, which decides who may act: a stale
`version` answers 409, a refusal 403, a rule broken 422. No `from __future__ import annotations` here (see
core.api).
"""

import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, FilterLookup, FilterSchema, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from campus.models import Place
from core import access
from core.api import ErrorOut, Pagination, ValidationErrorOut, model_validation_error
from core.audit import Actor
from core.tenancy import memberships_of
from people.models import Person, person_of

from . import notices, workflow
from .actions import add_photo, report
from .choices import Grade, PhotoKind, RiskColour, Source, State, Topic
from .models import Hazard, RectificationNotice
from .notice_views import readable as readable_notices
from .notice_views import readable_notice
from .views import readable

router = Router(tags=["隐患"])
PLACE = "place__parent__parent__parent"
HAZARD_RELATED = ("organisation", PLACE, "grid", "responsible")
NOTICE_RELATED = ("organisation", "recipient", "issued_by", "acknowledged_by")
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


# --- schemas ------------------------------------------------------------------------------------------


class HazardOut(Schema):
    id: int
    organisation_id: int
    place_id: int | None
    place_label: str
    grid_id: int | None
    grid_name: str
    topic: str
    topic_label: str
    grade: str
    grade_label: str
    risk_colour: str
    source: str
    source_label: str
    description: str
    state: str
    state_label: str
    level: str
    level_label: str
    found_at: datetime.datetime
    found_by_id: int | None
    reported_by_id: int | None
    responsible_id: int | None
    responsible_name: str
    deadline: datetime.date | None
    is_overdue: bool
    left_overnight: bool
    version: int = Field(description="操作时原样提交；他人已处理时返回 409")
    url: str

    @staticmethod
    def resolve_place_label(obj):
        return obj.place.full_name if obj.place_id else ""

    @staticmethod
    def resolve_grid_name(obj):
        return obj.grid.name if obj.grid_id else ""

    @staticmethod
    def resolve_topic_label(obj):
        return obj.get_topic_display()

    @staticmethod
    def resolve_grade_label(obj):
        return obj.get_grade_display()

    @staticmethod
    def resolve_source_label(obj):
        return obj.get_source_display()

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()

    @staticmethod
    def resolve_level_label(obj):
        return obj.get_level_display()

    @staticmethod
    def resolve_responsible_name(obj):
        return obj.responsible.name if obj.responsible_id else ""

    @staticmethod
    def resolve_url(obj):
        return reverse("hazards:hazard_detail", args=[obj.pk])


class HazardPhotoOut(Schema):
    id: int
    kind: str
    kind_label: str
    url: str
    thumbnail_url: str
    content_type: str
    width: int
    height: int
    created_at: datetime.datetime

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_url(obj):
        return reverse("hazards:photo", args=[obj.pk])

    @staticmethod
    def resolve_thumbnail_url(obj):
        return reverse("hazards:photo_thumb", args=[obj.pk])


class HazardEventOut(Schema):
    id: int
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor_id: int | None
    actor_name: str
    at: datetime.datetime
    reason: str


class HazardDetailOut(HazardOut):
    measures: str
    funds: str
    contingency_plan: str
    five_fixes_missing: list[str] = Field(description="五落实中尚未填写的项")
    fixed_by_id: int | None
    fixed_at: datetime.datetime | None
    fix_note: str
    verified_by_id: int | None
    verified_at: datetime.datetime | None
    rejection_reason: str
    escalation_reason: str
    government_reference: str
    photos: list[HazardPhotoOut]
    events: list[HazardEventOut]

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.all())

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())


class HazardFilter(FilterSchema):
    state: State | None = None
    grade: Grade | None = None
    topic: Topic | None = None
    source: Source | None = None
    grid: Annotated[int | None, FilterLookup("grid_id")] = None
    organisation_id: int | None = None
    overdue: bool | None = Field(None, description="true：已逾期；false：未逾期")
    found_from: Annotated[datetime.date | None, FilterLookup("found_at__date__gte")] = None
    found_to: Annotated[datetime.date | None, FilterLookup("found_at__date__lte")] = None

    def filter_overdue(self, value):
        return Q() if value is None else Q(is_overdue=value)


# --- the register -------------------------------------------------------------------------------------


def _detail_queryset():
    return Hazard.objects.select_related(*HAZARD_RELATED).prefetch_related("photos", "events")


@router.get("/hazards", response=list[HazardOut])
@paginate(Pagination)
def list_hazards(request, filters: Query[HazardFilter]):
    """Hazards the caller may read, newest first."""
    return filters.filter(readable(request.user, Hazard.objects.select_related(*HAZARD_RELATED)))


@router.get("/hazards/{hazard_id}", response={200: HazardDetailOut, 404: ErrorOut})
def get_hazard(request, hazard_id: int):
    """One hazard with its five fixes (五落实), photo URLs and history."""
    return access.get_for_user(request.user, readable(request.user, _detail_queryset()), pk=hazard_id)


class HazardIn(Schema):
    place_id: int
    topic: Topic = Topic.OTHER
    grade: Grade = Grade.GENERAL
    risk_colour: RiskColour | Literal[""] = ""
    description: str = Field(min_length=1, max_length=4000)
    found_at: datetime.datetime | None = Field(None, description="默认：服务器接收时间")


@router.post("/hazards", response={201: HazardDetailOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut})
def create_hazard(request, data: HazardIn):
    """上报隐患 (待处理) at a place of the caller's school; its grid is the place's."""
    user = request.user
    place = access.get_for_user(user, Place.objects.select_related("organisation"), pk=data.place_id)
    school = place.organisation
    if not any(m.organisation.path.startswith(school.path) for m in memberships_of(user)):
        raise PermissionDenied
    person = person_of(user)
    found_at = data.found_at
    if found_at is not None and timezone.is_naive(found_at):
        found_at = timezone.make_aware(found_at)
    if found_at is not None and found_at > timezone.now() + datetime.timedelta(minutes=10):
        return model_validation_error(ValidationError({"found_at": [_("发现时间不能晚于现在。")]}))
    try:
        hazard = report(Actor.from_request(request), Hazard(
            organisation=school, place=place, topic=data.topic, grade=data.grade, risk_colour=data.risk_colour,
            description=data.description.strip(), found_at=found_at,
            found_by=person if person is not None and person.organisation_id == school.pk else None))
    except ValidationError as exc:
        return model_validation_error(exc)
    return Status(201, _detail_queryset().get(pk=hazard.pk))


# --- the workflow -------------------------------------------------------------------------------------------


def _act(request, hazard_id: int, run):
    """Fetch (404 outside the caller's schools), run one transition, answer the hazard as it is now."""
    hazard = access.get_for_user(request.user, Hazard.objects.select_related("organisation", "grid__parent__parent"),
                                 pk=hazard_id)
    try:
        run(Actor.from_request(request), hazard)
    except workflow.Conflict as exc:
        return Status(409, {"detail": str(exc)})
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc) or _("没有权限。")})
    except ValidationError as exc:
        return model_validation_error(exc)
    return _detail_queryset().get(pk=hazard.pk)  # the actor sees the outcome, even if it left their grid


class VersionIn(Schema):
    version: int = Field(description="隐患的 version（读取时所得）")


class AssignIn(VersionIn):
    responsible_id: int
    deadline: datetime.date
    measures: str = ""
    funds: str = ""
    contingency_plan: str = ""


class FixIn(VersionIn):
    note: str = Field(description="整改情况")


class RejectIn(VersionIn):
    reason: str


class EscalateIn(VersionIn):
    reason: str = Field(description="上报原因（如：超出处理能力）")
    government_reference: str = Field("", description="教育局报送当地政府时的文号或编号")


@router.post("/hazards/{hazard_id}/assign", response={200: HazardDetailOut, **ERRORS})
def assign_hazard(request, hazard_id: int, data: AssignIn):
    """交办整改: responsible person and deadline; all five fixes for a major hazard."""

    def run(actor, hazard):
        # Looked up after the hazard (another school's hazard is a 404 whatever the person); a person the
        # user cannot see, or of another school, is an input error of this field.
        responsible = access.scoped(request.user, Person).filter(pk=data.responsible_id).first()
        if responsible is None:
            raise ValidationError({"responsible_id": _("整改责任人不存在。")})
        return workflow.assign(actor, hazard, data.version, responsible=responsible, deadline=data.deadline,
                               measures=data.measures, funds=data.funds, contingency_plan=data.contingency_plan)

    return _act(request, hazard_id, run)


@router.post("/hazards/{hazard_id}/fix", response={200: HazardDetailOut, **ERRORS})
def fix_hazard(request, hazard_id: int, data: FixIn):
    """整改完成 (整改中 → 待验收, needs an after photo); a hazard still 待处理 is fixed on the spot (当场整改,
    needs before and after photos). Upload the photos first (POST …/photos)."""

    def run(actor, hazard):
        transition = workflow.fix_on_spot if hazard.state == State.REPORTED else workflow.submit_fix
        return transition(actor, hazard, data.version, note=data.note)

    return _act(request, hazard_id, run)


@router.post("/hazards/{hazard_id}/verify", response={200: HazardDetailOut, **ERRORS})
def verify_hazard(request, hazard_id: int, data: VersionIn):
    """验收销号: by someone other than the fixer, at the grid above or the safety office."""
    return _act(request, hazard_id, lambda actor, hazard: workflow.verify(actor, hazard, data.version))


@router.post("/hazards/{hazard_id}/reject", response={200: HazardDetailOut, **ERRORS})
def reject_hazard(request, hazard_id: int, data: RejectIn):
    """验收不通过: back to 整改中 with the reason."""
    return _act(request, hazard_id, lambda actor, hazard: workflow.reject(actor, hazard, data.version,
                                                                          reason=data.reason))


@router.post("/hazards/{hazard_id}/escalate", response={200: HazardDetailOut, **ERRORS})
def escalate_hazard(request, hazard_id: int, data: EscalateIn):
    """上报: one level up (the grid above, the school, the bureau, the local government)."""
    return _act(request, hazard_id, lambda actor, hazard: workflow.escalate(
        actor, hazard, data.version, reason=data.reason, government_reference=data.government_reference))


@router.post("/hazards/{hazard_id}/photos", response={201: HazardPhotoOut, 403: ErrorOut, 404: ErrorOut,
                                                      422: ValidationErrorOut})
def add_hazard_photo(request, hazard_id: int, kind: Form[str] = "", file: File[UploadedFile | None] = None):
    """A before (整改前) or after (整改后) photo, multipart: `file` and `kind` (before/after); by who may
    handle the hazard. Checked after access, so another school's hazard answers 404 whatever the body."""
    hazard = access.get_for_user(request.user, Hazard.objects.select_related("organisation", "grid__parent__parent"),
                                 pk=hazard_id)
    if hazard.state == State.CLOSED or not workflow.can_handle(request.user, hazard):
        return Status(403, {"detail": _("您无权处理该隐患。")})
    errors = {}
    if kind not in PhotoKind.values:
        errors["kind"] = [_("不是有效的选项。")]
    if file is None:
        errors["file"] = [_("此项为必填项。")]
    if errors:
        return model_validation_error(ValidationError(errors))
    try:
        photo = add_photo(Actor.from_request(request), hazard, file, kind)
    except ValidationError as exc:
        return model_validation_error(exc, image="file")
    return Status(201, photo)


# --- rectification notices ------------------------------------------------------------------------------


class NoticeOut(Schema):
    id: int
    organisation_id: int
    code: str = Field(description="〔年度〕第NNN号")
    year: int
    number: int
    recipient_id: int | None
    recipient_name: str
    recipient_department: str
    deadline: datetime.date
    requirements: str
    issued_by_id: int | None
    issued_by_name: str
    issued_at: datetime.datetime
    acknowledged_by_id: int | None
    acknowledged_by_name: str
    acknowledged_at: datetime.datetime | None
    status: Literal["unacknowledged", "acknowledged", "closed"]
    status_label: str
    hazard_ids: list[int]
    url: str
    pdf_url: str

    @staticmethod
    def resolve_recipient_name(obj):
        return obj.recipient.name if obj.recipient_id else ""

    @staticmethod
    def resolve_issued_by_name(obj):
        return obj.issued_by.get_full_name() if obj.issued_by_id else ""

    @staticmethod
    def resolve_acknowledged_by_name(obj):
        return obj.acknowledged_by.get_full_name() if obj.acknowledged_by_id else ""

    @staticmethod
    def resolve_status(obj):
        return notices.status_key(obj)

    @staticmethod
    def resolve_status_label(obj):
        return str(notices.STATUSES[notices.status_key(obj)])

    @staticmethod
    def resolve_hazard_ids(obj):
        return [h.pk for h in obj.hazards.all()]

    @staticmethod
    def resolve_url(obj):
        return reverse("hazard_notice:notice_detail", args=[obj.pk])

    @staticmethod
    def resolve_pdf_url(obj):
        return reverse("hazard_notice:notice_pdf", args=[obj.pk])


class NoticeDetailOut(NoticeOut):
    hazards: list[HazardOut]

    @staticmethod
    def resolve_hazards(obj):
        return list(obj.hazards.all())


class NoticeFilter(FilterSchema):
    status: Literal["unacknowledged", "acknowledged", "closed"] | None = Field(
        None, description="unacknowledged：未签收；acknowledged：已签收，整改中；closed：已全部销号")
    year: int | None = None
    organisation_id: int | None = None

    def filter_status(self, value):
        return Q()  # applied by the endpoint: it counts the notice's open hazards


def _notices():
    return RectificationNotice.objects.select_related(*NOTICE_RELATED).prefetch_related(
        Prefetch("hazards", queryset=Hazard.objects.select_related(*HAZARD_RELATED)))


@router.get("/notices", response=list[NoticeOut], tags=["整改通知书"])
@paginate(Pagination)
def list_notices(request, filters: Query[NoticeFilter]):
    """Rectification notices the caller may read (the register's readers, issuers, recipients), newest first."""
    rows = filters.filter(readable_notices(request.user, _notices()))
    if filters.status:
        rows = notices.with_status(rows, filters.status)
    return rows.order_by("-year", "-number")


@router.get("/notices/{notice_id}", response={200: NoticeDetailOut, 403: ErrorOut, 404: ErrorOut},
            tags=["整改通知书"])
def get_notice(request, notice_id: int):
    """One notice with its hazards and their states."""
    return readable_notice(request.user, notice_id, _notices())


@router.post("/notices/{notice_id}/acknowledge", response={200: NoticeDetailOut, 403: ErrorOut, 404: ErrorOut},
             tags=["整改通知书"])
def acknowledge_notice(request, notice_id: int):
    """签收: by the recipient person; a department's notice by its staff or the safety office on its behalf.
    Acknowledging again changes nothing."""
    notice = readable_notice(request.user, notice_id, _notices())
    if not notices.may_acknowledge(request.user, notice):
        raise PermissionDenied
    notices.acknowledge(Actor.from_request(request), notice)
    return readable_notice(request.user, notice_id, _notices())
