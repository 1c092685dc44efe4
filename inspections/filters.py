"""Filter forms of the inspection records pages (records, findings, check-ins, missed checks, rates).

Every filter offered is served by an index: Inspection (organisation, on_date), (grid, on_date),
(place, on_date), (schedule, on_date), (inspector, on_date), (organisation, failed_count) and the
foreign-key indexes on version_id (checklist) and check_in_id (via QR); Finding (organisation, on_date,
is_major) and its grid_id / place_id keys; CheckIn (organisation, flagged, server_time).

A bureau user (more than one school in sight) gets a school select; the selects whose choices are one
school's rows (grids, places, schedules…) appear once a school is known, so a bureau never renders
every grid of its district. Choices that do not belong (a grid of the school picked before) are
ignored rather than refused: a stale filter narrows nothing.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campus.models import Place
from core import access
from core.filters import local_midnight
from core.widgets import FastSelect
from grids.models import Grid
from orgs.choices import SCHOOL_KINDS
from orgs.models import Organisation
from orgs.roles import Capability
from people.models import Person

from .models import Checklist, Schedule, Term

# Plans over longer periods load too much for a page (a term is about 150 days).
MAX_PLAN_DAYS = 200
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def visible_schools(user):
    """The schools whose inspection records the user may read, in tree order."""
    return (access.scoped(user, Organisation, Capability.VIEW_INSPECTIONS)
            .filter(kind__in=SCHOOL_KINDS).order_by("path"))


def filter_data(query, defaults: dict, *, first_visit: dict | None = None):
    """The GET parameters with `defaults` for the keys not sent; `first_visit` defaults (checkboxes,
    whose absence means "off") only when no filter was sent at all."""
    data = query.copy()
    fresh = not (set(query) - {"page"})
    for key, value in defaults.items():
        if key not in data:
            data[key] = value
    if fresh:
        for key, value in (first_visit or {}).items():
            data[key] = value
    return data


class LenientModelChoiceField(forms.ModelChoiceField):
    """A filter select: an id that is not (or no longer) among the choices filters nothing. Rendered in
    Python (`FastSelect`): a bureau's school list has hundreds of options."""

    widget = FastSelect

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            return None


