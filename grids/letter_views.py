"""Responsibility letters (安全责任状): the year's list, generation, signing, "my letters", PDFs."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core import access
from core.audit import Actor
from core.crud import errors_text, run_action
from core.paging import page_context
from core.pdf import pdf_response, render_pdf
from core.tenancy import subtree_q
from orgs.choices import OrgKind
from orgs.models import Organisation
from orgs.roles import Capability
from people.forms import DATE

from . import letters
from .choices import LetterTemplate
from .models import ResponsibilityLetter
from .views import school_from_request

UNSIGNED = Q(issuer_signed_at__isnull=True) | Q(signer_signed_at__isnull=True)


def _year_choices(current: str, used) -> list[tuple[str, str]]:
    first = int(current[:4])
    years = set(used) | {f"{y}-{y + 1}" for y in (first - 1, first, first + 1)}
    return [(y, _("%(year)s学年") % {"year": y}) for y in sorted(years, reverse=True)]


class LetterFilterForm(forms.Form):
    year = forms.ChoiceField(label=gettext_lazy("学年"), required=False)
    template = forms.ChoiceField(label=gettext_lazy("责任状类型"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("签署情况"), required=False, choices=[
        ("", gettext_lazy("全部")), ("unsigned", gettext_lazy("未签完")), ("signed", gettext_lazy("已签完"))])
    q = forms.CharField(label=gettext_lazy("姓名"), required=False, max_length=50)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = years
        self.fields["template"].choices = [("", _("全部"))] + list(LetterTemplate.choices)


class GenerateForm(forms.Form):
    year = forms.CharField(label=gettext_lazy("学年"), max_length=9)
    on = forms.DateField(label=gettext_lazy("按此日期的网格生成"), required=False, widget=DATE,
                         help_text=gettext_lazy("默认：学年第一天；学年中途生成时为今天。"))

    def clean(self):
        data = super().clean()
        if data.get("year"):
            try:
                start, end = letters.year_bounds(data["year"])
            except ValidationError as exc:
                raise ValidationError({"year": exc.messages}) from exc
            if data.get("on") and not start <= data["on"] <= end:
                raise ValidationError({"on": _("日期须在%(year)s学年内。") % {"year": data["year"]}})
        return data


class SignForm(forms.Form):
    side = forms.ChoiceField(choices=[(letters.ISSUER, gettext_lazy("甲方")), (letters.SIGNER, gettext_lazy("乙方"))])
    name = forms.CharField(label=gettext_lazy("签名（输入姓名）"), max_length=50)


def _year_from(source) -> str:
    year = source.get("year") or letters.academic_year_of(timezone.localdate())
    try:
        letters.year_bounds(year)
    except ValidationError:
        return letters.academic_year_of(timezone.localdate())
    return year


def _school_letters(request, organisation, year: str):
    return (access.scoped(request.user, ResponsibilityLetter)
            .filter(subtree_q("organisation__path", organisation.path), academic_year=year))


def _filtered(request, organisation):
    """The school's letters of the chosen year, with the filters of the list page applied."""
    year = _year_from(request.GET)
    used = (access.scoped(request.user, ResponsibilityLetter).filter(subtree_q("organisation__path", organisation.path))
            .order_by("academic_year").values_list("academic_year", flat=True).distinct())
    data = None
    if request.GET:
        data = request.GET.copy()
        data["year"] = year  # the year shown is the year listed, also when none or a bad one was asked for
    form = LetterFilterForm(data, years=_year_choices(year, used), initial={"year": year})
    of_year = _school_letters(request, organisation, year)
    selected = of_year
    if form.is_valid():
        chosen = form.cleaned_data
        if chosen["template"]:
            selected = selected.filter(template=chosen["template"])
        if chosen["status"] == "unsigned":
            selected = selected.filter(UNSIGNED)
        elif chosen["status"] == "signed":
            selected = selected.exclude(UNSIGNED)
        if chosen["q"]:
            selected = selected.filter(Q(issuer__name__icontains=chosen["q"]) | Q(signer__name__icontains=chosen["q"]))
    selected = (selected.select_related("organisation", "issuer", "signer", "grid")
                .order_by("template", "signer__name", "pk"))
    return year, form, of_year, selected


def _counts(of_year) -> list[dict]:
    """Per template (level): how many letters, and how many still wait for a signature."""
    rows = {r["template"]: r for r in of_year.values("template").annotate(
        total=Count("pk"), unsigned=Count("pk", filter=UNSIGNED),
        issuer_unsigned=Count("pk", filter=Q(issuer_signed_at__isnull=True)),
        signer_unsigned=Count("pk", filter=Q(signer_signed_at__isnull=True)))}
    empty = {"total": 0, "unsigned": 0, "issuer_unsigned": 0, "signer_unsigned": 0}
    return [{"template": value, "label": label, **{k: rows.get(value, empty)[k] for k in empty}}
            for value, label in LetterTemplate.choices]


def _schools(request):
    return access.scoped(request.user, Organisation).exclude(kind__in=[OrgKind.BUREAU, OrgKind.DIVISION])


