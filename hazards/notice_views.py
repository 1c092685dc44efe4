"""Rectification notices (隐患整改通知书): the list, issuing one for open hazards (with "merge by department":
all open hazards whose responsible person sits in one department), one notice with its hazards and the
recipient's acknowledgement (签收), and the printable A4 PDF.

Who reads a notice: those who read the register (VIEW_INSPECTIONS) in their schools, whoever issued it, and
its recipients (the person; for a department, the staff whose Person is in it). Who issues: the safety office
(MANAGE_HAZARDS) for any open hazard of the school, a grid leader for the open hazards of the grids they lead.
Who acknowledges: see `notices.may_acknowledge`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import access
from core.audit import Actor
from core.paging import page_context
from core.pdf import pdf_response, render_pdf
from core.tenancy import memberships_of
from inspections.due import grids_led_by
from orgs.choices import SCHOOL_KINDS, OrgKind
from orgs.models import Organisation
from orgs.roles import Capability, Role
from people.forms import DATE
from people.models import Person, person_of

from . import notices
from .choices import Grade, Level
from .models import Hazard, RectificationNotice
from .views import responsible_people

VIEW = Capability.VIEW_INSPECTIONS  # who reads the register reads its notices
MANAGE = Capability.MANAGE_HAZARDS
PLACE = "place__parent__parent__parent"
RELATED = ("organisation", "recipient", "issued_by", "acknowledged_by")
NAV = "hazards"


# --- who reads, who issues ------------------------------------------------------------------------------


def readable(user, queryset=None):
    """Notices the user may read: all of their schools' with VIEW_INSPECTIONS, else those they issued or
    received (as the person, or as staff of the department)."""
    queryset = queryset if queryset is not None else RectificationNotice.objects.all()
    own = Q(issued_by=user)
    person = person_of(user)
    if person is not None:
        own |= Q(recipient=person)
        if person.department.strip():
            own |= Q(organisation_id=person.organisation_id, recipient_department=person.department.strip())
    return access.scoped(user, queryset, VIEW) | access.scoped(user, queryset).filter(own)


def readable_notice(user, pk: int, queryset=None) -> RectificationNotice:
    """One notice: 404 outside the user's schools, 403 inside them for who neither reads nor received it."""
    queryset = queryset if queryset is not None else RectificationNotice.objects.select_related(*RELATED)
    notice = access.get_for_user(user, queryset, pk=pk)
    if not readable(user, RectificationNotice.objects.all()).filter(pk=notice.pk).exists():
        raise PermissionDenied
    return notice


def leads_grids(user, school) -> bool:
    """A grid leader (网格长) of the school whose account is linked to a Person of it."""
    person = person_of(user)
    return (person is not None and person.organisation_id == school.pk
            and any(m.role == Role.GRID_LEADER and m.organisation.path.startswith(school.path)
                    for m in memberships_of(user)))


def issuable_hazards(user, school):
    """Open hazards the user may put in a notice: all of the school's for the safety office; for a grid
    leader, those still held in the grids they lead (or below them)."""
    hazards = Hazard.objects.filter(organisation=school, state__in=notices.OPEN).select_related(
        PLACE, "grid", "responsible").order_by("-found_at", "-id")
    if user.has_capability(MANAGE, school):
        return hazards
    if not leads_grids(user, school):
        return hazards.none()
    return hazards.filter(level=Level.GRID, grid__in=grids_led_by(person_of(user), timezone.localdate()))


def may_issue(user, school) -> bool:
    return user.has_capability(MANAGE, school) or leads_grids(user, school)


def _school(request):
    """The school a notice is issued in: ?org= (404 outside the user's), else the user's own; None for a
    bureau (it picks a school first)."""
    org = request.POST.get("org") or request.GET.get("org")
    if org:
        school = access.get_for_user(request.user, Organisation.objects.select_related("parent"), pk=org)
    else:
        membership = request.user.primary_membership()
        if membership is None:
            raise PermissionDenied
        school = membership.organisation
    while school.kind == OrgKind.DIVISION:  # hazards belong to the school, not to its divisions
        school = school.parent
    return school if school.kind in SCHOOL_KINDS else None


# --- forms --------------------------------------------------------------------------------------------------


def hazard_label(hazard: Hazard) -> str:
    place = hazard.place.full_name if hazard.place_id else _("未指定场所")
    parts = [f"【{hazard.get_grade_display()}】" if hazard.grade == Grade.MAJOR else "", place, " · ",
             hazard.description[:40], " · ", hazard.get_state_display()]
    department = notices.department_of(hazard)
    if department:
        parts += [" · ", department]
    return "".join(parts)


