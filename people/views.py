"""People, posts and classes."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import access
from core.audit import Actor
from core.crud import edit_page, run_action
from core.paging import page_context
from grids.models import Assignment
from orgs.roles import Capability

from . import actions
from .forms import EndDateForm, PersonFilterForm, PersonForm, PostForm, PostHoldingForm, SchoolClassForm
from .models import Person, Post, PostHolding, SchoolClass

# --- people ----------------------------------------------------------------------------------

@login_required
def person_list(request):
    people = access.scoped(request.user, Person).select_related("organisation")
    form = PersonFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            people = people.filter(Q(name__icontains=data["q"]) | Q(staff_no__icontains=data["q"])
                                   | Q(department__icontains=data["q"]))
        if data["category"]:
            people = people.filter(category=data["category"])
        if data["status"]:
            people = people.filter(status=data["status"])
    context = {"form": form, "nav_active": "people",
               "can_manage": request.user.has_capability(Capability.MANAGE_GRID),
               "show_phone": request.user.has_capability(Capability.VIEW_PHONE),
               **page_context(request, people.order_by("name", "staff_no"))}
    template = "people/person_list.html#results" if request.htmx else "people/person_list.html"
    return render(request, template, context)


@login_required
def person_detail(request, pk):
    person = access.get_for_user(request.user, Person.objects.select_related("organisation", "user"), pk=pk)
    return render(request, "people/person_detail.html", {
        "person": person,
        "assignments": access.scoped(request.user, Assignment).filter(person=person)
        .select_related("grid").order_by("-start"),
        "holdings": access.scoped(request.user, PostHolding).filter(person=person).select_related("post"),
        "show_phone": request.user.has_capability(Capability.VIEW_PHONE, person.organisation),
        "can_manage": request.user.has_capability(Capability.MANAGE_GRID, person.organisation),
    })


@login_required
def person_create(request):
    access.require_capability(request.user, Capability.MANAGE_GRID)
    return edit_page(request, PersonForm, title=_("新增人员"),
                     success=lambda o: reverse("people:person_detail", args=[o.pk]),
                     cancel_url=reverse("people:person_list"))


@login_required
def person_edit(request, pk):
    person = access.get_for_user(request.user, Person, Capability.MANAGE_GRID, pk=pk)
    return edit_page(request, PersonForm, instance=person, title=_("编辑人员：%(name)s") % {"name": person.name},
                     success=lambda o: reverse("people:person_detail", args=[o.pk]),
                     cancel_url=reverse("people:person_detail", args=[pk]))


# --- posts -----------------------------------------------------------------------------------

@login_required
def post_list(request):
    today = timezone.localdate()
    current = PostHolding.objects.active_on(today)
    posts = access.scoped(request.user, Post).prefetch_related(
        Prefetch("holdings", queryset=current.select_related("person"), to_attr="current_holdings"))
    return render(request, "people/post_list.html", {
        "posts": posts, "nav_active": "people", "can_manage": request.user.has_capability(Capability.MANAGE_GRID)})


@login_required
def post_detail(request, pk):
    post = access.get_for_user(request.user, Post, pk=pk)
    can_manage = request.user.has_capability(Capability.MANAGE_GRID, post.organisation)
    holding_form = PostHoldingForm(user=request.user, initial={"start": timezone.localdate()})
    return render(request, "people/post_detail.html", {
        "post": post,
        "holdings": post.holdings.select_related("person").order_by("-start"),
        "assignments": post.assignments.select_related("grid").order_by("-start"),
        "holding_form": holding_form, "end_form": EndDateForm(initial={"end": timezone.localdate()}),
        "can_manage": can_manage,
    })


@login_required
def post_create(request):
    access.require_capability(request.user, Capability.MANAGE_GRID)
    return edit_page(request, PostForm, title=_("新增岗位"),
                     success=lambda o: reverse("people:post_detail", args=[o.pk]),
                     cancel_url=reverse("people:post_list"))


@login_required
def post_edit(request, pk):
    post = access.get_for_user(request.user, Post, Capability.MANAGE_GRID, pk=pk)
    return edit_page(request, PostForm, instance=post, title=_("编辑岗位：%(name)s") % {"name": post.name},
                     success=lambda o: reverse("people:post_detail", args=[o.pk]),
                     cancel_url=reverse("people:post_detail", args=[pk]))


@login_required
@require_POST
def post_holding_add(request, pk):
    post = access.get_for_user(request.user, Post, Capability.MANAGE_GRID, pk=pk)
    run_action(request, PostHoldingForm(request.POST, user=request.user),
               lambda data: actions.hold_post(Actor.from_request(request), post, data["person"], data["start"],
                                              data["end"]),
               _("已添加任职人员。"))
    return redirect("people:post_detail", pk=post.pk)


@login_required
@require_POST
def post_holding_end(request, pk):
    holding = access.get_for_user(request.user, PostHolding, Capability.MANAGE_GRID, pk=pk)
    run_action(request, EndDateForm(request.POST),
               lambda data: actions.end_post_holding(Actor.from_request(request), holding, data["end"]),
               _("已结束任职。"))
    return redirect("people:post_detail", pk=holding.post_id)


# --- classes ---------------------------------------------------------------------------------

@login_required
def class_list(request):
    classes = access.scoped(request.user, SchoolClass).select_related(
        "classroom__parent__parent", "organisation").prefetch_related("grids")
    return render(request, "people/class_list.html", {
        "classes": classes, "nav_active": "people",
        "can_manage": request.user.has_capability(Capability.MANAGE_GRID)})


@login_required
def class_create(request):
    access.require_capability(request.user, Capability.MANAGE_GRID)
    return edit_page(request, SchoolClassForm, title=_("新增班级"),
                     success=lambda o: reverse("people:class_list"), cancel_url=reverse("people:class_list"))


@login_required
def class_edit(request, pk):
    school_class = access.get_for_user(request.user, SchoolClass, Capability.MANAGE_GRID, pk=pk)
    return edit_page(request, SchoolClassForm, instance=school_class,
                     title=_("编辑班级：%(name)s") % {"name": school_class},
                     success=lambda o: reverse("people:class_list"), cancel_url=reverse("people:class_list"))
