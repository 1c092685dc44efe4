"""The hazard register (隐患台账) and the rectification workflow's pages: report a hazard on a phone
(optionally fixed on the spot), the filtered register, one hazard with the actions the person may take
(交办整改 with the five fixes, 整改完成 with an after photo, 验收销号 / 验收不通过, 上报), its photos, and
"my hazards" for a grid member.

Who reads a hazard: those who read the register (VIEW_INSPECTIONS) in their schools, and any staff member
for the hazards they reported, are responsible for, or that sit in the grids they answer for. What they
may do is decided by `hazards.workflow` (the pages only offer what it would allow).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campus.models import Place
from core import access
from core.audit import Actor
from core.paging import page_context
from core.tenancy import memberships_of
from grids.models import Grid
from inspections.due import grids_led_by, grids_of
from inspections.filters import filter_data
from inspections.record_views import _template
from orgs.roles import Capability
from people.choices import RESPONSIBLE_CATEGORIES, PersonStatus
from people.models import Person, person_of

from . import exports, workflow
from .actions import add_photos, report
from .choices import Grade, Level, PhotoKind, State
from .forms import AssignForm, EscalateForm, FixForm, HazardFilterForm, OnSpotForm, PhotoForm, RejectForm, ReportForm
from .models import Hazard, HazardPhoto, Reminder

VIEW = Capability.VIEW_INSPECTIONS  # who reads inspection records reads the register
PLACE = "place__parent__parent__parent"
OPEN = [State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION]


def my_grids(user) -> set[int]:
    person = person_of(user)
    return grids_of(person, timezone.localdate()) if person is not None else set()


def readable(user, queryset=None):
    """Hazards the user may read: the register of their schools (VIEW_INSPECTIONS), and, for any staff
    member, the hazards they reported, are responsible for, or that sit in the grids they answer for."""
    queryset = queryset if queryset is not None else Hazard.objects.all()
    own = Q(reported_by=user) | Q(responsible__user=user) | Q(grid__in=my_grids(user))
    return access.scoped(user, queryset, VIEW) | access.scoped(user, queryset).filter(own)


def readable_hazard(user, pk: int) -> Hazard:
    hazard = readable(user, Hazard.objects.select_related(
        "organisation", PLACE, "grid__parent__parent", "responsible", "found_by", "finding__inspection")
    ).filter(pk=pk).first()
    if hazard is None:
        access.require_capability(user, VIEW)  # who reads no register is refused alike for any id
        raise Http404
    return hazard


# --- the register ----------------------------------------------------------------------------------


RELATED = ("organisation", PLACE, "grid", "responsible", "found_by")


def _register(request):
    data = filter_data(request.GET, HazardFilterForm.defaults())
    form = HazardFilterForm(request.user, data, url=reverse("hazards:hazard_list"))
    hazards = access.scoped(request.user, Hazard, VIEW).select_related(*RELATED)
    return form, (form.filter(hazards) if form.is_valid() else hazards.none())


@login_required
def hazard_list(request):
    access.require_capability(request.user, VIEW)
    form, hazards = _register(request)
    return render(request, _template(request, "hazards/hazard_list.html"), {
        "form": form, "nav_active": "hazards", **page_context(request, hazards)})


@login_required
def hazard_export(request):
    access.require_capability(request.user, VIEW)
    form, hazards = _register(request)
    return exports.register_workbook_response(Actor.from_request(request), hazards, organisation=form.school)


# --- reporting --------------------------------------------------------------------------------------


def _schools_of(user) -> list:
    return [m.organisation for m in memberships_of(user) if m.organisation.kind not in ("bureau", "division")]


@login_required
def hazard_report(request):
    """上报隐患: any staff member of a school, for a place of the school (a QR page passes ?place=)."""
    places = access.scoped(request.user, Place).select_related(
        "organisation", "parent__parent__parent").order_by("organisation", "code")
    if not _schools_of(request.user):
        raise PermissionDenied(_("只有学校的工作人员可以上报隐患。"))
    form = ReportForm(places, request.POST or None, request.FILES or None,
                      initial={"place": request.GET.get("place")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = Actor.from_request(request)
        place = data["place"]
        hazard = Hazard(organisation=place.organisation, place=place, topic=data["topic"], grade=data["grade"],
                        risk_colour=data["risk_colour"], description=data["description"].strip(),
                        found_by=_person_in(request.user, place.organisation))
        uploads = [(data["photo"], PhotoKind.BEFORE)] if data.get("photo") else []
        if data["fixed_now"]:
            uploads.append((data["after_photo"], PhotoKind.AFTER))

        def fix_now():
            return workflow.fix_on_spot(actor, hazard, hazard.version, note=data["fix_note"])

        try:
            reported = add_photos(actor, hazard, uploads, fix_now if data["fixed_now"] else None,
                                  first=lambda: report(actor, hazard))
        except ValidationError as error:
            _form_errors(form, error, {"note": "fix_note"})
        else:
            messages.success(request, _("隐患已上报，编号 %(id)s。") % {"id": reported.pk} if not data["fixed_now"]
                             else _("隐患已登记为当场整改，等待验收。"))
            return redirect("hazards:hazard_detail", reported.pk)
    return render(request, "hazards/hazard_report.html", {"form": form, "nav_active": "my_hazards"})


def _person_in(user, organisation):
    person = person_of(user)
    return person if person is not None and person.organisation_id == organisation.pk else None


def _form_errors(form, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Put a workflow ValidationError on the form: by field where it names one the form has."""
    rename = rename or {}
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = rename.get(field, field)
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


