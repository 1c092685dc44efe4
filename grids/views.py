"""Grids, their assignments and handovers, time slots, and the coverage proof."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import access
from core.audit import Actor
from core.crud import edit_page, form_page, run_action
from core.exports import workbook_response
from orgs.choices import OrgKind
from orgs.models import Organisation
from orgs.roles import Capability

from . import actions, coverage
from .forms import AssignmentForm, CoverageForm, EndAssignmentForm, GridForm, HandoverForm, TimeSlotForm
from .models import Assignment, Grid, TimeSlot


def _current_assignments(today):
    return Prefetch("assignments", queryset=Assignment.objects.active_on(today).select_related("person", "post"),
                    to_attr="current_assignments")


def grid_tree(grids) -> list[tuple[Grid, list]]:
    """Nest grids under their parents: [(grid, children)], roots first, by name."""
    children = defaultdict(list)
    ids = {g.pk for g in grids}
    for grid in grids:
        children[grid.parent_id if grid.parent_id in ids else None].append(grid)

    def build(parent_id):
        return [(g, build(g.pk)) for g in sorted(children[parent_id], key=lambda g: g.name)]

    return build(None)


@login_required
def grid_list(request):
    today = timezone.localdate()
    grids = list(access.scoped(request.user, Grid).select_related("organisation")
                 .annotate(place_count=Count("places", distinct=True)).prefetch_related(_current_assignments(today)))
    return render(request, "grids/grid_list.html", {
        "tree": grid_tree(grids), "nav_active": "grids", "today": today,
        "can_manage": request.user.has_capability(Capability.MANAGE_GRID)})


@login_required
def grid_detail(request, pk):
    grid = access.get_for_user(request.user, Grid.objects.select_related("organisation", "parent", "school_class"),
                               pk=pk)
    today = timezone.localdate()
    can_manage = request.user.has_capability(Capability.MANAGE_GRID, grid.organisation)
    return render(request, "grids/grid_detail.html", {
        "grid": grid, "today": today, "can_manage": can_manage,
        "children": grid.children.order_by("name"),
        "places": grid.places.select_related("parent__parent").order_by("code"),
        "time_slots": grid.time_slots.all(),
        "assignments": grid.assignments.select_related("person", "post").order_by("-start"),
        "assignment_form": AssignmentForm(user=request.user, initial={"start": today}) if can_manage else None,
        "show_phone": request.user.has_capability(Capability.VIEW_PHONE, grid.organisation),
    })


def _save_grid(request):
    def save(form):
        values = {k: v for k, v in form.cleaned_data.items() if k not in ("places", "time_slots")}
        actor = Actor.from_request(request)
        if form.instance.pk:
            changed = {k: values[k] for k in form.changed_data if k in values}
            grid = Grid.objects.get(pk=form.instance.pk)
            return actions.save_grid(actor, grid, places=form.cleaned_data["places"],
                                     time_slots=form.cleaned_data["time_slots"], **changed)
        return actions.save_grid(actor, Grid(**values), places=form.cleaned_data["places"],
                                 time_slots=form.cleaned_data["time_slots"])
    return save


@login_required
def grid_create(request):
    access.require_capability(request.user, Capability.MANAGE_GRID)
    initial = {}
    if request.GET.get("parent"):
        parent = access.get_for_user(request.user, Grid, pk=request.GET["parent"])
        initial = {"parent": parent, "organisation": parent.organisation}
    return edit_page(request, GridForm, title=_("新增网格"), initial=initial, save=_save_grid(request),
                     success=lambda g: reverse("grids:grid_detail", args=[g.pk]),
                     cancel_url=reverse("grids:grid_list"))


@login_required
def grid_edit(request, pk):
    grid = access.get_for_user(request.user, Grid, Capability.MANAGE_GRID, pk=pk)
    return edit_page(request, GridForm, instance=grid, title=_("编辑网格：%(name)s") % {"name": grid.name},
                     save=_save_grid(request), success=lambda g: reverse("grids:grid_detail", args=[g.pk]),
                     cancel_url=reverse("grids:grid_detail", args=[pk]))


@login_required
@require_POST
def assignment_add(request, pk):
    grid = access.get_for_user(request.user, Grid, Capability.MANAGE_GRID, pk=pk)
    run_action(request, AssignmentForm(request.POST, user=request.user),
               lambda data: actions.assign(Actor.from_request(request), grid, **data), _("已添加责任人。"))
    return redirect("grids:grid_detail", pk=grid.pk)


@login_required
@require_POST
def assignment_end(request, pk):
    assignment = access.get_for_user(request.user, Assignment, Capability.MANAGE_GRID, pk=pk)
    run_action(request, EndAssignmentForm(request.POST),
               lambda data: actions.end_assignment(Actor.from_request(request), assignment, data["end"]),
               _("已结束该责任分工。"))
    return redirect("grids:grid_detail", pk=assignment.grid_id)


@login_required
def handover(request, pk):
    assignment = access.get_for_user(request.user, Assignment.objects.select_related("grid", "person", "post"),
                                     Capability.MANAGE_GRID, pk=pk)
    form = HandoverForm(request.POST or None, user=request.user, initial={"on": timezone.localdate()})

    def save(form):
        data = form.cleaned_data
        return actions.handover(Actor.from_request(request), assignment, on=data["on"], person=data["person"],
                                post=data["post"])

    return form_page(request, form, save=save, template="grids/handover.html",
                     title=_("交接：%(grid)s · %(role)s") % {"grid": assignment.grid.name,
                                                           "role": assignment.get_role_display()},
                     success=lambda a: reverse("grids:grid_detail", args=[a.grid_id]),
                     cancel_url=reverse("grids:grid_detail", args=[assignment.grid_id]),
                     context={"assignment": assignment})


# --- time slots --------------------------------------------------------------------------------

@login_required
def timeslot_list(request):
    today = timezone.localdate()
    slots = access.scoped(request.user, TimeSlot).select_related("organisation").prefetch_related(
        Prefetch("grids", queryset=Grid.objects.prefetch_related(_current_assignments(today))))
    return render(request, "grids/timeslot_list.html", {
        "slots": slots, "nav_active": "grids", "can_manage": request.user.has_capability(Capability.MANAGE_GRID)})


@login_required
def timeslot_create(request):
    access.require_capability(request.user, Capability.MANAGE_GRID)
    return edit_page(request, TimeSlotForm, title=_("新增时段"),
                     success=lambda o: reverse("grids:timeslot_list"), cancel_url=reverse("grids:timeslot_list"))


@login_required
def timeslot_edit(request, pk):
    slot = access.get_for_user(request.user, TimeSlot, Capability.MANAGE_GRID, pk=pk)
    return edit_page(request, TimeSlotForm, instance=slot, title=_("编辑时段：%(name)s") % {"name": slot.name},
                     success=lambda o: reverse("grids:timeslot_list"), cancel_url=reverse("grids:timeslot_list"))


# --- coverage ------------------------------------------------------------------------------------

def school_from_request(request) -> Organisation | None:
    """The school a page is about (coverage, map, letters): ?org=, else the user's own school."""
    if request.GET.get("org"):
        return access.get_for_user(request.user, Organisation, pk=request.GET["org"])
    membership = request.user.primary_membership()
    if membership is None or membership.organisation.kind == OrgKind.BUREAU:
        return None
    return membership.organisation


