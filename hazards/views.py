"""The hazard register (隐患台账): the filtered list and one hazard with its history. Read-only for
now; the workflow's forms come next."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core import access
from core.paging import page_context
from grids.models import Grid
from orgs.roles import Capability

from .forms import HazardFilterForm
from .models import Hazard

VIEW = Capability.VIEW_INSPECTIONS  # who reads inspection records reads the register


@login_required
def hazard_list(request):
    access.require_capability(request.user, VIEW)
    hazards = access.scoped(request.user, Hazard, VIEW).select_related(
        "organisation", "place__parent__parent", "grid", "responsible")
    form = HazardFilterForm(access.scoped(request.user, Grid, VIEW).order_by("organisation", "level", "name"),
                            request.GET or None)
    if form.is_bound and form.is_valid():
        hazards = form.filter(hazards)
    return render(request, "hazards/hazard_list.html", {"form": form, "nav_active": "hazards",
                                                        **page_context(request, hazards)})


@login_required
def hazard_detail(request, pk: int):
    access.require_capability(request.user, VIEW)
    hazard = access.get_for_user(request.user, Hazard.objects.select_related(
        "organisation", "place__parent__parent", "grid", "responsible", "found_by", "finding__inspection"),
        VIEW, pk=pk)
    return render(request, "hazards/hazard_detail.html", {
        "hazard": hazard, "events": hazard.events.all(), "photos": hazard.photos.all(), "nav_active": "hazards"})
