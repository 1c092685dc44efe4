"""API of inspections: records, submissions, today's and missed tasks, completion rates, checklists,
schedules and QR check-ins.

Reading records needs VIEW_INSPECTIONS, as on the web pages (a submitter may always read their own
inspection); submitting, checking in and reading checklists, schedules and one's own tasks need only
membership of the school. Writes go through `inspections.submit`, the web's own path.
"""

import datetime
import decimal
import uuid
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from campus.models import Place
from core import access
from core.api import ErrorOut, Pagination, ValidationErrorOut, model_validation_error
from core.audit import Actor
from core.tenancy import memberships_of
from grids.models import Grid
from orgs.choices import SCHOOL_KINDS
from orgs.models import Organisation
from orgs.roles import Capability
from people.models import person_of

from . import exports
from .due import Plan, plan_for_person
from .filters import MAX_PLAN_DAYS, visible_schools
from .models import CheckIn, Checklist, ChecklistVersion, Inspection, Schedule
from .record_views import is_grid_leader, missed_tasks, readable_inspection, responsible_people
from .submit import Submission, check_in, submit

router = Router(tags=["inspections"])
VIEW = Capability.VIEW_INSPECTIONS
PLACE = "place__parent__parent__parent"
INSPECTION_RELATED = ("organisation", "version__checklist", "grid", PLACE, "inspector")


# --- schemas ------------------------------------------------------------------------------------------


class CheckInOut(Schema):
    id: int
    organisation_id: int
    client_id: uuid.UUID
    place_id: int
    place_label: str
    person_id: int | None
    person_name: str
    user_id: int | None
    device_time: datetime.datetime | None
    server_time: datetime.datetime
    latitude: float | None
    longitude: float | None
    accuracy: float | None
    flagged: bool
    flag_reason: str

    @staticmethod
    def resolve_place_label(obj):
        return obj.place.full_name

    @staticmethod
    def resolve_person_name(obj):
        return obj.person.name if obj.person_id and obj.person else ""


class InspectionOut(Schema):
    id: int
    organisation_id: int
    client_id: uuid.UUID
    schedule_id: int | None
    checklist_id: int
    checklist_name: str
    version_id: int
    version_number: int
    grid_id: int | None
    place_id: int | None
    target_label: str
    on_date: datetime.date
    inspector_id: int | None
    inspector_name: str
    submitted_by_id: int | None
    device_time: datetime.datetime | None
    received_at: datetime.datetime
    offline: bool = Field(description="手机时间早于服务器接收时间10分钟以上（离线补传）")
    failed_count: int
    major_count: int
    is_zero_report: bool
    remark: str
    check_in_id: int | None
    url: str

    @staticmethod
    def resolve_checklist_id(obj):
        return obj.version.checklist_id

    @staticmethod
    def resolve_checklist_name(obj):
        return obj.version.checklist.name

    @staticmethod
    def resolve_version_number(obj):
        return obj.version.number

    @staticmethod
    def resolve_target_label(obj):
        return exports.target_label(obj)

    @staticmethod
    def resolve_inspector_name(obj):
        return obj.inspector.name if obj.inspector_id and obj.inspector else ""

    @staticmethod
    def resolve_offline(obj):
        return exports.is_offline(obj)

    @staticmethod
    def resolve_url(obj):
        return reverse("inspection_records:inspection_detail", args=[obj.pk])


class AnswerOut(Schema):
    key: str
    position: int
    group: str
    text: str
    answer: str
    label: str
    failed: bool
    is_major: bool
    note: str


class FindingOut(Schema):
    id: int
    item_key: str
    item_text: str
    answer: str
    note: str
    is_major: bool
    on_date: datetime.date


class PhotoOut(Schema):
    id: int
    item_key: str
    url: str
    thumbnail_url: str
    content_type: str
    width: int
    height: int


class InspectionDetailOut(InspectionOut):
    answers: list[AnswerOut]
    findings: list[FindingOut]
    photos: list[PhotoOut]
    check_in: CheckInOut | None

    @staticmethod
    def resolve_answers(obj):
        failed = {f.item_id for f in obj.findings.all()}
        return [{"key": item.key, "position": item.position, "group": item.group, "text": item.text,
                 "answer": obj.answers.get(item.key, ""), "label": item.answer_label(obj.answers.get(item.key, "")),
                 "failed": item.pk in failed, "is_major": item.is_major, "note": obj.notes.get(item.key, "")}
                for item in obj.version.items.all()]

    @staticmethod
    def resolve_findings(obj):
        return [{"id": f.pk, "item_key": f.item.key, "item_text": f.item.text, "answer": f.answer, "note": f.note,
                 "is_major": f.is_major, "on_date": f.on_date} for f in obj.findings.all()]

    @staticmethod
    def resolve_photos(obj):
        return [{"id": p.pk, "item_key": p.item_key, "url": reverse("inspection_records:photo", args=[p.pk]),
                 "thumbnail_url": reverse("inspection_records:photo_thumb", args=[p.pk]),
                 "content_type": p.content_type, "width": p.width, "height": p.height} for p in obj.photos.all()]