# --- one hazard and its actions ---------------------------------------------------------------------


def responsible_people(organisation_id: int):
    """Who may be made responsible for a hazard or receive a notice: the school's current staff."""
    return Person.objects.filter(organisation_id=organisation_id, status=PersonStatus.ACTIVE,
                                 category__in=RESPONSIBLE_CATEGORIES).order_by("department", "name", "staff_no")


def _people(hazard):
    return responsible_people(hazard.organisation_id)


def _action_forms(user, hazard, bound: dict | None = None) -> dict:
    """The forms of the actions this user may take on this hazard now ({} when none)."""
    bound = bound or {}
    forms = {}
    handle = hazard.state != State.CLOSED and workflow.can_handle(user, hazard)
    if handle and hazard.state in workflow.EDGES["assign"][0]:
        forms["assign"] = bound.get("assign") or AssignForm(_people(hazard), initial={
            "responsible": hazard.responsible_id, "deadline": hazard.deadline, "measures": hazard.measures,
            "funds": hazard.funds, "contingency_plan": hazard.contingency_plan})
    if handle and hazard.state == State.RECTIFYING:
        forms["submit_fix"] = bound.get("submit_fix") or FixForm()
    if handle and hazard.state == State.REPORTED and hazard.grade == Grade.GENERAL:
        forms["fix_on_spot"] = bound.get("fix_on_spot") or OnSpotForm()
    if hazard.state == State.AWAITING_VERIFICATION and workflow.can_verify(user, hazard):
        forms["verify"] = True
        forms["reject"] = bound.get("reject") or RejectForm()
    if handle and hazard.state in workflow.EDGES["escalate"][0] and hazard.level != Level.GOVERNMENT:
        form = bound.get("escalate") or EscalateForm()
        if hazard.level != Level.BUREAU:
            del form.fields["government_reference"]
        forms["escalate"] = form
    if handle:
        forms["photo"] = bound.get("photo") or PhotoForm()
    return forms


def _detail(request, hazard, bound=None, status=200):
    return render(request, "hazards/hazard_detail.html", {
        "hazard": hazard, "events": hazard.events.all(), "photos": hazard.photos.all(),
        "forms": _action_forms(request.user, hazard, bound), "next_level": _next_level_label(hazard),
        "notices": hazard.notices.all(), "can_read_register": request.user.has_capability(VIEW),
        "nav_active": "hazards"}, status=status)


def _next_level_label(hazard) -> str:
    if hazard.state == State.CLOSED or hazard.level == Level.GOVERNMENT:
        return ""
    level, grid = workflow.next_level(hazard)
    return grid.name if level == Level.GRID else str(Level(level).label)


@login_required
def hazard_detail(request, pk: int):
    return _detail(request, readable_hazard(request.user, pk))


def _fix_uploads(form) -> list:
    return [(form.cleaned_data[name], kind) for name, kind in (("before_photo", PhotoKind.BEFORE),
                                                               ("after_photo", PhotoKind.AFTER))
            if form.cleaned_data.get(name)]


