"""随手拍 pages: the public report form behind a place's QR link (no account), and the safety office's
review queue (初审) with its accept and dismiss forms and the reports' photos."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campus.models import Place
from core import access
from core.audit import Actor
from core.paging import page_context
from core.security import client_ip
from orgs.choices import OrgKind
from orgs.roles import Capability

from . import public
from .choices import Grade, ReportStatus, RiskColour, Topic
from .models import PublicReport, PublicReportPhoto

MANAGE = Capability.MANAGE_HAZARDS

# --- the public form -------------------------------------------------------------------------------


class PublicReportForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("隐患情况"), max_length=public.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5,
                                     "placeholder": gettext_lazy("例如：楼梯扶手松动、灭火器过期、电线裸露")}),
        error_messages={"required": gettext_lazy("请描述看到的安全隐患。"),
                        "max_length": gettext_lazy("描述最多 %(limit_value)d 字（现有 %(show_value)d 字），请精简。")})
    photo = forms.FileField(
        label=gettext_lazy("照片（可选）"), required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
        error_messages={"empty": gettext_lazy("照片文件是空的，请重新拍照或选择照片。"),
                        "invalid": gettext_lazy("照片上传不完整，请重新选择。")})


def public_link(view):
    """Marks a view that answers anyone, signed in or not, of any school: a place's QR link is public by
    design (the tenancy walk leaves such views out)."""
    view.public_link = True
    return view


def _public_place(token: str) -> Place:
    """The place of a QR link, whoever asks; a 404 without detail for an unknown token."""
    place = Place.objects.select_related("organisation").filter(qr_token=token).first()
    if place is None:
        raise Http404
    return place


@public_link
@never_cache
@require_http_methods(["GET", "POST"])
def report(request, token: str):
    """随手拍: the form shows the place's name and nothing else about the school."""
    place = _public_place(token)
    form = PublicReportForm(request.POST if request.method == "POST" else None,
                            request.FILES if request.method == "POST" else None)
    status = 200
    if form.is_bound and form.is_valid():
        if not public.take_allowance(client_ip(request), place.pk):
            form.add_error(None, public.throttle_message())
            status = 429
        else:
            try:
                public.submit(place, form.cleaned_data["description"], form.cleaned_data["photo"],
                              request_id=getattr(request, "request_id", ""))
            except ValidationError as exc:
                form.add_error("photo", exc)
            else:
                return redirect("hazard_public:thanks", token=token)
    return render(request, "hazards/public_report.html", {"place": place, "form": form}, status=status)


@public_link
@require_GET
def thanks(request, token: str):
    return render(request, "hazards/public_thanks.html", {"place": _public_place(token)})


# --- review (初审) ---------------------------------------------------------------------------------


class AcceptForm(forms.Form):
    topic = forms.ChoiceField(label=gettext_lazy("类别"), choices=Topic.choices, initial=Topic.OTHER)
    grade = forms.ChoiceField(label=gettext_lazy("等级"), choices=Grade.choices, initial=Grade.GENERAL)
    risk_colour = forms.ChoiceField(label=gettext_lazy("风险颜色"), choices=[("", "—")] + list(RiskColour.choices),
                                    required=False)
    description = forms.CharField(label=gettext_lazy("隐患描述"), widget=forms.Textarea(attrs={"rows": 3}),
                                  error_messages={"required": gettext_lazy("请填写隐患描述。")})


class DismissForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("不予受理原因"), widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": gettext_lazy("请填写不予受理的原因。")})


TABS = [(ReportStatus.PENDING, ReportStatus.PENDING.label), (ReportStatus.ACCEPTED, ReportStatus.ACCEPTED.label),
        (ReportStatus.DISMISSED, ReportStatus.DISMISSED.label)]


@login_required
def review_list(request):
    """初审: pending reports first; accepted and dismissed ones under their tabs."""
    access.require_capability(request.user, MANAGE)
    status = request.GET.get("status") if request.GET.get("status") in ReportStatus.values else ReportStatus.PENDING
    visible = access.scoped(request.user, PublicReport, MANAGE)
    reports = visible.filter(status=status).select_related(
        "organisation", "place__parent__parent", "photo", "hazard", "reviewed_by")
    return render(request, "hazards/public_review_list.html", {
        "status": status, "tabs": TABS, "pending_count": visible.filter(status=ReportStatus.PENDING).count(),
        "many_schools": _many_schools(request.user), "nav_active": "hazards", **page_context(request, reports)})


def _many_schools(user) -> bool:
    membership = user.primary_membership()
    return membership is None or membership.organisation.kind in (OrgKind.BUREAU, OrgKind.CENTRAL_SCHOOL)


def _readable(request, pk: int) -> PublicReport:
    return access.get_for_user(request.user, PublicReport.objects.select_related(
        "organisation", "place__parent__parent", "photo", "hazard", "reviewed_by"), MANAGE, pk=pk)


def _detail(request, report: PublicReport, accept_form=None, dismiss_form=None, status: int = 200):
    accept_form = accept_form or AcceptForm(initial={"description": report.description})
    return render(request, "hazards/public_review_detail.html", {
        "report": report, "accept_form": accept_form, "dismiss_form": dismiss_form or DismissForm(),
        "is_pending": report.status == ReportStatus.PENDING, "nav_active": "hazards"}, status=status)


@login_required
def review_detail(request, pk: int):
    return _detail(request, _readable(request, pk))


@login_required
@require_POST
def accept(request, pk: int):
    report = _readable(request, pk)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        return _detail(request, report, accept_form=form, status=422)
    try:
        hazard = public.accept(Actor.from_request(request), report, **form.cleaned_data)
    except public.AlreadyReviewed as exc:
        messages.error(request, str(exc))
        return redirect("hazard_public:review_detail", pk=report.pk)
    messages.success(request, _("已受理，登记为隐患。"))
    return redirect("hazards:hazard_detail", pk=hazard.pk)


@login_required
@require_POST
def dismiss(request, pk: int):
    report = _readable(request, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        return _detail(request, report, dismiss_form=form, status=422)
    try:
        public.dismiss(Actor.from_request(request), report, form.cleaned_data["reason"])
    except public.AlreadyReviewed as exc:
        messages.error(request, str(exc))
        return redirect("hazard_public:review_detail", pk=report.pk)
    messages.success(request, _("已标记为不予受理。"))
    return redirect(reverse("hazard_public:review_list"))


def _photo(request, pk: int) -> PublicReportPhoto:
    return access.get_for_user(request.user, PublicReportPhoto, MANAGE, report_id=pk)


@login_required
def photo(request, pk: int):
    return _photo(request, pk).response()


@login_required
def photo_thumb(request, pk: int):
    return _photo(request, pk).response(thumbnail=True)
