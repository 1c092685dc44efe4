"""The responsibility map (网格化管理责任图): a school's grid tree with each grid's places, people and
duties, as a page (a collapsible tree that works on a phone) and as a printable A4 PDF."""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core import access
from core.audit import Actor
from core.pdf import pdf_response, render_pdf
from core.tenancy import subtree_q
from orgs.choices import OrgKind
from orgs.models import Organisation
from orgs.roles import Capability
from people.forms import DATE
from people.models import PostHolding

from .letters import OTHER_RANK, ROLE_RANK
from .models import Assignment, Grid
from .views import grid_tree, school_from_request


@dataclasses.dataclass
class Responsible:
    """One line of a grid's people: a person in a role, or a post and its holders of the day."""

    role: str
    name: str
    phone: str = ""
    post: str = ""
    gone: bool = False          # left the school, still assigned
    holders: list = dataclasses.field(default_factory=list)  # a post's holders: [(name, phone)]


def _phone(person, show_phone: bool) -> str:
    return person.phone if show_phone else person.masked_phone


def responsibility_map(organisation, day: datetime.date, *, show_phone: bool) -> list[tuple[Grid, list]]:
    """The grid tree of the organisation's subtree on `day`, each grid carrying `map_places`,
    `map_people` and `map_slots`. Five queries, whatever the size of the school."""
    in_tree = subtree_q("organisation__path", organisation.path)
    grids = list(Grid.objects.filter(in_tree).select_related("school_class"))
    assignments = sorted(Assignment.objects.filter(in_tree).active_on(day).select_related("person", "post"),
                         key=lambda a: (ROLE_RANK.get(a.role, OTHER_RANK), a.start, a.pk))
    holders = defaultdict(list)
    for holding in (PostHolding.objects.filter(in_tree).active_on(day)
                    .select_related("person").order_by("person__name", "pk")):
        if holding.person.is_present_on(day):
            holders[holding.post_id].append((holding.person.name, _phone(holding.person, show_phone)))
    ids = [g.pk for g in grids]
    places, slots = defaultdict(list), defaultdict(list)
    for link in Grid.places.through.objects.filter(grid__in=ids).select_related("place__parent__parent"):
        places[link.grid_id].append(link.place)
    for link in Grid.time_slots.through.objects.filter(grid__in=ids).select_related("timeslot"):
        slots[link.grid_id].append(link.timeslot)
    people = defaultdict(list)
    for a in assignments:
        role = a.get_role_display()
        if a.person_id:
            people[a.grid_id].append(Responsible(role, a.person.name, _phone(a.person, show_phone),
                                                 gone=not a.person.is_present_on(day)))
        else:
            people[a.grid_id].append(Responsible(role, a.post.name, post=a.post.name, holders=holders[a.post_id]))
    for grid in grids:
        grid.map_places = sorted(places[grid.pk], key=lambda p: p.code)
        grid.map_slots = sorted(slots[grid.pk], key=lambda s: (s.start_time, s.name))
        grid.map_people = people[grid.pk]
    return grid_tree(grids)


def flatten(tree, depth: int = 0) -> list[tuple[Grid, int]]:
    """The tree as (grid, depth) rows in reading order, for the printed table."""
    rows = []
    for grid, children in tree:
        rows.append((grid, depth))
        rows.extend(flatten(children, depth + 1))
    return rows


class MapForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("日期"), required=False, widget=DATE)


def _map_for(request):
    organisation = school_from_request(request)
    form = MapForm(request.GET or None)
    day = form.cleaned_data["on"] if form.is_valid() and form.cleaned_data["on"] else timezone.localdate()
    if organisation is None:
        return None, form, day, [], False
    show_phone = request.user.has_capability(Capability.VIEW_PHONE, organisation)
    return organisation, form, day, responsibility_map(organisation, day, show_phone=show_phone), show_phone


@login_required
@require_GET
def map_page(request):
    organisation, form, day, tree, show_phone = _map_for(request)
    context = {"organisation": organisation, "form": form, "day": day, "tree": tree, "nav_active": "map"}
    if organisation is None:
        context["schools"] = access.scoped(request.user, Organisation).exclude(
            kind__in=[OrgKind.BUREAU, OrgKind.DIVISION])
    return render(request, "grids/map.html", context)


@login_required
@require_GET
def map_pdf(request):
    organisation, _form, day, tree, show_phone = _map_for(request)
    if organisation is None:
        raise Http404
    rows = flatten(tree)
    pdf = render_pdf("pdf/responsibility_map.html", {
        "organisation": organisation, "day": day, "rows": rows, "printed_at": timezone.localtime()})
    return pdf_response(Actor.from_request(request), f"responsibility-map-{organisation.code}-{day:%Y%m%d}.pdf", pdf,
                        object_type="grids.grid", organisation=organisation,
                        description=f"responsibility map {organisation.code} {day:%Y-%m-%d}",
                        changes={"grids": [None, len(rows)], "full_phone": [None, show_phone]})