class PlaceChoiceField(LenientModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class RecordFilterForm(forms.Form):
    """Base: the school select for bureau users and the school-bound selects below it."""

    school_fields: dict[str, object] = {}  # field name → function(school) giving its queryset

    def __init__(self, user, data=None, *, url: str = ""):
        super().__init__(data)
        self.user = user
        self.schools = list(visible_schools(user))
        self.school = None
        if len(self.schools) > 1:
            field = LenientModelChoiceField(
                label=_("学校"), required=False, empty_label=_("全部学校"),
                queryset=Organisation.objects.filter(pk__in=[s.pk for s in self.schools]).order_by("path"))
            # Changing the school redraws the whole form (its grids, places…), not only the results.
            field.widget.attrs.update({"hx-get": url, "hx-include": "closest form", "hx-target": "#records",
                                       "hx-trigger": "change consume", "hx-swap": "outerHTML",
                                       "hx-push-url": "true"})
            self.fields = {"organisation": field, **self.fields}
            chosen = str((data or {}).get("organisation") or "")
            self.school = next((s for s in self.schools if str(s.pk) == chosen), None)
        elif self.schools:
            self.school = self.schools[0]
        for name, queryset in self.school_fields.items():
            if self.school is None:
                del self.fields[name]
            else:
                self.fields[name].queryset = queryset(self.school)

    @property
    def is_bureau(self) -> bool:
        return len(self.schools) > 1

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise ValidationError(_("起始日期不能晚于截止日期。"))
        return data

    def narrow_to_school(self, queryset):
        """Rows of the chosen school (bureau users), through the organisation index."""
        if self.is_bureau and self.school is not None:
            return queryset.filter(organisation=self.school)
        return queryset


def last_days(n: int) -> dict:
    today = timezone.localdate()
    return {"since": (today - datetime.timedelta(days=n - 1)).isoformat(), "until": today.isoformat()}


def _grids(school):
    return Grid.objects.filter(organisation=school).order_by("level", "name")


def _places(school):
    return Place.objects.filter(organisation=school).select_related("parent__parent__parent").order_by("code")


class InspectionFilterForm(RecordFilterForm):
    RESULTS = [("", _("全部")), ("zero", _("零报告")), ("failed", _("有不合格")), ("major", _("有重大隐患项"))]
    VIA_QR = [("", _("全部")), ("yes", _("扫码")), ("no", _("未扫码"))]

    since = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    until = forms.DateField(label=_("截止日期"), required=False, widget=DATE)
    grid = LenientModelChoiceField(label=_("网格"), queryset=Grid.objects.none(), required=False,
                                   empty_label=_("全部"))
    place = PlaceChoiceField(label=_("场所"), queryset=Place.objects.none(), required=False, empty_label=_("全部"))
    schedule = LenientModelChoiceField(label=_("排查计划"), queryset=Schedule.objects.none(), required=False,
                                       empty_label=_("全部"))
    checklist = LenientModelChoiceField(label=_("排查表"), queryset=Checklist.objects.none(), required=False,
                                        empty_label=_("全部"))
    inspector = LenientModelChoiceField(label=_("检查人"), queryset=Person.objects.none(), required=False,
                                        empty_label=_("全部"))
    result = forms.ChoiceField(label=_("结果"), choices=RESULTS, required=False)
    via_qr = forms.ChoiceField(label=_("扫码打卡"), choices=VIA_QR, required=False)

    school_fields = {
        "grid": _grids,
        "place": _places,
        "schedule": lambda school: Schedule.objects.filter(organisation=school).order_by("name"),
        "checklist": lambda school: Checklist.objects.filter(organisation=school).order_by("topic", "name"),
        # Only people with a login submit (the inspector is the submitter's person).
        "inspector": lambda school: Person.objects.filter(organisation=school, user__isnull=False).order_by("name"),
    }

    @staticmethod
    def defaults() -> dict:
        return last_days(7)

    def filter(self, inspections):
        data = self.cleaned_data
        inspections = self.narrow_to_school(inspections)
        if data.get("since"):
            inspections = inspections.filter(on_date__gte=data["since"])
        if data.get("until"):
            inspections = inspections.filter(on_date__lte=data["until"])
        for name in ("grid", "place", "schedule", "inspector"):
            if data.get(name):
                inspections = inspections.filter(**{name: data[name]})
        if data.get("checklist"):
            inspections = inspections.filter(version__checklist=data["checklist"])
        result = data.get("result")
        if result == "zero":
            inspections = inspections.filter(failed_count=0)
        elif result == "failed":
            inspections = inspections.filter(failed_count__gt=0)
        elif result == "major":
            inspections = inspections.filter(failed_count__gt=0, major_count__gt=0)
        if data.get("via_qr") == "yes":
            inspections = inspections.filter(check_in__isnull=False)
        elif data.get("via_qr") == "no":
            inspections = inspections.filter(check_in__isnull=True)
        return inspections


class FindingFilterForm(RecordFilterForm):
    since = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    until = forms.DateField(label=_("截止日期"), required=False, widget=DATE)
    major = forms.BooleanField(label=_("仅重大隐患"), required=False)
    grid = LenientModelChoiceField(label=_("网格"), queryset=Grid.objects.none(), required=False,
                                   empty_label=_("全部"))
    place = PlaceChoiceField(label=_("场所"), queryset=Place.objects.none(), required=False, empty_label=_("全部"))

    school_fields = {"grid": _grids, "place": _places}

    @staticmethod
    def defaults() -> dict:
        return last_days(30)

    def filter(self, findings):
        data = self.cleaned_data
        findings = self.narrow_to_school(findings)
        if data.get("since"):
            findings = findings.filter(on_date__gte=data["since"])
        if data.get("until"):
            findings = findings.filter(on_date__lte=data["until"])
        if data.get("major"):
            findings = findings.filter(is_major=True)
        if data.get("grid"):
            findings = findings.filter(grid=data["grid"])
        if data.get("place"):
            findings = findings.filter(place=data["place"])
        return findings


class CheckInFilterForm(RecordFilterForm):
    since = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    until = forms.DateField(label=_("截止日期"), required=False, widget=DATE)
    flagged = forms.BooleanField(label=_("仅异常"), required=False)

    @staticmethod
    def defaults() -> dict:
        return last_days(7)

    def filter(self, check_ins):
        data = self.cleaned_data
        check_ins = self.narrow_to_school(check_ins)
        if data.get("flagged"):
            check_ins = check_ins.filter(flagged=True)
        # Ranges on server_time (local midnights), not server_time__date, so the index serves them.
        if data.get("since"):
            check_ins = check_ins.filter(server_time__gte=local_midnight(data["since"]))
        if data.get("until"):
            check_ins = check_ins.filter(server_time__lt=local_midnight(data["until"] + datetime.timedelta(days=1)))
        return check_ins


class PlanRangeMixin:
    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and (until - since).days + 1 > MAX_PLAN_DAYS:
            raise ValidationError(_("日期范围不能超过%(n)d天。") % {"n": MAX_PLAN_DAYS})
        return data


class MissedFilterForm(PlanRangeMixin, RecordFilterForm):
    since = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    until = forms.DateField(label=_("截止日期"), required=False, widget=DATE)

    @staticmethod
    def defaults() -> dict:
        yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
        return {"since": yesterday, "until": yesterday}

    def period(self) -> tuple[datetime.date, datetime.date]:
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        since = self.cleaned_data.get("since") or self.cleaned_data.get("until") or yesterday
        return since, self.cleaned_data.get("until") or max(since, yesterday)


class RatesFilterForm(PlanRangeMixin, RecordFilterForm):
    PERIODS = [("today", _("今天")), ("week", _("本周")), ("month", _("本月")), ("term", _("本学期")),
               ("custom", _("自定义"))]
    BY = [("grid", _("按网格")), ("person", _("按人员")), ("school", _("全校"))]

    period = forms.ChoiceField(label=_("期间"), choices=PERIODS, required=False)
    since = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    until = forms.DateField(label=_("截止日期"), required=False, widget=DATE)
    by = forms.ChoiceField(label=_("统计口径"), choices=BY, required=False)

    @staticmethod
    def defaults() -> dict:
        return {"period": "month", "by": "grid"}

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom" and not (data.get("since") and data.get("until")):
            raise ValidationError(_("自定义期间须填写起始日期和截止日期。"))
        return data

    def dates(self, school, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
        """The period for a school: the term is the school's own (its calendar), else the last 120 days."""
        return period_dates(self.cleaned_data.get("period") or "month", school, today or timezone.localdate(),
                            self.cleaned_data.get("since"), self.cleaned_data.get("until"))


def period_dates(preset: str, school, today: datetime.date, since=None, until=None):
    if preset == "custom" and since and until:
        return since, until
    if preset == "today":
        return today, today
    if preset == "week":
        return today - datetime.timedelta(days=today.weekday()), today
    if preset == "term":
        term = Term.objects.filter(organisation=school).active_on(today).first() if school is not None else None
        if term is not None:
            end = min(term.end, today)
            return max(term.start, end - datetime.timedelta(days=MAX_PLAN_DAYS - 1)), end
        return today - datetime.timedelta(days=119), today
    return today.replace(day=1), today