class InspectionFilter(FilterSchema):
    since: Annotated[datetime.date | None, FilterLookup("on_date__gte")] = None
    until: Annotated[datetime.date | None, FilterLookup("on_date__lte")] = None
    organisation_id: int | None = None
    grid: Annotated[int | None, FilterLookup("grid_id")] = None
    place: Annotated[int | None, FilterLookup("place_id")] = None
    schedule: Annotated[int | None, FilterLookup("schedule_id")] = None
    checklist: Annotated[int | None, FilterLookup("version__checklist_id")] = None
    inspector: Annotated[int | None, FilterLookup("inspector_id")] = None
    failed: bool | None = Field(None, description="true：有不合格项；false：零报告")
    major: bool | None = Field(None, description="true：有重大隐患项")

    def filter_failed(self, value):
        if value is None:
            return Q()
        return Q(failed_count__gt=0) if value else Q(failed_count=0)

    def filter_major(self, value):
        if value is None:
            return Q()
        return Q(failed_count__gt=0, major_count__gt=0) if value else Q(major_count=0)


# --- inspections ----------------------------------------------------------------------------------------


def _detail_queryset():
    return Inspection.objects.select_related(
        *INSPECTION_RELATED, "check_in__place__parent__parent__parent", "check_in__person",
    ).prefetch_related("version__items", "findings__item", "photos")


@router.get("/inspections", response=list[InspectionOut])
@paginate(Pagination)
def list_inspections(request, filters: Query[InspectionFilter]):
    """Inspection records of the caller's schools, newest first (VIEW_INSPECTIONS)."""
    access.require_capability(request.user, VIEW)
    inspections = access.scoped(request.user, Inspection, VIEW).select_related(*INSPECTION_RELATED)
    return filters.filter(inspections)


@router.get("/inspections/{inspection_id}", response={200: InspectionDetailOut, 403: ErrorOut, 404: ErrorOut})
def get_inspection(request, inspection_id: int):
    """One inspection with every answer (label, failed, note), its findings, photo URLs and check-in."""
    return readable_inspection(request.user, inspection_id, _detail_queryset())


class InspectionIn(Schema):
    client_id: uuid.UUID = Field(description="由手机生成；重复提交同一编号返回第一次的记录")
    version: int = Field(description="排查表版本编号（手机上显示的版本）")
    schedule: int | None = None
    grid: int | None = None
    place: int | None = None
    answers: dict[str, str | int | float | None] = Field(default_factory=dict, description="{排查项编号: 答案}")
    notes: dict[str, str] = Field(default_factory=dict, description="{排查项编号: 说明}")
    remark: str = ""
    device_time: datetime.datetime | None = None
    check_in: uuid.UUID | None = Field(None, description="扫码打卡的 client_id")


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def _require_member(user, school) -> None:
    """Only people of the school (or of a division of it) submit its inspections and check-ins."""
    if not any(m.organisation.path.startswith(school.path) for m in memberships_of(user)):
        raise PermissionDenied


def _of_school(user, model, pk, school, field: str):
    """An object named in a body: through the access helper (404), and of the version's school (422)."""
    if pk is None:
        return None
    queryset = model.objects.select_related("parent__parent") if model is Place else model
    obj = access.get_for_user(user, queryset, pk=pk)
    if obj.organisation_id != school.pk:
        raise ValidationError({field: [_("须与排查表属于同一学校。")]})
    return obj


def _photo_errors(items, answers: dict[str, str]) -> list[str]:
    """The API takes no photos: a failed item that needs one must be sent through the web form."""
    errors = []
    for item in items:
        if not item.photo_on_fail:
            continue
        try:
            _value, failed = item.evaluate(answers.get(item.key, ""))
        except ValueError:
            continue  # submit() names the problem
        if failed:
            errors.append(_("第%(n)d项“%(text)s”：不合格时须拍照，接口不接收照片，请通过网页表单提交。")
                          % {"n": item.position, "text": item.text[:24]})
    return errors


@router.post("/inspections", response={200: InspectionDetailOut, 201: InspectionDetailOut, 403: ErrorOut,
                                       404: ErrorOut, 422: ValidationErrorOut})
