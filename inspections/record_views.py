"""Inspection records (排查记录) for those who oversee them: the filtered list and its export, one
record with its answers and photos, missed checks (漏检), completion rates, findings and QR check-ins.

Reading needs VIEW_INSPECTIONS, checked before any lookup (403), then every row comes through
`core.access` (404 outside the user's schools). The one exception: whoever submitted an inspection
may always see its photos (a grid member's own patrol pages show them).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core import access
from core.audit import Actor
from core.paging import page_context
from orgs.roles import Capability, Role
from people.models import person_of

from . import exports
from .due import Plan, grids_led_by
from .filters import (
    CheckInFilterForm,
    FindingFilterForm,
    InspectionFilterForm,
    MissedFilterForm,
    RatesFilterForm,
    filter_data,
)
from .models import CheckIn, Finding, Inspection, Photo

VIEW = Capability.VIEW_INSPECTIONS
NAV = "inspection_records"
PLACE = "place__parent__parent__parent"  # enough for full_name: area/building/floor/room
INSPECTION_RELATED = ("organisation", "version__checklist", "schedule", "grid", PLACE, "inspector", "submitted_by")


def _template(request, name: str) -> str:
    """The page; for htmx its results, or the form and results when the school select changed."""
    if request.htmx:
        return f"{name}#{'records' if request.htmx.target == 'records' else 'results'}"
    return name


def is_grid_leader(user) -> bool:
    membership = user.primary_membership()
    return membership is not None and membership.role == Role.GRID_LEADER


def _filtered(request, form_class, url_name: str, model, *, first_visit: dict | None = None):
    data = filter_data(request.GET, form_class.defaults(), first_visit=first_visit)
    form = form_class(request.user, data, url=reverse(url_name))
    rows = access.scoped(request.user, model, VIEW)
    return form, (form.filter(rows) if form.is_valid() else rows.none())


def _annotate(page, **attributes):
    """Evaluate the page once and attach display values (computed in Python, no extra queries)."""
    page.object_list = list(page.object_list)
    for obj in page.object_list:
        for name, compute in attributes.items():
            setattr(obj, name, compute(obj))


# --- records ---------------------------------------------------------------------------------------


def _inspections(request):
    form, inspections = _filtered(request, InspectionFilterForm, "inspection_records:inspection_list", Inspection)
    return form, inspections.select_related(*INSPECTION_RELATED)


@login_required
def inspection_list(request):
    access.require_capability(request.user, VIEW)
    form, inspections = _inspections(request)
    context = {"form": form, "nav_active": NAV, "tab": "records", **page_context(request, inspections)}
    _annotate(context["page"], offline=exports.is_offline, target=exports.target_label)
    return render(request, _template(request, "inspections/records/inspection_list.html"), context)


@login_required
def inspection_export(request):
    access.require_capability(request.user, VIEW)
    form, inspections = _inspections(request)
    findings = (Finding.objects.filter(inspection__in=inspections.values("pk"))
                .select_related("organisation", "item", "grid", PLACE, "inspection__version__checklist")
                .order_by("-on_date", "inspection_id", "item__position"))
    return exports.inspections_workbook_response(Actor.from_request(request), inspections, findings,
                                                 organisation=form.school)


@dataclass
class AnswerRow:
    item: object
    value: str
    label: str
    failed: bool
    note: str
    photos: list = field(default_factory=list)


@login_required
def inspection_detail(request, pk: int):
    access.require_capability(request.user, VIEW)
    inspection = access.get_for_user(
        request.user,
        Inspection.objects.select_related(*INSPECTION_RELATED, "check_in__place__parent__parent__parent",
                                          "check_in__person", "check_in__user"),
        VIEW, pk=pk)
    failed = {f.item_id for f in inspection.findings.all()}
    photos: dict[str, list] = defaultdict(list)
    for photo in inspection.photos.all():
        photos[photo.item_key].append(photo)
    groups: list[tuple[str, list[AnswerRow]]] = []
    for item in inspection.version.items.all():
        value = inspection.answers.get(item.key, "")
        row = AnswerRow(item, value, item.answer_label(value), item.pk in failed, inspection.notes.get(item.key, ""),
                        photos.pop(item.key, []))
        if groups and groups[-1][0] == item.group:
            groups[-1][1].append(row)
        else:
            groups.append((item.group, [row]))
    return render(request, "inspections/records/inspection_detail.html", {
        "inspection": inspection, "groups": groups, "nav_active": NAV, "tab": "records",
        "general_photos": [p for rest in photos.values() for p in rest],  # of the whole check ("")
        "offline": exports.is_offline(inspection), "target": exports.target_label(inspection),
        "result": exports.result_label(inspection),
    })


# --- photos ----------------------------------------------------------------------------------------


def readable_inspection(user, pk: int, queryset=None) -> Inspection:
    """An inspection the user may read: in their schools with VIEW_INSPECTIONS, or one they submitted."""
    queryset = queryset if queryset is not None else Inspection.objects.all()
    visible = access.scoped(user, queryset) | queryset.filter(submitted_by=user)
    inspection = visible.filter(pk=pk).first()
    if inspection is None:
        access.require_capability(user, VIEW)  # who may read no records at all is refused alike for any id
        raise Http404
    if inspection.submitted_by_id != user.pk:
        access.require_capability(user, VIEW, inspection.organisation)
    return inspection


def readable_photo(user, pk: int) -> Photo:
    """A photo the user may see: in their schools with VIEW_INSPECTIONS, or of their own inspection."""
    visible = access.scoped(user, Photo) | Photo.objects.filter(inspection__submitted_by=user)
    photo = visible.select_related("organisation", "inspection").filter(pk=pk).first()
    if photo is None:
        access.require_capability(user, VIEW)  # who may read no records at all is refused alike for any id
        raise Http404
    if photo.inspection.submitted_by_id != user.pk:
        access.require_capability(user, VIEW, photo.organisation)
    return photo


@login_required
def photo(request, pk: int):
    return readable_photo(request.user, pk).response()


@login_required
def photo_thumb(request, pk: int):
    return readable_photo(request.user, pk).response(thumbnail=True)


# --- missed checks ---------------------------------------------------------------------------------


def missed_scope(user, school, day: datetime.date):
    """(school, grid ids — None for the whole school) whose missed checks the user sees, or None.

    A user whose highest role is grid leader sees the grids they lead (and those below), whatever
    school is asked for; everyone else the school (a bureau user must pick one)."""
    if is_grid_leader(user):
        person = person_of(user)
        if person is None:
            return None
        return person.organisation, grids_led_by(person, day)
    if school is None:
        return None
    return school, None


def missed_tasks(user, school, since: datetime.date, until: datetime.date):
    """(plan, tasks) of the missed checks the user sees, latest first; (None, []) when there is no scope."""
    scope = missed_scope(user, school, until)
    if scope is None:
        return None, []
    school, grid_ids = scope
    plan = Plan(school, since, until)
    tasks = plan.missed() if grid_ids is None else plan.missed_for_grids(grid_ids)
    tasks.sort(key=lambda t: (-t.window.end.toordinal(), t.schedule.name, t.target_label))
    return plan, tasks


def responsible_people(plan, task) -> list:
    """Who answered for a missed task: the holders on its window's last day."""
    return sorted((plan.people[pk] for pk in plan.responsible(task, task.window.end)), key=lambda p: p.name)


