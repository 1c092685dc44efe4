"""Setting up inspections: checklists and their versions, schedules, the school calendar, QR plates.

Reading needs VIEW_INSPECTIONS, every write MANAGE_INSPECTIONS (checked first: a user without it is
refused, 403); objects are fetched through `core.access` (another school's id is a 404). A school
user creates in their own school; a bureau user reads and picks a school with ?org=.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campus.choices import AREA_KINDS
from campus.models import Place
from core import access
from core.actions import create_object, delete_object, save_form, update_object
from core.audit import Actor, AuditAction, record
from core.crud import errors_text, form_page
from core.paging import page_context
from core.pdf import pdf_response
from grids.choices import AssignmentRole
from grids.models import Grid
from grids.views import school_from_request
from orgs.choices import OrgKind
from orgs.models import Organisation
from orgs.roles import Capability

from . import checklists as checklist_actions
from .cadence import SchoolCalendar, days, windows
from .choices import HolidayKind, Topic
from .due import Plan
from .forms import ChecklistForm, HolidayForm, ItemForm, ItemFormSet, PublishForm, ScheduleForm, TermForm
from .models import Checklist, ChecklistItem, ChecklistVersion, Holiday, Schedule, Term
from .plates import SHOWN_HOW, Plate, render_plates

VIEW = Capability.VIEW_INSPECTIONS
MANAGE = Capability.MANAGE_INSPECTIONS
WINDOW_DAYS = 14


# --- access ---------------------------------------------------------------------------------------

def _fetch(request, model_or_qs, capability: str, **lookup):
    """An object for a page: refused (403) without the capability at all, 404 outside the user's schools."""
    access.require_capability(request.user, capability)
    return access.get_for_user(request.user, model_or_qs, capability, **lookup)


def _own_school(request) -> Organisation:
    """The school a manager creates in: their own (primary) organisation, never a bureau."""
    access.require_capability(request.user, MANAGE)
    membership = request.user.primary_membership()
    if membership is None or membership.organisation.kind == OrgKind.BUREAU:
        raise PermissionDenied
    school = membership.organisation
    access.require_capability(request.user, MANAGE, school)
    return school


def _school_or_pick(request):
    """(school, schools to pick from): a school user's own school, or for a bureau user ?org= or a list."""
    access.require_capability(request.user, VIEW)
    school = school_from_request(request)
    if school is not None:
        access.require_capability(request.user, VIEW, school)
        return school, None
    schools = access.scoped(request.user, Organisation, VIEW).exclude(
        kind__in=[OrgKind.BUREAU, OrgKind.DIVISION]).order_by("path")
    return None, schools


def _can_manage(request, organisation=None) -> bool:
    return request.user.has_capability(MANAGE, organisation)


def _actor(request) -> Actor:
    return Actor.from_request(request)


# --- checklists -----------------------------------------------------------------------------------

def _count_items(**filters):
    items = ChecklistItem.objects.filter(version=OuterRef("current_version"), **filters).order_by().values(
        "version").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(items, output_field=IntegerField()), Value(0))


def _with_counts(checklists):
    schedules = Schedule.objects.filter(checklist=OuterRef("pk")).order_by().values("checklist").annotate(
        n=Count("pk")).values("n")
    return checklists.select_related("organisation", "current_version").annotate(
        item_count=_count_items(), major_count=_count_items(is_major=True),
        schedule_count=Coalesce(Subquery(schedules, output_field=IntegerField()), Value(0)))


@login_required
def checklist_list(request):
    access.require_capability(request.user, VIEW)
    checklists = _with_counts(access.scoped(request.user, Checklist, VIEW)).order_by(
        "organisation__path", "-is_active", "topic", "name")
    return render(request, "inspections/setup/checklist_list.html", {
        **page_context(request, checklists), "can_manage": _can_manage(request), "tab": "checklists",
        "nav_active": "inspection_setup", "many_schools": _many_schools(request)})


def _many_schools(request) -> bool:
    membership = request.user.primary_membership()
    return membership is None or membership.organisation.kind in (OrgKind.BUREAU, OrgKind.CENTRAL_SCHOOL)