class NoticeForm(forms.Form):
    hazards = forms.ModelMultipleChoiceField(label=gettext_lazy("隐患"), queryset=Hazard.objects.none(),
                                             widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}))
    recipient_department = forms.CharField(label=gettext_lazy("接收部门"), max_length=60, required=False,
                                           widget=forms.TextInput(attrs={"list": "notice-departments"}))
    recipient = forms.ModelChoiceField(label=gettext_lazy("接收人"), queryset=Person.objects.none(), required=False,
                                       help_text=gettext_lazy("填写接收部门或选择接收人（至少一项）。选择了接收人时由其本人签收。"))
    deadline = forms.DateField(label=gettext_lazy("整改期限"), widget=DATE)
    requirements = forms.CharField(label=gettext_lazy("整改要求"), max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, hazards, people, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hazards"].queryset = hazards
        self.fields["hazards"].label_from_instance = hazard_label
        self.fields["recipient"].queryset = people

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise ValidationError(_("整改期限不能早于今天。"))
        return deadline

    def clean(self):
        data = super().clean()
        if not data.get("recipient") and not (data.get("recipient_department") or "").strip():
            raise ValidationError(_("请填写接收部门或接收人。"))
        return data


class NoticeFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), required=False, coerce=int, empty_value=None)

    def __init__(self, years, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部"))] + list(notices.STATUSES.items())
        self.fields["year"].choices = [("", _("全部"))] + [(y, str(y)) for y in years]

    def filter(self, rows):
        data = self.cleaned_data
        if data.get("status"):
            rows = notices.with_status(rows, data["status"])
        if data.get("year"):
            rows = rows.filter(year=data["year"])
        return rows


# --- pages --------------------------------------------------------------------------------------------------


@login_required
def notice_list(request):
    user = request.user
    if not (user.has_capability(VIEW) or person_of(user) is not None):
        raise PermissionDenied
    rows = readable(user, RectificationNotice.objects.select_related(*RELATED).prefetch_related("hazards"))
    years = readable(user).order_by("-year").values_list("year", flat=True).distinct()
    form = NoticeFilterForm(list(years), request.GET or None)
    if form.is_bound and form.is_valid():
        rows = form.filter(rows)
    context = page_context(request, rows.order_by("-year", "-number"))
    today = timezone.localdate()
    context["page"].object_list = list(context["page"].object_list)
    for notice in context["page"].object_list:
        notice.status_key = notices.status_key(notice)
        notice.status_label = notices.STATUSES[notice.status_key]
        notice.overdue = notice.status_key != "closed" and notice.deadline < today
    can_issue = user.has_capability(MANAGE) or any(m.role == Role.GRID_LEADER for m in memberships_of(user))
    return render(request, "hazards/notice_list.html", {"form": form, "can_issue": can_issue, "nav_active": NAV,
                                                        **context})


@login_required
def notice_new(request):
    user = request.user
    school = _school(request)
    if school is None:
        access.require_capability(user, MANAGE)
        schools = access.scoped(user, Organisation, MANAGE).filter(kind__in=SCHOOL_KINDS).order_by("path")
        return render(request, "hazards/notice_new.html", {"schools": schools, "nav_active": NAV})
    if not may_issue(user, school):
        raise PermissionDenied
    hazards = issuable_hazards(user, school)
    people = responsible_people(school.pk)
    groups = notices.by_department(hazards)
    department = request.GET.get("department", "").strip()
    initial = {}
    if department and groups.get(department):
        initial = {"hazards": [h.pk for h in groups[department]], "recipient_department": department}
    elif request.GET.get("hazards"):
        initial = {"hazards": [int(pk) for pk in request.GET["hazards"].split(",") if pk.strip().isdigit()]}
    form = NoticeForm(hazards, people, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = notices.issue(Actor.from_request(request), school, list(data["hazards"]),
                                   deadline=data["deadline"], requirements=data["requirements"],
                                   recipient=data["recipient"], recipient_department=data["recipient_department"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已签发整改通知书%(code)s。") % {"code": notice.code})
            return redirect("hazard_notice:notice_detail", notice.pk)
    departments = sorted({d.strip() for d in Person.objects.filter(organisation=school).exclude(department="")
                          .values_list("department", flat=True)} | {d for d in groups if d})
    return render(request, "hazards/notice_new.html", {
        "school": school, "form": form, "groups": [(d, len(items)) for d, items in groups.items()],
        "department": department, "departments": departments, "nav_active": NAV},
        status=422 if form.is_bound and form.errors else 200)


@login_required
def notice_detail(request, pk: int):
    notice = readable_notice(request.user, pk)
    hazards = notice.hazards.select_related(PLACE, "grid", "responsible").order_by("found_at", "id")
    notice.status_key = notices.status_key(notice)
    return render(request, "hazards/notice_detail.html", {
        "notice": notice, "hazards": hazards, "status": notices.STATUSES[notice.status_key],
        "overdue": notice.status_key != "closed" and notice.deadline < timezone.localdate(),
        "can_acknowledge": notice.acknowledged_at is None and notices.may_acknowledge(request.user, notice),
        "nav_active": NAV})


@login_required
@require_POST
def notice_acknowledge(request, pk: int):
    notice = readable_notice(request.user, pk)
    if not notices.may_acknowledge(request.user, notice):
        raise PermissionDenied
    notices.acknowledge(Actor.from_request(request), notice)
    messages.success(request, _("已签收整改通知书%(code)s。") % {"code": notice.code})
    return redirect("hazard_notice:notice_detail", notice.pk)


@login_required
def notice_pdf(request, pk: int):
    notice = readable_notice(request.user, pk)
    hazards = notice.hazards.select_related(PLACE).order_by("found_at", "id")
    pdf = render_pdf("pdf/rectification_notice.html", {"notice": notice, "hazards": hazards,
                                                        "title": f"{_('隐患整改通知书')} {notice.code}"})
    return pdf_response(Actor.from_request(request), f"notice-{notice.year}-{notice.number:03d}.pdf", pdf,
                        object_type="hazards.rectificationnotice", organisation=notice.organisation,
                        description=str(notice))