@login_required
def missed(request):
    access.require_capability(request.user, VIEW)
    data = filter_data(request.GET, MissedFilterForm.defaults())
    form = MissedFilterForm(request.user, data, url=reverse("inspection_records:missed"))
    context = {"form": form, "nav_active": NAV, "tab": "missed", "page": None, "query": "",
               "grid_leader": is_grid_leader(request.user), "no_person": False}
    if form.is_valid():
        since, until = form.period()
        plan, tasks = missed_tasks(request.user, form.school, since, until)
        context.update(since=since, until=until, plan=plan, no_person=context["grid_leader"] and plan is None)
        if plan is not None:
            context.update(page_context(request, tasks))
            _annotate(context["page"], people=lambda task: responsible_people(plan, task))
    return render(request, _template(request, "inspections/records/missed.html"), context)


# --- completion rates ------------------------------------------------------------------------------


@dataclass
class RateRow:
    key: object
    label: str
    required: int
    done: int
    missed: int
    percent: float | None
    period: str
    url: str = ""


def _period_label(start: datetime.date, end: datetime.date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()} – {end.isoformat()}"


def _drill_url(request, school) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query["organisation"] = str(school.pk)
    query["by"] = "grid"
    return "?" + query.urlencode()


def rate_rows(request, form) -> tuple[str, list[RateRow], str]:
    """(by, rows sorted worst first, period). A bureau without a school picked: one row per school, each
    with its own period (a term is the school's own) and a Plan each."""
    today = timezone.localdate()
    if form.school is None:
        rows = []
        for school in form.schools:
            start, end = form.dates(school, today)
            rate = next(iter(Plan(school, start, end, today=today).rates("school")), None)
            figures = (rate.required, rate.done, rate.missed, rate.percent) if rate else (0, 0, 0, None)
            rows.append(RateRow(school.pk, school.name, *figures, _period_label(start, end),
                                url=_drill_url(request, school)))
        rows.sort(key=lambda r: (r.percent if r.percent is not None else 101, r.label))
        return "school", rows, ""
    by = form.cleaned_data.get("by") or "grid"
    start, end = form.dates(form.school, today)
    period = _period_label(start, end)
    rates = Plan(form.school, start, end, today=today).rates(by)
    return by, [RateRow(r.key, r.label, r.required, r.done, r.missed, r.percent, period) for r in rates], period