def create_inspection(request, data: InspectionIn):
    """Submit an inspection without photos: 201 when recorded, 200 with the first record when the client_id
    was already used; 422 names the items (第N项) that are not answered properly."""
    user = request.user
    found = Inspection.objects.filter(client_id=data.client_id).values_list("pk", flat=True).first()
    if found is not None:
        return Status(200, readable_inspection(user, found, _detail_queryset()))
    version = access.get_for_user(user, ChecklistVersion.objects.select_related("checklist", "organisation"),
                                  pk=data.version)
    school = version.organisation
    _require_member(user, school)
    answers = {key: "" if value is None else str(value) for key, value in data.answers.items()}
    try:
        schedule = _of_school(user, Schedule, data.schedule, school, "schedule")
        grid = _of_school(user, Grid, data.grid, school, "grid")
        place = _of_school(user, Place, data.place, school, "place")
        if schedule is not None and schedule.checklist_id != version.checklist_id:
            raise ValidationError({"schedule": [_("排查计划使用的不是这张排查表。")]})
        if grid is None and place is None:
            raise ValidationError(_("请指定网格或场所。"))
        photo_errors = _photo_errors(list(version.items.all()), answers)
        if photo_errors:
            raise ValidationError(photo_errors)
        person = person_of(user)
        inspection, created = submit(Actor.from_request(request), Submission(
            client_id=data.client_id, version=version, schedule=schedule, grid=grid, place=place,
            inspector=person if person is not None and person.organisation_id == school.pk else None,
            answers=answers, notes=data.notes, remark=data.remark, device_time=_aware(data.device_time),
            check_in=data.check_in))
    except ValidationError as exc:
        return model_validation_error(exc)
    return Status(201 if created else 200, readable_inspection(user, inspection.pk, _detail_queryset()))


# --- tasks, missed checks, rates ----------------------------------------------------------------------


class TaskOut(Schema):
    schedule_id: int
    schedule_name: str
    checklist_id: int
    checklist_name: str
    version_id: int | None
    cadence_label: str
    target_type: Literal["grid", "place"]
    target_id: int
    target_key: str
    target_label: str
    grid_id: int | None
    place_id: int | None
    window_start: datetime.date
    window_end: datetime.date
    required: int
    done: int
    state: str
    state_label: str
    time_from: datetime.time | None
    time_to: datetime.time | None
    url: str


class PersonRef(Schema):
    id: int
    name: str


class MissedOut(TaskOut):
    responsible: list[PersonRef]


def _task(task) -> dict:
    schedule = task.schedule
    return {
        "schedule_id": schedule.pk, "schedule_name": schedule.name, "checklist_id": schedule.checklist_id,
        "checklist_name": schedule.checklist.name, "version_id": schedule.checklist.current_version_id,
        "cadence_label": schedule.cadence_label,
        "target_type": "place" if task.place is not None else "grid",
        "target_id": task.place.pk if task.place is not None else task.grid.pk,
        "target_key": task.target_key, "target_label": task.target_label,
        "grid_id": task.grid.pk if task.grid is not None else None,
        "place_id": task.place.pk if task.place is not None else None,
        "window_start": task.window.start, "window_end": task.window.end, "required": task.window.required,
        "done": task.done, "state": task.state, "state_label": task.state_label,
        "time_from": schedule.time_from, "time_to": schedule.time_to,
        "url": reverse("inspections:task", args=[schedule.pk, task.target_key]),
    }


@router.get("/tasks/today", response=list[TaskOut], tags=["tasks"])
def tasks_today(request):
    """The caller's checks due today (their account's person), the ones still to do first."""
    person = person_of(request.user)
    if person is None:
        return []
    day = timezone.localdate()
    return [_task(t) for t in plan_for_person(person, day).for_person(person.pk, day)]


def _school(user, organisation_id: int | None):
    """The school asked for (404 outside the caller's), else the caller's only school, else None."""
    if organisation_id is not None:
        school = access.get_for_user(user, Organisation, VIEW, pk=organisation_id)
        if school.kind not in SCHOOL_KINDS:
            raise ValidationError({"organisation_id": [_("请选择学校。")]})
        return school
    schools = list(visible_schools(user)[:2])
    return schools[0] if len(schools) == 1 else None


def _range(since, until, default: tuple[datetime.date, datetime.date]):
    since, until = since or default[0], until or default[1]
    if since > until:
        raise ValidationError({"since": [_("起始日期不能晚于截止日期。")]})
    if (until - since).days + 1 > MAX_PLAN_DAYS:
        raise ValidationError({"until": [_("日期范围不能超过%(n)d天。") % {"n": MAX_PLAN_DAYS}]})
    return since, until