@login_required
def standard_list(request):
    """The shipped standard checklists, each with a button copying it into the user's school."""
    access.require_capability(request.user, VIEW)
    can_manage = _can_manage(request)
    taken = set()
    membership = request.user.primary_membership()
    if can_manage and membership is not None:
        taken = set(access.scoped(request.user, Checklist, MANAGE).filter(
            organisation=membership.organisation).values_list("name", flat=True))
    standards = []
    for data in checklist_actions.standard_checklists():
        items = data["items"]
        standards.append({
            "key": data["key"], "name": data["name"], "description": data.get("description", ""),
            "topic": _topic_label(data.get("topic", "")), "item_count": len(items),
            "major_items": [i["text"] for i in items if i.get("major")], "taken": data["name"] in taken,
            "groups": list(dict.fromkeys(i["group"] for i in items)),
        })
    return render(request, "inspections/setup/standard_list.html", {
        "standards": standards, "can_manage": can_manage, "tab": "checklists", "nav_active": "inspection_setup"})


def _topic_label(value: str) -> str:
    return str(Topic(value).label) if value in Topic.values else value


@login_required
@require_POST
def standard_copy(request):
    """Copy the standard checklist named by the posted `key` into the user's school (version 1)."""
    school = _own_school(request)
    key = request.POST.get("key", "")
    try:
        checklist_actions.standard(key)
    except KeyError:
        raise Http404 from None
    try:
        checklist = checklist_actions.copy_standard(_actor(request), school, key)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("inspection_setup:standard_list")
    messages.success(request, _("已复制“%(name)s”，共%(n)d项。可以按本校情况修改。") % {
        "name": checklist.name, "n": checklist.current_version.items.count()})
    return redirect("inspection_setup:checklist_detail", pk=checklist.pk)


@login_required
def checklist_create(request):
    school = _own_school(request)
    form = ChecklistForm(request.POST or None, user=request.user, school=school)
    return form_page(request, form, save=lambda f: save_form(_actor(request), f), title=_("新建排查表"),
                     success=lambda c: reverse("inspection_setup:checklist_items", args=[c.pk]),
                     cancel_url=reverse("inspection_setup:checklist_list"),
                     template="inspections/setup/form.html", context={"tab": "checklists"})


@login_required
def checklist_edit(request, pk):
    checklist = _fetch(request, Checklist, MANAGE, pk=pk)
    form = ChecklistForm(request.POST or None, user=request.user, instance=checklist)
    return form_page(request, form, save=lambda f: save_form(_actor(request), f),
                     title=_("编辑排查表：%(name)s") % {"name": checklist.name},
                     success=lambda c: reverse("inspection_setup:checklist_detail", args=[c.pk]),
                     cancel_url=reverse("inspection_setup:checklist_detail", args=[pk]),
                     template="inspections/setup/form.html", context={"tab": "checklists"})


def _grouped(items) -> list[tuple[str, list]]:
    """Items by group, groups in the order they first appear."""
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    return list(groups.items())


@login_required
def checklist_detail(request, pk):
    checklist = _fetch(request, Checklist.objects.select_related("organisation", "current_version"), VIEW, pk=pk)
    version = checklist.current_version
    items = list(version.items.all()) if version else []
    versions = checklist.versions.select_related("created_by").annotate(item_count=Count("items"))
    return render(request, "inspections/setup/checklist_detail.html", {
        "checklist": checklist, "version": version, "groups": _grouped(items), "item_count": len(items),
        "major_count": sum(1 for i in items if i.is_major), "versions": versions,
        "schedules": checklist.schedules.order_by("name"), "can_manage": _can_manage(request, checklist.organisation),
        "tab": "checklists", "nav_active": "inspection_setup"})


@login_required
def version_detail(request, pk):
    version = _fetch(request, ChecklistVersion.objects.select_related("checklist", "created_by", "organisation"),
                     VIEW, pk=pk)
    items = list(version.items.all())
    return render(request, "inspections/setup/version_detail.html", {
        "version": version, "checklist": version.checklist, "groups": _grouped(items), "item_count": len(items),
        "major_count": sum(1 for i in items if i.is_major),
        "is_current": version.checklist.current_version_id == version.pk,
        "inspection_count": version.inspections.count(), "tab": "checklists", "nav_active": "inspection_setup"})