@login_required
@require_GET
def letter_list(request):
    organisation = school_from_request(request)
    if organisation is None:
        return render(request, "grids/letter_list.html", {"schools": _schools(request), "nav_active": "letters"})
    year, form, of_year, selected = _filtered(request, organisation)
    can_manage = request.user.has_capability(Capability.MANAGE_GRID, organisation)
    today = timezone.localdate()
    start, end = letters.year_bounds(year)
    return render(request, "grids/letter_list.html", {
        "organisation": organisation, "year": year, "form": form, "counts": _counts(of_year),
        "can_manage": can_manage, "nav_active": "letters",
        "generate_form": GenerateForm(initial={"year": year, "on": today if start <= today <= end else start})
        if can_manage else None,
        **page_context(request, selected)})


@login_required
@require_POST
def letter_generate(request):
    access.require_capability(request.user, Capability.MANAGE_GRID)
    organisation = access.get_for_user(request.user, Organisation, Capability.MANAGE_GRID, pk=request.POST.get("org"))
    if organisation.kind == OrgKind.BUREAU:
        raise Http404
    form = GenerateForm(request.POST)
    year = _year_from(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
    else:
        year = form.cleaned_data["year"]
        start, end = letters.year_bounds(year)
        today = timezone.localdate()
        on = form.cleaned_data["on"] or (today if start <= today <= end else None)
        created = letters.generate_letters(Actor.from_request(request), organisation, year, on=on)
        if created:
            messages.success(request, _("已生成%(n)d份责任状。") % {"n": len(created)})
        else:
            messages.info(request, _("没有需要新生成的责任状：网格中每一对责任人都已有本学年的责任状。"))
    return redirect(reverse("letters:letter_list") + "?" + urlencode({"org": organisation.pk, "year": year}))


def _letter(request, pk):
    return access.get_for_user(
        request.user, ResponsibilityLetter.objects.select_related("organisation", "issuer", "signer", "grid"), pk=pk)


@login_required
@require_GET
def letter_detail(request, pk):
    letter = _letter(request, pk)
    issuer_label, signer_label = letters.party_labels(letter.template)
    sides = letters.signable_sides(request.user, letter)
    forms_for = [{"side": side, "person": letters.party(letter, side),
                  "label": letters.side_label(side),
                  "on_paper": not letters.is_party(request.user, letter, side)} for side in sides]
    return render(request, "grids/letter_detail.html", {
        "letter": letter, "blocks": letters.body_blocks(letter.body), "sign_forms": forms_for,
        "show_ip": letters.may_record_for(request.user, letter),
        "issuer_label": issuer_label, "signer_label": signer_label, "nav_active": "letters"})


@login_required
@require_POST
def letter_sign(request, pk):
    letter = _letter(request, pk)
    user = request.user
    if not (letters.may_record_for(user, letter) or any(letters.is_party(user, letter, s) for s in letters.SIDES)):
        raise PermissionDenied
    run_action(request, SignForm(request.POST),
               lambda data: letters.sign(Actor.from_request(request), letter, data["side"], data["name"]),
               _("已签署。"))
    return redirect("letters:letter_detail", pk=letter.pk)


@login_required
@require_GET
def my_letters(request):
    person = getattr(request.user, "person", None)  # the Person linked to this account, if any
    rows = []
    if person is not None:
        mine = (access.scoped(request.user, ResponsibilityLetter).filter(Q(issuer=person) | Q(signer=person))
                .select_related("organisation", "issuer", "signer", "grid")
                .order_by("-academic_year", "template", "pk"))
        for letter in mine:
            side = letters.ISSUER if letter.issuer_id == person.pk else letters.SIGNER
            rows.append({"letter": letter, "side_label": letters.side_label(side),
                         "to_sign": getattr(letter, f"{side}_signed_at") is None})
    return render(request, "grids/letter_mine.html", {
        "person": person, "rows": rows, "to_sign": sum(r["to_sign"] for r in rows), "nav_active": "letters"})


def _printable(letter: ResponsibilityLetter) -> ResponsibilityLetter:
    letter.blocks = letters.body_blocks(letter.body)
    letter.issuer_label, letter.signer_label = letters.party_labels(letter.template)
    return letter


@login_required
@require_GET
def letter_pdf(request, pk):
    letter = _printable(_letter(request, pk))
    pdf = render_pdf("pdf/letters.html", {"letters": [letter], "title": letter.title})
    return pdf_response(Actor.from_request(request), f"letter-{letter.pk}.pdf", pdf,
                        object_type="grids.responsibilityletter", organisation=letter.organisation,
                        description=str(letter))


@login_required
@require_GET
def letters_pdf(request):
    """All letters of a school and year (with the list's filters) in one document, one per page."""
    organisation = school_from_request(request)
    if organisation is None:
        raise Http404
    access.require_capability(request.user, Capability.MANAGE_GRID, organisation)
    year, _form, _of_year, selected = _filtered(request, organisation)
    chosen = [_printable(letter) for letter in selected]
    if not chosen:
        messages.info(request, _("没有符合条件的责任状。"))
        return redirect(reverse("letters:letter_list") + "?" + request.GET.urlencode())
    title = _("%(school)s %(year)s学年安全责任状") % {"school": organisation.name, "year": year}
    pdf = render_pdf("pdf/letters.html", {"letters": chosen, "title": title})
    return pdf_response(Actor.from_request(request), f"letters-{organisation.code}-{year}.pdf", pdf,
                        object_type="grids.responsibilityletter", organisation=organisation,
                        description=f"letters {organisation.code} {year}", changes={"letters": [None, len(chosen)]})