class MissedQuery(Schema):
    since: datetime.date | None = Field(None, description="默认昨天")
    until: datetime.date | None = Field(None, description="默认昨天")
    organisation_id: int | None = Field(None, description="学校（教育局账户必填）")


@router.get("/tasks/missed", response=list[MissedOut], tags=["tasks"])
@paginate(Pagination)
def tasks_missed(request, params: Query[MissedQuery]):
    """漏检: a grid leader's own grids, else the whole school (VIEW_INSPECTIONS), latest first."""
    access.require_capability(request.user, VIEW)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    since, until = _range(params.since, params.until, (yesterday, yesterday))
    school = _school(request.user, params.organisation_id)
    plan, tasks = missed_tasks(request.user, school, since, until)
    if plan is None:
        if is_grid_leader(request.user):
            return []
        raise ValidationError({"organisation_id": [_("请指定学校。")]})
    return [{**_task(t), "responsible": [{"id": p.pk, "name": p.name} for p in responsible_people(plan, t)]}
            for t in tasks]


class RatesQuery(Schema):
    by: Literal["school", "grid", "person"] = "grid"
    since: datetime.date | None = Field(None, description="默认本月1日")
    until: datetime.date | None = Field(None, description="默认今天")
    organisation_id: int | None = Field(None, description="学校；教育局账户不填时 by=school 按学校逐行统计")


class RateOut(Schema):
    key: int | None
    label: str
    required: int
    done: int
    missed: int
    percent: float | None
    since: datetime.date
    until: datetime.date


@router.get("/inspection-rates", response={200: list[RateOut], 403: ErrorOut, 404: ErrorOut,
                                           422: ValidationErrorOut}, tags=["tasks"])
def inspection_rates(request, params: Query[RatesQuery]):
    """Completion rates (required, done, missed, percent) worst first; a window counts once ended or done."""
    access.require_capability(request.user, VIEW)
    today = timezone.localdate()
    since, until = _range(params.since, params.until, (today.replace(day=1), today))
    school = _school(request.user, params.organisation_id)
    if school is None:
        if params.by != "school":
            raise ValidationError({"organisation_id": [_("按网格或人员统计时请指定学校。")]})
        rows = []
        for each in visible_schools(request.user):
            rate = next(iter(Plan(each, since, until, today=today).rates("school")), None)
            rows.append({"key": each.pk, "label": each.name, "required": rate.required if rate else 0,
                         "done": rate.done if rate else 0, "missed": rate.missed if rate else 0,
                         "percent": rate.percent if rate else None, "since": since, "until": until})
        rows.sort(key=lambda r: (r["percent"] if r["percent"] is not None else 101, r["label"]))
        return rows
    return [{"key": r.key, "label": r.label, "required": r.required, "done": r.done, "missed": r.missed,
             "percent": r.percent, "since": since, "until": until}
            for r in Plan(school, since, until, today=today).rates(params.by)]


# --- checklists and schedules ---------------------------------------------------------------------------


class ChecklistOut(Schema):
    id: int
    organisation_id: int
    name: str
    topic: str
    topic_label: str
    description: str
    is_active: bool
    current_version_id: int | None
    current_version_number: int | None

    @staticmethod
    def resolve_topic_label(obj):
        return str(obj.get_topic_display())

    @staticmethod
    def resolve_current_version_number(obj):
        return obj.current_version.number if obj.current_version_id and obj.current_version else None


class ItemOut(Schema):
    key: str
    position: int
    group: str
    text: str
    guidance: str
    kind: str
    unit: str
    min_value: float | None
    max_value: float | None
    limits_label: str
    options: list[str]
    fail_options: list[str]
    is_major: bool
    photo_on_fail: bool
    note_on_fail: bool

    @staticmethod
    def resolve_min_value(obj):
        return float(obj.min_value) if obj.min_value is not None else None

    @staticmethod
    def resolve_max_value(obj):
        return float(obj.max_value) if obj.max_value is not None else None


class ChecklistDetailOut(ChecklistOut):
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.current_version.items.all()) if obj.current_version_id and obj.current_version else []


class ChecklistFilter(FilterSchema):
    organisation_id: int | None = None
    topic: str | None = None
    is_active: bool | None = None


@router.get("/checklists", response=list[ChecklistOut], tags=["checklists"])
@paginate(Pagination)
def list_checklists(request, filters: Query[ChecklistFilter]):
    checklists = access.scoped(request.user, Checklist).select_related("current_version")
    return filters.filter(checklists).order_by("organisation_id", "topic", "name")


