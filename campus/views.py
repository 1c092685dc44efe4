"""Places: the campus tree, a place's page, create and edit."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import access
from core.crud import edit_page
from core.paging import page_context
from orgs.roles import Capability

from .forms import PlaceFilterForm, PlaceForm
from .models import Place


@login_required
def place_list(request):
    places = access.scoped(request.user, Place).select_related("parent__parent", "organisation")
    form = PlaceFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            places = places.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
        if data["kind"]:
            places = places.filter(kind=data["kind"])
        if data["key"]:
            places = places.filter(is_key_location=True)
        if data["hazard"]:
            places = places.filter(is_major_hazard=True)
    context = {"form": form, "nav_active": "places", "can_manage": request.user.has_capability(Capability.MANAGE_GRID),
               **page_context(request, places.order_by("organisation__path", "code"), per_page=100)}
    template = "campus/place_list.html#results" if request.htmx else "campus/place_list.html"
    return render(request, template, context)


@login_required
def place_detail(request, pk):
    place = access.get_for_user(request.user, Place.objects.select_related("parent__parent", "organisation"), pk=pk)
    return render(request, "campus/place_detail.html", {
        "place": place,
        "children": place.children.order_by("code"),
        "grids": access.scoped(request.user, place.grids.all()),
        "can_manage": request.user.has_capability(Capability.MANAGE_GRID, place.organisation),
    })


@login_required
def place_create(request):
    access.require_capability(request.user, Capability.MANAGE_GRID)
    initial = {}
    if request.GET.get("parent"):
        parent = access.get_for_user(request.user, Place, pk=request.GET["parent"])
        initial = {"parent": parent, "organisation": parent.organisation}
    return edit_page(request, PlaceForm, title=_("新增场所"), initial=initial,
                     success=lambda o: reverse("campus:place_detail", args=[o.pk]),
                     cancel_url=reverse("campus:place_list"))


@login_required
def place_edit(request, pk):
    place = access.get_for_user(request.user, Place, Capability.MANAGE_GRID, pk=pk)
    return edit_page(request, PlaceForm, instance=place, title=_("编辑场所：%(name)s") % {"name": place.full_name},
                     success=lambda o: reverse("campus:place_detail", args=[o.pk]),
                     cancel_url=reverse("campus:place_detail", args=[pk]))