def new_item_keys(checklist: Checklist, count: int) -> list[str]:
    """Keys for new items: `<prefix>-NN`, never one used by any version of the checklist (a key ties an
    item's results across versions, so a removed item's key is not handed to a different item)."""
    used = set(ChecklistItem.objects.filter(version__checklist=checklist).values_list("key", flat=True))
    prefix = (checklist.standard_key or "item")[:24]
    keys, n = [], 0
    while len(keys) < count:
        n += 1
        key = f"{prefix}-{n:02d}"
        if key not in used:
            keys.append(key)
            used.add(key)
    return keys


def _items_from(formset: ItemFormSet, checklist: Checklist) -> list[dict]:
    """The items to publish, in the order given by 序号 (new rows without one go at the end)."""
    rows = []
    for index, form in enumerate(formset.forms):
        if not form.is_existing and not form.has_changed():
            continue  # an untouched blank row
        if formset._should_delete_form(form):
            continue
        values = form.item_values()
        values["key"] = form.cleaned_data.get("key") or ""
        # A new item numbered like an existing one is inserted before it (序号 3 → it becomes item 3).
        rows.append((form.cleaned_data.get("position") or 10_000, 1 if form.is_existing else 0, index, values))
    rows.sort(key=lambda row: row[:3])
    items = [row[3] for row in rows]
    fresh = [values for values in items if not values["key"]]
    for values, key in zip(fresh, new_item_keys(checklist, len(fresh)), strict=True):
        values["key"] = key
    return items


@login_required
def checklist_items(request, pk):
    """The item editor: every item of the current version as a card, three blank ones to add, a note.
    Saving publishes a new version; the versions before it stay exactly as they were."""
    checklist = _fetch(request, Checklist.objects.select_related("current_version"), MANAGE, pk=pk)
    current = checklist.current_version
    initial = [ItemForm.initial_for(item) for item in current.items.all()] if current else []
    base = current.number if current else 0
    publish_error = None
    if request.method == "POST":
        formset = ItemFormSet(request.POST, initial=initial, prefix="items")
        note_form = PublishForm(request.POST)
        if formset.is_valid() and note_form.is_valid():
            if (note_form.cleaned_data["base_version"] or 0) != base:
                publish_error = _("排查表已被他人修改为第%(n)d版，请重新打开编辑页后再改。") % {"n": base}
            else:
                try:
                    version = checklist_actions.publish(_actor(request), checklist, _items_from(formset, checklist),
                                                        note=note_form.cleaned_data["note"])
                except ValidationError as exc:
                    publish_error = errors_text(exc)
                else:
                    if version is None:
                        messages.info(request, _("没有改动，未发布新版本。"))
                    else:
                        messages.success(request, _("已发布第%(n)d版，共%(count)d项。") % {
                            "n": version.number, "count": len(version.items.all())})
                    return redirect("inspection_setup:checklist_detail", pk=checklist.pk)
    else:
        formset = ItemFormSet(initial=initial, prefix="items")
        note_form = PublishForm(initial={"base_version": base})
    return render(request, "inspections/setup/checklist_items.html", {
        "checklist": checklist, "current": current, "formset": formset, "note_form": note_form,
        "publish_error": publish_error, "tab": "checklists", "nav_active": "inspection_setup"})


# --- schedules ------------------------------------------------------------------------------------

ROLE_LABELS = dict(AssignmentRole.choices)


def role_labels(schedule: Schedule) -> list[str]:
    return [str(ROLE_LABELS.get(r, r)) for r in schedule.role_list]


def target_labels(schedule: Schedule) -> list[str]:
    """What a schedule is done on, in words (from prefetched grids and places)."""
    labels = []
    grids = [g.name for g in schedule.grids.all()]
    if grids:
        labels.append(_("网格：%(names)s") % {"names": "、".join(grids)})
    if schedule.grid_kind:
        labels.append(_("全部%(kind)s") % {"kind": schedule.get_grid_kind_display()})
    places = [p.name for p in schedule.places.all()]
    if places:
        labels.append(_("场所：%(names)s") % {"names": "、".join(places)})
    if schedule.key_locations:
        labels.append(_("全部重点部位"))
    return labels