@router.get("/checklists/{checklist_id}", response={200: ChecklistDetailOut, 404: ErrorOut}, tags=["checklists"])
def get_checklist(request, checklist_id: int):
    """A checklist with its current version's items (what a phone shows and answers)."""
    checklists = Checklist.objects.select_related("current_version").prefetch_related("current_version__items")
    return access.get_for_user(request.user, checklists, pk=checklist_id)


class ScheduleOut(Schema):
    id: int
    organisation_id: int
    name: str
    checklist_id: int
    cadence: str
    cadence_label: str
    weekdays: str
    nth: int | None
    weekday: int | None
    times_per_term: int
    per_window: int
    day_rule: str
    time_from: datetime.time | None
    time_to: datetime.time | None
    grid_ids: list[int]
    grid_kind: str
    place_ids: list[int]
    key_locations: bool
    roles: list[str]
    start: datetime.date
    end: datetime.date | None
    is_active: bool

    @staticmethod
    def resolve_grid_ids(obj):
        return [g.pk for g in obj.grids.all()]

    @staticmethod
    def resolve_place_ids(obj):
        return [p.pk for p in obj.places.all()]

    @staticmethod
    def resolve_roles(obj):
        return obj.role_list


class ScheduleFilter(FilterSchema):
    organisation_id: int | None = None
    checklist_id: int | None = None
    is_active: bool | None = None


@router.get("/schedules", response=list[ScheduleOut], tags=["checklists"])
@paginate(Pagination)
def list_schedules(request, filters: Query[ScheduleFilter]):
    schedules = access.scoped(request.user, Schedule).prefetch_related("grids", "places")
    return filters.filter(schedules).order_by("organisation_id", "name")


# --- check-ins ------------------------------------------------------------------------------------------


class CheckInFilter(FilterSchema):
    flagged: bool | None = None
    since: Annotated[datetime.datetime | None, FilterLookup("server_time__gte")] = None
    until: Annotated[datetime.datetime | None, FilterLookup("server_time__lt")] = None
    organisation_id: int | None = None
    place: Annotated[int | None, FilterLookup("place_id")] = None


def _check_ins():
    return CheckIn.objects.select_related(PLACE, "person")


@router.get("/check-ins", response=list[CheckInOut], tags=["check-ins"])
@paginate(Pagination)
def list_check_ins(request, filters: Query[CheckInFilter]):
    """QR check-ins of the caller's schools, newest first (VIEW_INSPECTIONS); `flagged=true` for the odd ones."""
    access.require_capability(request.user, VIEW)
    return filters.filter(access.scoped(request.user, _check_ins(), VIEW))


class CheckInIn(Schema):
    client_id: uuid.UUID
    place_token: str | None = Field(None, description="场所二维码令牌（扫码所得）")
    place: int | None = Field(None, description="或场所编号")
    device_time: datetime.datetime | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy: float | None = Field(None, ge=0, le=100000, description="定位精度（米）")


def _coordinate(value: float | None) -> decimal.Decimal | None:
    return decimal.Decimal(str(value)).quantize(decimal.Decimal("0.000001")) if value is not None else None


def _own_check_in(user, scan: CheckIn) -> CheckIn:
    if scan.user_id != user.pk and not access.scoped(user, CheckIn, VIEW).filter(pk=scan.pk).exists():
        raise Http404
    return _check_ins().get(pk=scan.pk)


@router.post("/check-ins", response={200: CheckInOut, 201: CheckInOut, 403: ErrorOut, 404: ErrorOut,
                                     422: ValidationErrorOut}, tags=["check-ins"])
def create_check_in(request, data: CheckInIn):
    """Record a QR scan (flagged, never refused, when out of the expected window): 201, or 200 for a
    client_id already recorded."""
    user = request.user
    existing = CheckIn.objects.filter(client_id=data.client_id).first()
    if existing is not None:
        return Status(200, _own_check_in(user, existing))
    places = Place.objects.select_related("organisation")
    if data.place_token:
        place = access.get_for_user(user, places, qr_token=data.place_token)
    elif data.place is not None:
        place = access.get_for_user(user, places, pk=data.place)
    else:
        return model_validation_error(ValidationError({"place_token": [_("请提供场所二维码令牌或场所编号。")]}))
    _require_member(user, place.organisation)
    person = person_of(user)
    scan, created = check_in(
        Actor.from_request(request), place=place, client_id=data.client_id,
        person=person if person is not None and person.organisation_id == place.organisation_id else None,
        device_time=_aware(data.device_time), latitude=_coordinate(data.latitude),
        longitude=_coordinate(data.longitude), accuracy=data.accuracy)
    return Status(201 if created else 200, _own_check_in(user, scan))