@login_required
@require_POST
def hazard_act(request, pk: int, action: str):
    """One workflow action from the hazard's page. A stale page (someone acted meanwhile) is told to reload."""
    hazard = readable_hazard(request.user, pk)
    actor = Actor.from_request(request)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    forms = {"assign": lambda: AssignForm(_people(hazard), request.POST), "submit_fix": lambda: FixForm(
        request.POST, request.FILES), "fix_on_spot": lambda: OnSpotForm(request.POST, request.FILES),
        "reject": lambda: RejectForm(request.POST), "escalate": lambda: EscalateForm(request.POST),
        "photo": lambda: PhotoForm(request.POST, request.FILES), "verify": lambda: None}
    if action not in forms:
        raise Http404
    form = forms[action]()
    if form is not None and not form.is_valid():
        return _detail(request, hazard, {action: form}, status=422)
    data = form.cleaned_data if form is not None else {}
    try:
        if action == "assign":
            workflow.assign(actor, hazard, version, **data)
        elif action in ("submit_fix", "fix_on_spot"):
            transition = workflow.submit_fix if action == "submit_fix" else workflow.fix_on_spot
            # Who may not act or acts on a stale page is told so before any photo is stored.
            _precheck(request.user, hazard, version, action)
            add_photos(actor, hazard, _fix_uploads(form),
                       lambda: transition(actor, hazard, version, note=data["note"]))
        elif action == "verify":
            workflow.verify(actor, hazard, version)
        elif action == "reject":
            workflow.reject(actor, hazard, version, reason=data["reason"])
        elif action == "escalate":
            workflow.escalate(actor, hazard, version, reason=data["reason"],
                              government_reference=data.get("government_reference", ""))
        elif action == "photo":
            _precheck(request.user, hazard, version, None)
            add_photos(actor, hazard, [(data["photo"], data["kind"])])
    except workflow.Conflict as conflict:
        messages.error(request, str(conflict))
        return redirect("hazards:hazard_detail", hazard.pk)
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return redirect("hazards:hazard_detail", hazard.pk)
        _form_errors(form, error)
        return _detail(request, hazard, {action: form}, status=422)
    messages.success(request, _("已保存：%(action)s。") % {
        "action": workflow.ACTION_LABELS.get(action, _("上传照片"))})
    return redirect("hazards:hazard_detail", hazard.pk)


def _precheck(user, hazard, version: int, action: str | None) -> None:
    if hazard.version != version:
        raise workflow.Conflict()
    if not workflow.can_handle(user, hazard) or hazard.state == State.CLOSED:
        raise PermissionDenied(_("您无权处理该隐患。"))
    if action is not None and hazard.state not in workflow.EDGES[action][0]:
        raise ValidationError(_("隐患当前为“%(state)s”，不能%(action)s。") % {
            "state": hazard.get_state_display(), "action": workflow.ACTION_LABELS[action]})


# --- photos -------------------------------------------------------------------------------------------


def _readable_photo(user, pk: int) -> HazardPhoto:
    photo = access.scoped(user, HazardPhoto).filter(pk=pk, hazard__in=readable(user).values("pk")).first()
    if photo is None:
        access.require_capability(user, VIEW)
        raise Http404
    return photo


@login_required
def photo(request, pk: int):
    return _readable_photo(request.user, pk).response()


@login_required
def photo_thumb(request, pk: int):
    return _readable_photo(request.user, pk).response(thumbnail=True)


# --- my hazards (phone) -----------------------------------------------------------------------------


def grids_below(person, day) -> set[int]:
    """Grids strictly below those a person answers for: whose fixes they may verify."""
    roots = grids_of(person, day)
    below = grids_led_by(person, day) - roots
    parents = dict(Grid.objects.filter(pk__in=roots).values_list("pk", "parent_id"))
    # A grid the person holds directly that also lies below another of theirs still counts as below.
    below |= {pk for pk, parent in parents.items() if parent in below or parent in roots}
    return below


def my_hazards(user) -> dict:
    """What a staff member has to do about hazards: fix, verify, act on in their grids, and follow up."""
    person = person_of(user)
    related = ("organisation", PLACE, "grid", "responsible")
    base = access.scoped(user, Hazard).select_related(*related)
    today = timezone.localdate()
    grids = grids_of(person, today) if person is not None else set()
    to_fix = base.filter(responsible__user=user, state__in=[State.REPORTED, State.RECTIFYING]).order_by("deadline")
    if user.has_capability(Capability.MANAGE_HAZARDS):
        to_verify = access.scoped(user, base, Capability.MANAGE_HAZARDS).filter(state=State.AWAITING_VERIFICATION)
    else:
        below = grids_below(person, today) if person is not None else set()
        to_verify = base.filter(state=State.AWAITING_VERIFICATION, level=Level.GRID, grid__in=below)
    in_my_grids = base.filter(grid__in=grids, state=State.REPORTED, level=Level.GRID)
    mine = base.filter(reported_by=user).exclude(state=State.CLOSED)
    reminders = (Reminder.objects.filter(person=person, read_at__isnull=True).select_related("hazard")
                 if person is not None else Reminder.objects.none())
    return {"to_fix": to_fix[:50], "to_verify": to_verify.exclude(fixed_by=user).order_by("fixed_at")[:50],
            "in_my_grids": in_my_grids.order_by("-found_at")[:50], "mine": mine.order_by("-found_at")[:20],
            "reminders": reminders[:20]}


@login_required
def hazard_mine(request):
    return render(request, "hazards/hazard_mine.html", {**my_hazards(request.user), "nav_active": "my_hazards"})


@login_required
@require_POST
def reminders_read(request):
    person = person_of(request.user)
    if person is not None:
        Reminder.objects.filter(person=person, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("hazards:hazard_mine")
