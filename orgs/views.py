"""Login, password, organisations, accounts and API tokens. Thin: fetch through `core.access`,
validate the form, call an action, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import access
from core.audit import Actor
from core.paging import page_context
from core.security import ip_throttled, throttle_message

from . import actions
from .forms import (
    ChangePasswordForm,
    LoginForm,
    MembershipForm,
    OrganisationForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
)
from .models import ApiToken, Membership, Organisation, User
from .roles import Capability


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if ip_throttled(request):
            form = self.get_form_class()(request, data=None)
            return render(request, self.template_name, {"form": form, "error": throttle_message()}, status=429)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "registration/password_change_form.html"

    def form_valid(self, form):
        actions.change_password(Actor.from_request(self.request), self.request.user,
                                form.cleaned_data["new_password1"])
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("密码已修改。"))
        return redirect("home")


# --- Organisations ---------------------------------------------------------------------------

@login_required
def organisation_list(request):
    organisations = access.scoped(request.user, Organisation).annotate(member_count=Count("memberships"))
    can_manage = request.user.has_capability(Capability.MANAGE_ORGS)
    return render(request, "orgs/organisation_list.html",
                  {"organisations": organisations, "can_manage": can_manage, "nav_active": "organisations"})


@login_required
def organisation_detail(request, pk):
    organisation = access.get_for_user(request.user, Organisation, pk=pk)
    children = organisation.children.order_by("name")
    memberships = access.scoped(request.user, Membership).filter(organisation=organisation).select_related("user")
    return render(request, "orgs/organisation_detail.html", {
        "organisation": organisation,
        "ancestors": access.scoped(request.user, Organisation).filter(pk__in=organisation.ancestor_ids()),
        "children": children,
        "memberships": memberships,
        "can_manage": request.user.has_capability(Capability.MANAGE_ORGS, organisation),
    })


@login_required
def organisation_create(request):
    access.require_capability(request.user, Capability.MANAGE_ORGS)
    initial = {}
    if request.GET.get("parent"):
        initial["parent"] = access.get_for_user(request.user, Organisation, pk=request.GET["parent"])
    form = OrganisationForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        organisation = actions.create_organisation(Actor.from_request(request), **form.cleaned_data)
        messages.success(request, _("已新增组织“%(name)s”。") % {"name": organisation.name})
        return redirect("orgs:organisation_detail", pk=organisation.pk)
    return render(request, "orgs/organisation_form.html", {"form": form})


@login_required
def organisation_edit(request, pk):
    organisation = access.get_for_user(request.user, Organisation, Capability.MANAGE_ORGS, pk=pk)
    form = OrganisationForm(request.user, request.POST or None, instance=organisation)
    if organisation.parent_id is None or not request.user.has_capability(
        Capability.MANAGE_ORGS, organisation.parent
    ):
        # The top of one's own subtree cannot be moved by oneself.
        form.fields["parent"].disabled = True
        form.fields["parent"].required = False
        form.fields["parent"].queryset = Organisation.objects.filter(pk=organisation.parent_id)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        actions.update_organisation(Actor.from_request(request), Organisation.objects.get(pk=pk), **values)
        messages.success(request, _("已保存。"))
        return redirect("orgs:organisation_detail", pk=pk)
    return render(request, "orgs/organisation_form.html", {"form": form, "organisation": organisation})


# --- Accounts --------------------------------------------------------------------------------

@login_required
def user_list(request):
    access.require_capability(request.user, Capability.MANAGE_USERS)
    users = access.scoped(request.user, User, Capability.MANAGE_USERS).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("organisation"))
    )
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(name__icontains=q))
    template = "orgs/user_list.html#results" if request.htmx else "orgs/user_list.html"
    context = {"q": q, "nav_active": "users", **page_context(request, users.order_by("username"))}
    return render(request, template, context)


@login_required
def user_detail(request, pk):
    target = access.get_for_user(request.user, User, Capability.MANAGE_USERS, pk=pk)
    memberships = access.scoped(request.user, Membership).filter(user=target).select_related("organisation")
    return render(request, "orgs/user_detail.html", {
        "target": target, "memberships": memberships, "membership_form": MembershipForm(request.user),
    })


@login_required
def user_create(request):
    access.require_capability(request.user, Capability.MANAGE_USERS)
    form = UserCreateForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = actions.create_user(
            Actor.from_request(request), username=data["username"], password=data["password"],
            organisation=data["organisation"], role=data["role"], name=data["name"],
            phone=data["phone"], email=data["email"],
        )
        messages.success(request, _("已新增账户“%(name)s”，首次登录须修改密码。") % {"name": target.username})
        return redirect("orgs:user_detail", pk=target.pk)
    return render(request, "orgs/user_form.html", {"form": form})


@login_required
def user_edit(request, pk):
    target = access.get_for_user(request.user, User, Capability.MANAGE_USERS, pk=pk)
    form = UserEditForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        actions.update_user(Actor.from_request(request), User.objects.get(pk=pk), **values)
        messages.success(request, _("已保存。"))
        return redirect("orgs:user_detail", pk=pk)
    return render(request, "orgs/user_form.html", {"form": form, "target": target})


@login_required
@require_POST
def membership_add(request, pk):
    target = access.get_for_user(request.user, User, Capability.MANAGE_USERS, pk=pk)
    form = MembershipForm(request.user, request.POST)
    if form.is_valid():
        if Membership.objects.filter(user=target, organisation=form.cleaned_data["organisation"],
                                     role=form.cleaned_data["role"]).exists():
            messages.error(request, _("该账户在此组织已有这个角色。"))
        else:
            actions.add_membership(Actor.from_request(request), target, form.cleaned_data["organisation"],
                                   form.cleaned_data["role"])
            messages.success(request, _("已添加角色。"))
    else:
        messages.error(request, _("请选择组织和角色。"))
    return redirect("orgs:user_detail", pk=target.pk)


@login_required
@require_POST
def membership_remove(request, pk):
    membership = access.get_for_user(request.user, Membership, Capability.MANAGE_USERS, pk=pk)
    user_id = membership.user_id
    if membership.user_id == request.user.pk:
        messages.error(request, _("不能移除自己的角色。"))
    else:
        actions.remove_membership(Actor.from_request(request), membership)
        messages.success(request, _("已移除角色。"))
    return redirect("orgs:user_detail", pk=user_id)


# --- Own profile and API tokens ----------------------------------------------------------------

@login_required
def profile(request):
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    new_token = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_token = actions.issue_token(Actor.from_request(request), request.user,
                                                form.cleaned_data["name"])
        form = TokenForm()
    return render(request, "orgs/profile.html", {"tokens": tokens, "form": form, "new_token": new_token})


@login_required
@require_POST
def token_revoke(request, pk):
    token = access.get_for_user(request.user, ApiToken.objects.filter(user=request.user), pk=pk)
    actions.revoke_token(Actor.from_request(request), token)
    messages.success(request, _("令牌已吊销。"))
    return redirect(reverse("orgs:profile"))