def _coverage_for(request):
    organisation = school_from_request(request)
    form = CoverageForm(request.GET or None)
    start, days = timezone.localdate(), coverage.DEFAULT_DAYS
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        days = form.cleaned_data["days"] or days
    result = coverage.compute(organisation, start, days) if organisation else None
    return organisation, form, result


@login_required
def coverage_view(request):
    organisation, form, result = _coverage_for(request)
    schools = None
    if organisation is None:
        schools = access.scoped(request.user, Organisation).exclude(kind__in=[OrgKind.BUREAU, OrgKind.DIVISION])
    return render(request, "grids/coverage.html", {
        "organisation": organisation, "form": form, "result": result, "schools": schools, "nav_active": "coverage"})


@login_required
def coverage_export(request):
    organisation, _form, result = _coverage_for(request)
    if organisation is None:
        raise Http404
    rows = ([f.kind_label, f.subject, f.reason, coverage.format_ranges(f.days),
             request.build_absolute_uri(f.url)] for f in result.findings)
    return workbook_response(
        Actor.from_request(request), f"coverage-{organisation.code}-{result.start:%Y%m%d}.xlsx", _("盲区检查"),
        [_("类别"), _("对象"), _("原因"), _("日期"), _("处理链接")], rows, object_type="grids.coverage",
        organisation=organisation,
        description=f"coverage {organisation.code} {result.start:%Y-%m-%d}..{result.end:%Y-%m-%d}")


def school_coverage_counts(organisation, today: datetime.date | None = None) -> dict:
    """For the school home page (cached until the school's grids, people or places change)."""
    return coverage.cached_counts(organisation, today)
