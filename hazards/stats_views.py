"""Hazard statistics pages (隐患统计, 方案7): the figures of a quarter, a year or any period, for a school or,
for a bureau, across its schools (aggregated, with a per-school table ranked) or one school picked; and
the quarterly or yearly summary (统计表) as an A4 PDF for the principal's signature and as Excel.

Reading needs VIEW_INSPECTIONS (who reads the register reads its statistics); every hazard comes through
`core.access`, so a school never counts a sibling's. Every figure links to the register filtered alike.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import access
from core.audit import Actor, AuditAction, record
from core.exports import write_workbook, xlsx_response
from core.filters import local_midnight
from core.pdf import pdf_response, render_pdf
from inspections.filters import DATE, RecordFilterForm, filter_data
from orgs.roles import Capability

from .choices import Grade, State
from .forms import HazardFilterForm
from .models import Hazard
from .stats import Summary, in_period, is_overdue, overdue_q, summarise

VIEW = Capability.VIEW_INSPECTIONS
NAV = "hazard_stats"
PLACE = "place__parent__parent__parent"  # enough for full_name: area/building/floor/room
QUARTERS = [(1, gettext_lazy("第一季度")), (2, gettext_lazy("第二季度")), (3, gettext_lazy("第三季度")),
            (4, gettext_lazy("第四季度"))]


class StatsFilterForm(RecordFilterForm):
    """The period (a quarter, a year or from–to) and, for a bureau, the school. Without `period` it is
    told by what is given: a quarter, else from–to, else the whole year (summary.pdf?year=2026)."""

    PERIODS = [("quarter", gettext_lazy("按季度")), ("year", gettext_lazy("按年度")),
               ("custom", gettext_lazy("自定义"))]

    period = forms.ChoiceField(label=gettext_lazy("统计期间"), choices=PERIODS, required=False)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(label=gettext_lazy("季度"), choices=[("", gettext_lazy("全年"))] + QUARTERS,
                                     coerce=int, empty_value=None, required=False)
    since = forms.DateField(label=gettext_lazy("起始日期"), required=False, widget=DATE)
    until = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=DATE)

    @staticmethod
    def defaults() -> dict:
        today = timezone.localdate()
        return {"period": "quarter", "year": str(today.year), "quarter": str((today.month - 1) // 3 + 1)}

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        period = data.get("period") or ("quarter" if data.get("quarter") else "custom" if since or until else "year")
        if period == "custom" and not (since and until):
            raise ValidationError(_("自定义期间须填写起始日期和截止日期。"))
        if period == "quarter" and not data.get("quarter"):
            raise ValidationError(_("请选择季度。"))
        data["period"] = period
        return data

    def dates(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        data = self.cleaned_data
        if data["period"] == "custom":
            return data["since"], data["until"]
        year = data.get("year") or today.year
        if data["period"] == "year":
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        quarter = data["quarter"]
        end = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
        return datetime.date(year, 3 * quarter - 2, 1), end - datetime.timedelta(days=1)

    def label(self, today: datetime.date) -> str:
        """2026年第四季度 / 2026年度 / 2026-01-05至2026-02-01"""
        data = self.cleaned_data
        year = data.get("year") or today.year
        if data["period"] == "quarter":
            return _("%(year)d年%(quarter)s") % {"year": year, "quarter": dict(QUARTERS)[data["quarter"]]}
        if data["period"] == "year":
            return _("%(year)d年度") % {"year": year}
        return _("%(since)s至%(until)s") % {"since": data["since"].isoformat(), "until": data["until"].isoformat()}

    def summary_query(self, today: datetime.date) -> dict:
        """The parameters of the printed summary of this period (and school)."""
        data = self.cleaned_data
        query = {"organisation": self.school.pk} if self.is_bureau and self.school else {}
        if data["period"] == "custom":
            return {**query, "since": data["since"].isoformat(), "until": data["until"].isoformat()}
        year = data.get("year") or today.year
        return {**query, "year": year, **({"quarter": data["quarter"]} if data["period"] == "quarter" else {})}


def _form(request, defaults: dict) -> StatsFilterForm:
    return StatsFilterForm(request.user, filter_data(request.GET, defaults),
                           url=reverse("hazard_stats:statistics"))


def _hazards(request, form):
    return form.narrow_to_school(access.scoped(request.user, Hazard, VIEW))


def _summary(request, form, today: datetime.date) -> Summary:
    start, end = form.dates(today)
    overview = form.is_bureau and form.school is None
    return summarise(_hazards(request, form), start, end, today, schools=form.schools if overview else None)


def _scope_name(request, form) -> str:
    """Whose figures: the school picked (or the only one), else the user's own organisation (a bureau)."""
    if form.school is not None:
        return form.school.name
    organisation = request.user.audit_organisation()
    return organisation.name if organisation else ""