@login_required
def schedule_list(request):
    access.require_capability(request.user, VIEW)
    schedules = access.scoped(request.user, Schedule, VIEW).select_related("checklist", "organisation")
    schedules = schedules.prefetch_related(
        Prefetch("grids", queryset=Grid.objects.order_by("level", "name")),
        Prefetch("places", queryset=Place.objects.order_by("code")),
    ).order_by("organisation__path", "-is_active", "name")
    context = page_context(request, schedules)
    rows = [(s, target_labels(s), role_labels(s)) for s in context["page"]]
    return render(request, "inspections/setup/schedule_list.html", {
        **context, "rows": rows, "can_manage": _can_manage(request), "tab": "schedules",
        "nav_active": "inspection_setup", "many_schools": _many_schools(request)})


@transaction.atomic
def save_schedule(actor: Actor, form: ScheduleForm) -> Schedule:
    """Create or update a schedule with its grids and places; the audit entry of an edit names the
    grids and places before and after (the generic update records only the schedule's own fields)."""
    links = {name: list(form.cleaned_data[name]) for name in ("grids", "places")}
    if form.instance.pk is None:
        schedule = create_object(actor, form.save(commit=False))
        for name, objects in links.items():
            getattr(schedule, name).set(objects)
        return schedule
    schedule = form.instance
    values = {name: form.cleaned_data[name] for name in form.changed_data
              if name in form.cleaned_data and name not in links}
    schedule = update_object(actor, Schedule.objects.get(pk=schedule.pk), **values)
    changes = {}
    for name, objects in links.items():
        manager = getattr(schedule, name)
        before = list(manager.all())
        if {o.pk for o in before} != {o.pk for o in objects}:
            manager.set(objects)
            changes[name] = [sorted(str(o) for o in before), sorted(str(o) for o in objects)]
    if changes:
        record(actor, AuditAction.UPDATE, schedule, changes=changes)
    return schedule


def _schedule_form_page(request, form, title, cancel_url):
    return form_page(request, form, save=lambda f: save_schedule(_actor(request), f), title=title,
                     success=lambda s: reverse("inspection_setup:schedule_detail", args=[s.pk]),
                     cancel_url=cancel_url, template="inspections/setup/schedule_form.html",
                     context={"tab": "schedules"})


@login_required
def schedule_create(request):
    school = _own_school(request)
    initial = {"start": timezone.localdate()}
    if request.GET.get("checklist"):
        initial["checklist"] = request.GET["checklist"]
    form = ScheduleForm(request.POST or None, user=request.user, school=school, initial=initial)
    return _schedule_form_page(request, form, _("新建排查计划"), reverse("inspection_setup:schedule_list"))


@login_required
def schedule_edit(request, pk):
    schedule = _fetch(request, Schedule, MANAGE, pk=pk)
    form = ScheduleForm(request.POST or None, user=request.user, instance=schedule)
    return _schedule_form_page(request, form, _("编辑排查计划：%(name)s") % {"name": schedule.name},
                               reverse("inspection_setup:schedule_detail", args=[pk]))


@login_required
def schedule_detail(request, pk):
    schedule = _fetch(request, Schedule.objects.select_related("checklist__current_version", "organisation")
                      .prefetch_related("grids", "places"), VIEW, pk=pk)
    school = schedule.organisation
    today = timezone.localdate()
    upcoming = windows(schedule, SchoolCalendar.load(school), today, today + datetime.timedelta(days=WINDOW_DAYS - 1))
    tasks = []
    if schedule.is_active:
        plan = Plan(school, today, today, today=today, schedules=Schedule.objects.filter(pk=schedule.pk))
        for task in plan.on(today):
            people = sorted(plan.people[pk].name for pk in plan.responsible(task, today) if pk in plan.people)
            tasks.append((task, people))
    return render(request, "inspections/setup/schedule_detail.html", {
        "schedule": schedule, "targets": target_labels(schedule), "roles": role_labels(schedule),
        "windows": upcoming, "tasks": tasks, "today": today, "window_days": WINDOW_DAYS,
        "can_manage": _can_manage(request, school), "tab": "schedules", "nav_active": "inspection_setup"})