def _rates_form(request):
    data = filter_data(request.GET, RatesFilterForm.defaults())
    return RatesFilterForm(request.user, data, url=reverse("inspection_records:rates"))


BY_LABELS = {"grid": gettext_lazy("网格"), "person": gettext_lazy("人员"), "school": gettext_lazy("学校")}


@login_required
def rates(request):
    access.require_capability(request.user, VIEW)
    form = _rates_form(request)
    by, rows, period = rate_rows(request, form) if form.is_valid() else ("grid", [], "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, _template(request, "inspections/records/rates.html"), {
        "form": form, "rows": rows, "by": by, "by_label": BY_LABELS[by], "nav_active": NAV, "tab": "rates",
        "period": period, "query": query.urlencode(), "overview": form.is_bureau and form.school is None,
    })


@login_required
def rates_export(request):
    access.require_capability(request.user, VIEW)
    form = _rates_form(request)
    by, rows, period = rate_rows(request, form) if form.is_valid() else ("grid", [], "")
    return exports.rates_workbook_response(Actor.from_request(request), rows, by_label=str(BY_LABELS[by]),
                                           period=period, organisation=form.school)


# --- findings and check-ins ------------------------------------------------------------------------


@login_required
def findings(request):
    access.require_capability(request.user, VIEW)
    form, rows = _filtered(request, FindingFilterForm, "inspection_records:findings", Finding)
    rows = rows.select_related("organisation", "item", "grid", PLACE, "inspection__version__checklist")
    context = {"form": form, "nav_active": NAV, "tab": "findings", **page_context(request, rows)}
    _annotate(context["page"], target=exports.target_label)
    return render(request, _template(request, "inspections/records/findings.html"), context)


@login_required
def checkins(request):
    access.require_capability(request.user, VIEW)
    # A grid leader opens this page to see what is out of the ordinary.
    first_visit = {"flagged": "on"} if is_grid_leader(request.user) else None
    form, rows = _filtered(request, CheckInFilterForm, "inspection_records:checkins", CheckIn,
                           first_visit=first_visit)
    rows = rows.select_related("organisation", PLACE, "person", "user")
    context = {"form": form, "nav_active": NAV, "tab": "checkins", **page_context(request, rows)}
    return render(request, _template(request, "inspections/records/checkins.html"), context)