def _link(summary: Summary, form, request):
    """Attach register links to every row: all its hazards, its closed ones, its overdue ones."""
    register = reverse("hazards:hazard_list")
    base = {"since": summary.start.isoformat(), "until": summary.end.isoformat()}
    if form.is_bureau and form.school is not None:
        base["organisation"] = form.school.pk

    def url(**extra) -> str:
        return f"{register}?{urlencode({**base, **extra})}"

    for _title, rows in summary.breakdowns():
        for row in rows:
            row.links = {"total": url(**row.query), "closed": url(**{**row.query, "state": State.CLOSED}),
                         "overdue": url(**row.query, overdue="on")}
            if rows is summary.by_school:  # a bureau's school: its own statistics, same period
                query = request.GET.copy()
                query["organisation"] = str(row.key)
                row.drill = f"{reverse('hazard_stats:statistics')}?{query.urlencode()}"
    return {"total": url(), "closed": url(state=State.CLOSED), "overdue": url(overdue="on"),
            "major": url(grade=Grade.MAJOR, state=HazardFilterForm.OPEN),
            "open": url(state=HazardFilterForm.OPEN)}


def _template(request, name: str) -> str:
    """The page; for htmx its results, or the form and results when the school select changed."""
    if request.htmx:
        return f"{name}#{'records' if request.htmx.target == 'records' else 'results'}"
    return name


@login_required
def statistics(request):
    access.require_capability(request.user, VIEW)
    today = timezone.localdate()
    form = _form(request, StatsFilterForm.defaults())
    context = {"form": form, "nav_active": NAV, "summary": None}
    if form.is_valid():
        summary = _summary(request, form, today)
        links = _link(summary, form, request)
        # A phone shows each row as a card: leave out the categories without hazards (never a school).
        breakdowns = [(title, [r for r in rows if r.figures.total or r.drill]) for title, rows in summary.breakdowns()]
        context.update(summary=summary, figures=summary.figures, links=links, breakdowns=breakdowns,
                       scope_name=_scope_name(request, form), period_label=form.label(today),
                       summary_query=urlencode(form.summary_query(today)),
                       overview=summary.by_school is not None)
    return render(request, _template(request, "hazards/stats.html"), context)


# --- the printed summary (统计表) ------------------------------------------------------------------


def _summary_context(request):
    """The summary's figures and its two lists: the period's major hazards, and the hazards still open
    past their deadline today that were found up to the period's end (those carried over included)."""
    access.require_capability(request.user, VIEW)
    today = timezone.localdate()
    form = _form(request, {"year": str(today.year)})
    if not form.is_valid():
        raise BadRequest(" ".join(form.non_field_errors()) or "invalid period")
    summary = _summary(request, form, today)
    hazards = _hazards(request, form).select_related("organisation", PLACE, "grid", "responsible")
    majors = in_period(hazards, summary.start, summary.end).filter(grade=Grade.MAJOR).order_by("found_at", "pk")
    overdue = (hazards.filter(found_at__lt=local_midnight(summary.end + datetime.timedelta(days=1)))
               .exclude(state=State.CLOSED).filter(overdue_q(today)).order_by("deadline", "pk"))
    name = _scope_name(request, form)
    period = form.label(today)
    return form, summary, {
        "summary": summary, "figures": summary.figures, "scope_name": name, "period_label": period,
        "title": _("%(name)s%(period)s安全隐患排查整改统计表") % {"name": name, "period": period},
        "is_school": form.school is not None, "majors": list(majors), "overdue": list(overdue),
        "generated_at": timezone.localtime(), "today": today, "hazards": hazards,
    }