# --- the school calendar --------------------------------------------------------------------------

@login_required
def calendar(request):
    school, schools = _school_or_pick(request)
    terms, holidays = [], []
    if school is not None:
        cal = SchoolCalendar.load(school)
        for term in access.scoped(request.user, Term, VIEW).filter(organisation=school).order_by("start"):
            school_days = sum(1 for day in days(term.start, term.end) if cal.is_school_day(day))
            terms.append((term, school_days))
        for holiday in access.scoped(request.user, Holiday, VIEW).filter(organisation=school).order_by("start"):
            holidays.append((holiday, (holiday.end - holiday.start).days + 1))
    return render(request, "inspections/setup/calendar.html", {
        "school": school, "schools": schools, "terms": terms, "holidays": holidays,
        "workday": HolidayKind.WORKDAY, "can_manage": school is not None and _can_manage(request, school),
        "tab": "calendar", "nav_active": "inspection_setup"})


def _calendar_form(request, form_class, *, title, instance=None):
    school = instance.organisation if instance is not None else _own_school(request)
    form = form_class(request.POST or None, user=request.user, instance=instance, school=school)
    return form_page(request, form, save=lambda f: save_form(_actor(request), f), title=title,
                     success=lambda obj: reverse("inspection_setup:calendar"),
                     cancel_url=reverse("inspection_setup:calendar"), template="inspections/setup/form.html",
                     context={"tab": "calendar"})


def _delete_page(request, obj, *, what: str):
    """GET asks to confirm; POST deletes (audited) and returns to the calendar."""
    if request.method == "POST":
        delete_object(_actor(request), obj)
        messages.success(request, _("已删除%(what)s“%(name)s”。") % {"what": what, "name": obj.name})
        return redirect("inspection_setup:calendar")
    return render(request, "inspections/setup/confirm_delete.html", {
        "object": obj, "what": what, "cancel_url": reverse("inspection_setup:calendar"), "tab": "calendar",
        "nav_active": "inspection_setup"})


@login_required
def term_create(request):
    return _calendar_form(request, TermForm, title=_("新增学期"))


@login_required
def term_edit(request, pk):
    term = _fetch(request, Term.objects.select_related("organisation"), MANAGE, pk=pk)
    return _calendar_form(request, TermForm, title=_("编辑学期：%(name)s") % {"name": term.name}, instance=term)


@login_required
def term_delete(request, pk):
    term = _fetch(request, Term, MANAGE, pk=pk)
    return _delete_page(request, term, what=_("学期"))


@login_required
def holiday_create(request):
    return _calendar_form(request, HolidayForm, title=_("新增假日或调休"))


@login_required
def holiday_edit(request, pk):
    holiday = _fetch(request, Holiday.objects.select_related("organisation"), MANAGE, pk=pk)
    return _calendar_form(request, HolidayForm, title=_("编辑：%(name)s") % {"name": holiday.name},
                          instance=holiday)


@login_required
def holiday_delete(request, pk):
    holiday = _fetch(request, Holiday, MANAGE, pk=pk)
    return _delete_page(request, holiday, what=_("假日"))


# --- QR plates ------------------------------------------------------------------------------------

def _subtree(places: list[Place], root_id: int) -> list[Place]:
    children = defaultdict(list)
    for place in places:
        children[place.parent_id].append(place)
    result, stack = [], [root_id]
    by_id = {p.pk: p for p in places}
    while stack:
        pk = stack.pop()
        result.append(by_id[pk])
        stack += [c.pk for c in children.get(pk, ())]
    return result


@login_required
def plates(request):
    """The school's areas (buildings, outdoor areas), each with a sheet of plates to print."""
    school, schools = _school_or_pick(request)
    areas = []
    if school is not None:
        places = list(access.scoped(request.user, Place, VIEW).filter(organisation=school).only(
            "pk", "parent_id", "name", "code", "kind", "is_key_location"))
        for place in sorted(places, key=lambda p: p.code):
            if place.parent_id is None and place.kind in AREA_KINDS:
                subtree = _subtree(places, place.pk)
                areas.append((place, len(subtree), sum(1 for p in subtree if p.is_key_location)))
    return render(request, "inspections/setup/plates.html", {
        "school": school, "schools": schools, "areas": areas, "tab": "plates", "nav_active": "inspection_setup"})


def plates_for(request, area: Place) -> list[Plate]:
    """A plate for every place of an area (the area, its floors and rooms), ordered by code.

    What a plate lists comes from the active schedules reaching the place: through its own places, a
    grid covering it, the kind of such a grid, or the key locations. A fixed number of queries.
    """
    school = area.organisation
    today = timezone.localdate()
    places = list(Place.objects.filter(organisation=school).select_related("parent__parent"))
    subtree = sorted(_subtree(places, area.pk), key=lambda p: p.code)
    wanted = {p.pk for p in subtree}
    grid_kinds = dict(Grid.objects.filter(organisation=school).values_list("pk", "kind"))
    grids_of_place: dict[int, set[int]] = defaultdict(set)
    for grid_id, place_id in Grid.places.through.objects.filter(place_id__in=wanted).values_list(
            "grid_id", "place_id"):
        grids_of_place[place_id].add(grid_id)
    schedules = list(Schedule.objects.filter(organisation=school, is_active=True).filter(
        Q(end__isnull=True) | Q(end__gte=today)).select_related("checklist").prefetch_related(
        Prefetch("grids", queryset=Grid.objects.only("pk")), Prefetch("places", queryset=Place.objects.only("pk")))
        .order_by("name"))
    version_ids = {s.checklist.current_version_id for s in schedules if s.checklist.current_version_id}
    items_of: dict[int, list[ChecklistItem]] = defaultdict(list)
    for item in ChecklistItem.objects.filter(version_id__in=version_ids).order_by("version_id", "position"):
        items_of[item.version_id].append(item)
    targets = [(s, {g.pk for g in s.grids.all()}, {p.pk for p in s.places.all()}) for s in schedules]

    result = []
    for place in subtree:
        covering = grids_of_place.get(place.pk, set())
        kinds = {grid_kinds[g] for g in covering if g in grid_kinds}
        reaching = [s for s, grid_ids, place_ids in targets
                    if place.pk in place_ids or covering & grid_ids or (s.grid_kind and s.grid_kind in kinds)
                    or (s.key_locations and place.is_key_location)]
        checklists = list({s.checklist_id: s.checklist for s in reaching}.values())
        several = len(checklists) > 1
        when = list(dict.fromkeys(
            (f"{s.checklist.name}：{s.cadence_label}" if several else s.cadence_label) for s in reaching))
        result.append(Plate(
            place_name=place.full_name, code=place.code,
            url=request.build_absolute_uri(reverse("inspections:scan", args=[place.qr_token])),
            what=[c.name for c in checklists], when=when, how=_how(checklists, items_of),
            key_location=place.is_key_location))
    return result


def _how(checklists, items_of) -> list[str]:
    """怎么查: every major item of the checklists first, then their first items, up to what a plate shows."""
    lines: list[str] = []
    items = [items_of.get(c.current_version_id, []) for c in checklists]
    for item in (i for group in items for i in group if i.is_major):
        lines.append(item.guidance or item.text)
    for position in range(SHOWN_HOW):
        for group in items:
            if position < len(group) and not group[position].is_major:
                lines.append(group[position].guidance or group[position].text)
    lines = list(dict.fromkeys(lines))
    majors = sum(1 for group in items for i in group if i.is_major)
    return lines[:max(SHOWN_HOW, majors)]


@login_required
def plates_pdf(request, pk):
    area = _fetch(request, Place.objects.select_related("organisation"), VIEW, pk=pk, parent__isnull=True,
                  kind__in=AREA_KINDS)
    title = _("%(area)s 巡查点二维码") % {"area": area.name}
    pdf = render_plates(school_name=area.organisation.name, title=title, plates=plates_for(request, area))
    return pdf_response(_actor(request), f"plates-{area.code}.pdf", pdf, object_type="inspections.plates",
                        organisation=area.organisation, description=f"plates {area.code} {area.name}")