def _filename(form, today: datetime.date, ext: str) -> str:
    query = form.summary_query(today)
    if "since" in query:
        stem = f"{query['since']}_{query['until']}"
    else:
        stem = f"{query['year']}" + (f"Q{query['quarter']}" if "quarter" in query else "")
    return f"hazard-summary-{stem}.{ext}"


@login_required
def summary_pdf(request):
    form, summary, context = _summary_context(request)
    pdf = render_pdf("pdf/hazard_summary.html", context)
    return pdf_response(Actor.from_request(request), _filename(form, context["today"], "pdf"), pdf,
                        object_type="hazards.summary", organisation=form.school, description=context["title"],
                        changes={"hazards": [None, summary.figures.total]})


def _hazard_row(h, today: datetime.date) -> list:
    hours = (h.verified_at - h.found_at).total_seconds() / 3600 if h.state == State.CLOSED and h.verified_at else ""
    return [h.pk, h.organisation.name, timezone.localtime(h.found_at).strftime("%Y-%m-%d %H:%M"),
            h.get_topic_display(), h.get_grade_display(), h.get_source_display(), h.get_state_display(),
            h.grid.name if h.grid_id and h.grid else "", h.place.full_name if h.place_id and h.place else "",
            h.description, h.deadline.isoformat() if h.deadline else "",
            timezone.localtime(h.verified_at).strftime("%Y-%m-%d %H:%M") if h.verified_at else "",
            round(hours, 1) if hours != "" else "", _("是") if is_overdue(h, today) else ""]


def _figure_row(section: str, label: str, f) -> list:
    def number(value):
        return round(value, 1) if value is not None else ""

    return [section, label, f.total, f.closed, f.open, f.with_deadline, f.overdue, number(f.overdue_rate),
            number(f.average_hours), number(f.p90_hours), f.major_open]


@login_required
def summary_xlsx(request):
    """One sheet of figures (totals, then every breakdown), one of the period's hazards (constant memory)."""
    form, summary, context = _summary_context(request)
    today = context["today"]
    figures = [_figure_row(_("合计"), context["scope_name"], summary.figures)]
    figures += [_figure_row(title, row.label, row.figures) for title, rows in summary.breakdowns() for row in rows]
    hazards = in_period(context["hazards"], summary.start, summary.end).order_by("found_at", "pk")
    figure_headers = [_("分组"), _("项目"), _("隐患数"), _("已销号"), _("未销号"), _("有整改期限"), _("逾期"),
                      _("逾期率（%）"), _("平均销号用时（小时）"), _("90%销号用时（小时）"), _("重大隐患未销号")]
    hazard_headers = [_("编号"), _("学校"), _("发现时间"), _("类别"), _("等级"), _("来源"), _("状态"), _("责任网格"),
                      _("场所"), _("隐患描述"), _("整改期限"), _("销号时间"), _("销号用时（小时）"), _("逾期")]
    preamble = [[context["title"]], [_("统计期间"), f"{summary.start.isoformat()} – {summary.end.isoformat()}",
                                     _("统计日期"), today.isoformat()]]
    content, counts = write_workbook([
        (_("统计"), figure_headers, figures, preamble),
        (_("隐患明细"), hazard_headers, (_hazard_row(h, today) for h in hazards.iterator(chunk_size=2000)))])
    filename = _filename(form, today, "xlsx")
    actor = Actor.from_request(request)
    organisation = form.school or (actor.user.audit_organisation() if actor.user else None)
    record(actor, AuditAction.EXPORT, organisation=organisation, object_type="hazards.summary",
           object_repr=context["title"], changes={"hazards": [None, counts[1]]})
    return xlsx_response(content, filename)
