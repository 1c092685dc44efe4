"""Home pages, one per role, and the dashboards behind them (issue #6).

- school home (school leader, safety office): today's inspections, open hazards by grade and state, overdue
  hazards, coverage findings, unsigned responsibility letters, the alert level, the last 30 days and 12 months;
- grid member home: my tasks today, my open hazards, my grids;
- bureau home: its schools ranked by risk and sortable, 12-month trends, the organisation tree by risk, and
  each school's dashboard read-only (`school_detail`).

Every figure links to the filtered list behind it. No figure here is made up: what the product does not
have yet (alert levels) says so. Query counts do not grow with schools, hazards or days: the period figures
come from dashboards.figures (daily roll-ups), today's live ones from a few grouped queries.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, F, Q
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import access
from core.models import AuditAction, AuditEvent
from inspections.summary import day_plan, school_day
from orgs.choices import SCHOOL_KINDS, OrgKind
from orgs.models import Membership, Organisation
from orgs.roles import Capability, Role
from people.models import person_of

from . import charts, figures, panels

# Home page variant by the user's highest role.
HOME_TEMPLATES = {
    Role.BUREAU_ADMIN: "dashboards/home_bureau.html",
    Role.SCHOOL_LEADER: "dashboards/home_school.html",
    Role.SAFETY_OFFICE: "dashboards/home_school.html",
    Role.DUTY_LEADER: "dashboards/home_member.html",
    Role.GRID_LEADER: "dashboards/home_member.html",
    Role.GRID_MEMBER: "dashboards/home_member.html",
}
PERIOD_DAYS = 30

# DOMAIN.md "Alert levels": 三级常规防控 is the default, needing no instruction. The product has no alert-level
# records yet, so the dashboards show the default and say that levels are not in use.
ALERT_LEVEL = {"level": 3, "label": gettext_lazy("三级 常规防控"), "enabled": False,
               "note": gettext_lazy("分级防控（预警响应）尚未启用：未发布过提级指令，按默认的常规防控显示。")}


def my_assignments(user):
    """What the signed-in person answers for today: their own assignments and their posts'."""
    from grids.models import Assignment
    from inspections.due import assignments_of

    person = person_of(user)
    if person is None:
        return []
    ids = list(assignments_of(person, timezone.localdate()))
    return list(access.scoped(user, Assignment).filter(pk__in=ids or [0])
                .select_related("grid", "post").order_by("grid__level", "grid__name"))


def _url(name: str, args=(), **params) -> str:
    """A list's URL with its filters (empty ones left out)."""
    url = reverse(name, args=args)
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{url}?{query}" if query else url


# --- a school's figures ------------------------------------------------------------------------------------


def hazard_figures(school, today: datetime.date) -> dict:
    """The school's open hazards by state and grade, the overdue ones and those left overnight (one query),
    and the public reports waiting for review (one), each with the register's link."""
    from hazards.choices import Grade, ReportStatus, State
    from hazards.models import Hazard, PublicReport

    states = [State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION]
    cells = {f"{s}_{g}": Count("pk", filter=Q(state=s, grade=g)) for s in states for g in Grade.values}
    counts = Hazard.objects.filter(organisation=school, state__in=states).aggregate(
        **cells, overdue=Count("pk", filter=figures.open_overdue_q(today)),
        overdue_major=Count("pk", filter=figures.open_overdue_q(today) & Q(grade=Grade.MAJOR)),
        left_overnight=Count("pk", filter=Q(left_overnight=True, state=State.REPORTED)))
    register = "hazards:hazard_list"
    org = school.pk
    rows = []
    for state in states:
        row_cells = [{"grade": g, "n": counts[f"{state}_{g}"], "url": _url(register, state=state, grade=g,
                                                                            organisation=org)} for g in Grade.values]
        rows.append({"state": state, "label": State(state).label, "cells": row_cells,
                     "total": sum(c["n"] for c in row_cells), "url": _url(register, state=state, organisation=org)})
    totals = [{"grade": g, "label": Grade(g).label, "n": sum(counts[f"{s}_{g}"] for s in states),
               "url": _url(register, state="open", grade=g, organisation=org)} for g in Grade.values]
    open_total = sum(t["n"] for t in totals)
    major = next(t["n"] for t in totals if t["grade"] == Grade.MAJOR)
    return {
        "rows": rows, "grades": totals, "open": open_total, "major": major,
        "open_url": _url(register, state="open", organisation=org),
        "major_url": _url(register, state="open", grade=Grade.MAJOR, organisation=org),
        "overdue": counts["overdue"], "overdue_major": counts["overdue_major"],
        "overdue_url": _url(register, state="open", overdue="on", organisation=org),
        "left_overnight": counts["left_overnight"],
        "left_overnight_url": _url(register, state=State.REPORTED, left_overnight="on", organisation=org),
        "public_pending": PublicReport.objects.filter(organisation=school, status=ReportStatus.PENDING).count(),
        "chart": charts.bar_list([(str(r["label"]), r["total"], f"state-{r['state']}") for r in rows],
                                 title=_("未销号隐患（按状态）")),
    }


def letter_figures(school, today: datetime.date) -> dict:
    """This academic year's responsibility letters of the school's subtree: how many, how many not signed by
    both parties (one query), with the letters list filtered to the unsigned ones."""
    from core.tenancy import subtree_q
    from grids.letter_views import UNSIGNED
    from grids.letters import academic_year_of
    from grids.models import ResponsibilityLetter

    year = academic_year_of(today)
    counts = ResponsibilityLetter.objects.filter(subtree_q("organisation__path", school.path),
                                                 academic_year=year).aggregate(total=Count("pk"),
                                                                               unsigned=Count("pk", filter=UNSIGNED))
    return {"year": year, **counts,
            "url": _url("letters:letter_list", org=school.pk, year=year),
            "unsigned_url": _url("letters:letter_list", org=school.pk, year=year, status="unsigned")}


def inspection_links(school, today: datetime.date) -> dict:
    start, end = figures.period(today, PERIOD_DAYS)
    org = school.pk
    return {
        "today_rates": _url("inspection_records:rates", organisation=org, period="today", by="grid"),
        "today_records": _url("inspection_records:inspection_list", organisation=org, since=today, until=today),
        "missed_yesterday": _url("inspection_records:missed", organisation=org, since=today - datetime.timedelta(1),
                                 until=today - datetime.timedelta(1)),
        "flagged": _url("inspection_records:checkins", organisation=org, flagged=1, since=today, until=today),
        "findings_today": _url("inspection_records:findings", organisation=org, since=today, until=today),
        "period_rates": _url("inspection_records:rates", organisation=org, period="custom", since=start, until=end,
                             by="school"),
        "period_missed": _url("inspection_records:missed", organisation=org, since=start, until=end),
        "period_found": _url("hazards:hazard_list", organisation=org, since=start, until=end),
        "period_closed": _url("hazards:hazard_list", organisation=org, since=start, until=end, state="closed"),
    }


def trend_context(months: list[figures.Month], title_suffix: str = "") -> dict:
    """The 12 months' charts (completion; hazards found and closed) and the table beside them."""
    labels = [_("%(m)d月") % {"m": m.month.month} for m in months]
    return {
        "months": months,
        "completion_chart": charts.line_chart(labels, [m.completion for m in months], unit="%", max_value=100,
                                              title=_("近12个月排查完成率") + title_suffix, css="completion"),
        "hazards_chart": charts.column_chart(
            labels, [(_("发现"), [m.found for m in months], "found"),
                     (_("销号"), [m.closed for m in months], "closed")],
            title=_("近12个月隐患发现与销号") + title_suffix),
    }


def today_context(school, today: datetime.date, plan=None) -> dict:
    """A school's today: tasks due and done, yesterday's misses, flagged scans, failed checks (`plan`: the
    school's `inspections.summary.day_plan`, if the caller has it)."""
    return {"inspections_today": school_day(school, today, plan),
            "inspection_links": inspection_links(school, today)}


def figures_context(school, today: datetime.date) -> dict:
    """Everything else a school's dashboard shows: hazards, the last 30 days, coverage, letters, the alert level
    and the 12 months."""
    from grids.views import school_coverage_counts

    months = figures.trend([school], today=today)
    row = figures.school_rows([school], today=today)[0]
    start, end = figures.period(today, PERIOD_DAYS)
    return {
        "school": school, "today": today, "period_start": start, "period_end": end, "period_days": PERIOD_DAYS,
        "inspection_links": inspection_links(school, today),
        "hazard_figures": hazard_figures(school, today),
        "period_row": row,
        "coverage": school_coverage_counts(school, today),
        "coverage_url": _url("grids:coverage", org=school.pk),
        "letters": letter_figures(school, today),
        "alert_level": ALERT_LEVEL,
        **trend_context(months),
    }


def school_context(school, today: datetime.date | None = None) -> dict:
    """Everything a school's dashboard shows (the API's figures; the pages keep its two parts, dashboards.panels)."""
    today = today or timezone.localdate()
    return {**figures_context(school, today), **today_context(school, today)}


# --- a bureau's figures ------------------------------------------------------------------------------------

# Sortable columns of the bureau's table: key → (value of a row, default direction, header).
SORTS = {
    "rank": (lambda r: r.rank, "asc", gettext_lazy("排名")),
    "completion": (lambda r: r.completion, "asc", gettext_lazy("排查完成率")),
    "open": (lambda r: r.open, "desc", gettext_lazy("未销号隐患")),
    "overdue": (lambda r: r.overdue, "desc", gettext_lazy("逾期隐患")),
    "major": (lambda r: r.major_open, "desc", gettext_lazy("重大隐患")),
    "close": (lambda r: r.avg_close_days, "desc", gettext_lazy("平均销号用时")),
    "coverage": (lambda r: r.coverage_findings, "desc", gettext_lazy("盲区")),
}


def sort_rows(rows: list[figures.SchoolRow], sort: str | None, direction: str | None):
    """The rows (in risk rank order) sorted by a column; ties keep the rank order, rows without a figure
    (no checks required, nothing closed) come last either way. Unknown keys fall back to the ranking."""
    sort = sort if sort in SORTS else "rank"
    value, default, _label = SORTS[sort]
    direction = direction if direction in ("asc", "desc") else default
    known = sorted((r for r in rows if value(r) is not None), key=value, reverse=direction == "desc")
    return known + [r for r in rows if value(r) is None], sort, direction


def sort_columns(sort: str, direction: str) -> list[dict]:
    """The headers' links: a click on the current column flips its direction, on another uses its default."""
    columns = []
    for key, (_value, default, label) in SORTS.items():
        current = key == sort
        next_dir = ("desc" if direction == "asc" else "asc") if current else default
        columns.append({"key": key, "label": label, "current": current, "dir": direction if current else "",
                        "aria_sort": ("ascending" if direction == "asc" else "descending") if current else "none",
                        "href": "?" + urlencode({"sort": key, "dir": next_dir}) + "#schools"})
    return {c["key"]: c for c in columns}


def total_row(rows: list[figures.SchoolRow]) -> figures.SchoolRow:
    """All the schools together (completion and time to close weighted by checks and hazards)."""
    total = figures.SchoolRow(school=None)
    for name in ("required", "done", "missed", "found", "closed", "close_seconds", "open", "overdue", "major_open"):
        setattr(total, name, sum(getattr(r, name) for r in rows))
    known = [r.coverage_findings for r in rows if r.coverage_findings is not None]
    total.coverage_findings = sum(known) if known else None
    return total


@dataclass
class Links:
    school: str
    completion: str
    missed: str
    open: str
    overdue: str
    major: str
    closed: str
    coverage: str


def row_links(rows: list[figures.SchoolRow], today: datetime.date) -> None:
    """Each row's links to the lists behind its figures (URLs reversed once, not per row)."""
    start, end = figures.period(today, PERIOD_DAYS)
    detail = reverse("dashboards:school", args=[0]).replace("/0/", "/{}/")
    rates, missed = reverse("inspection_records:rates"), reverse("inspection_records:missed")
    register, coverage = reverse("hazards:hazard_list"), reverse("grids:coverage")
    for row in rows:
        org = row.school.pk
        row.links = Links(
            school=detail.format(org),
            completion=f"{rates}?" + urlencode({"organisation": org, "period": "custom", "since": start,
                                                "until": end, "by": "school"}),
            missed=f"{missed}?" + urlencode({"organisation": org, "since": start, "until": end}),
            open=f"{register}?" + urlencode({"organisation": org, "state": "open"}),
            overdue=f"{register}?" + urlencode({"organisation": org, "state": "open", "overdue": "on"}),
            major=f"{register}?" + urlencode({"organisation": org, "state": "open", "grade": "major"}),
            closed=f"{register}?" + urlencode({"organisation": org, "state": "closed", "since": start,
                                               "until": end}),
            coverage=f"{coverage}?" + urlencode({"org": org}))


def _label_tree(nodes: list[figures.Node]) -> None:
    for node in nodes:
        node.risk_label = figures.RISKS[node.risk]
        _label_tree(node.children)


def bureau_context(user, *, sort: str | None = None, direction: str | None = None,
                   today: datetime.date | None = None, page: bool = True) -> dict:
    """The bureau's schools ranked and sorted, their totals, 12 months' trend and (for the page, not the API)
    the charts and the tree by risk."""
    from inspections.filters import visible_schools

    today = today or timezone.localdate()
    schools = list(visible_schools(user))
    months = figures.trend(schools, today=today)
    rows = figures.school_rows(schools, today=today)
    if not page:  # the page's rows get their links only when its table is rendered (bureau_fragments)
        row_links(rows, today)
    sorted_rows, sort, direction = sort_rows(rows, sort, direction)
    tree = []
    if page:
        tree = figures.tree_risk(access.scoped(user, Organisation).exclude(kind=OrgKind.DIVISION), rows)
        _label_tree(tree)
    start, end = figures.period(today, PERIOD_DAYS)
    risk_counts = {key: 0 for key in figures.RISK_ORDER}
    for row in rows:
        risk_counts[row.risk] += 1
    return {
        "today": today, "period_start": start, "period_end": end, "period_days": PERIOD_DAYS,
        "rows": sorted_rows, "total": total_row(rows), "sort": sort, "direction": direction,
        "columns": sort_columns(sort, direction), "tree": tree,
        "risks": [(key, figures.RISKS[key], risk_counts[key]) for key in figures.RISK_ORDER],
        "total_links": {
            "open": _url("hazards:hazard_list", state="open"),
            "overdue": _url("hazards:hazard_list", state="open", overdue="on"),
            "major": _url("hazards:hazard_list", state="open", grade="major"),
            "missed": _url("inspection_records:missed", since=start, until=end),
            "completion": _url("inspection_records:rates", period="custom", since=start, until=end, by="school"),
            "closed": _url("hazards:hazard_list", state="closed", since=start, until=end),
            "bureau_level": _url("hazards:hazard_list", state="open", level="bureau"),
        },
        **(trend_context(months) if page else {"months": months}),
    }


# The bureau's table and tree are most of its page's time (300 rows, 300 nodes): rendered once per distinct
# content and kept under a digest of everything they show — exact by construction, nothing to invalidate.
FRAGMENTS = (("schools_html", "dashboards/_bureau_schools.html"), ("heat_html", "dashboards/_bureau_heat.html"))
FRAGMENT_SECONDS = 24 * 3600


def _row_facts(row: figures.SchoolRow) -> tuple:
    school = row.school
    return (school.pk if school else None, school.name if school else "", row.rank, row.required, row.done,
            row.missed, row.found, row.closed, row.close_seconds, row.open, row.overdue, row.major_open,
            row.major_overdue, row.coverage_findings)


def _tree_facts(nodes: list[figures.Node]) -> list:
    return [(n.organisation.pk, n.organisation.name, n.risk, _tree_facts(n.children)) for n in nodes]


def bureau_fragments(context: dict) -> dict:
    """The rendered table and tree of `bureau_context`, from the cache when their content was rendered before."""
    facts = (translation.get_language(), str(context["today"]), context["sort"], context["direction"],
             [_row_facts(r) for r in context["rows"]], _row_facts(context["total"]), _tree_facts(context["tree"]),
             sorted(context["total_links"].items()))
    digest = hashlib.sha256(repr(facts).encode()).hexdigest()
    code = panels.code_digest()
    keys = {name: f"dashboards:fragment:{name}:{code}:{digest}" for name, _template in FRAGMENTS}
    found = cache.get_many(list(keys.values()))
    result = {}
    for name, template in FRAGMENTS:
        html = found.get(keys[name])
        if html is None:
            if not hasattr(context["rows"][0] if context["rows"] else None, "links"):
                row_links(context["rows"], context["today"])
            html = render_to_string(template, context)
            cache.set(keys[name], str(html), FRAGMENT_SECONDS)
        result[name] = mark_safe(html)  # noqa: S308 — our own template's output, escaped when it was rendered
    return result


# --- a grid member's figures -----------------------------------------------------------------------------


def my_open_hazards(person, limit: int = 5) -> list:
    """The hazards the person has to fix, soonest deadline first (one query)."""
    from hazards.choices import State
    from hazards.models import Hazard

    return list(Hazard.objects.filter(responsible=person, state__in=[State.REPORTED, State.RECTIFYING])
                .order_by(F("deadline").asc(nulls_last=True), "found_at")[:limit])


# --- views -------------------------------------------------------------------------------------------------


@login_required
def home(request):
    user = request.user
    membership = user.primary_membership()
    context = {"membership": membership}
    if membership is None:
        return render(request, "dashboards/home_none.html", context)
    organisations = access.scoped(user, Organisation)
    context["org_counts"] = organisations.aggregate(
        total=Count("id"), schools=Count("id", filter=Q(kind__in=SCHOOL_KINDS)))
    context["member_count"] = access.scoped(user, Membership).values("user").distinct().count()
    if user.has_capability(Capability.VIEW_AUDIT):
        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        events = access.scoped(user, AuditEvent, Capability.VIEW_AUDIT)
        # What the list shows: not the changes (a roster import's entries carry whole rows).
        context["recent_events"] = events.only("at", "actor_id", "actor_name", "action", "object_repr")[:8]
        # A range on `at`, not at__date: a function of the column would scan the whole log.
        context["failed_logins_today"] = events.filter(action=AuditAction.LOGIN_FAILED, at__gte=midnight).count()
    today = timezone.localdate()
    plan = None  # the school's day plan: built at most once, only if a part of the page is computed again
    if membership.organisation.kind != OrgKind.BUREAU and membership.role in (Role.SCHOOL_LEADER, Role.SAFETY_OFFICE):
        school = context["school"] = membership.organisation
        plan = functools.cache(functools.partial(day_plan, school, today))
        context.update(panels.school_panel(school, today, plan=plan,
                                           can_review_public=user.has_capability(Capability.MANAGE_HAZARDS)))
    person = person_of(user)  # with its organisation: loaded with the user (orgs.backends.Backend)
    if person is not None:
        from hazards.summary import member_hazards

        own_school = person.organisation_id == membership.organisation_id
        context.update(panels.member_panel(user, person, today, plan=plan if own_school else None))
        context["my_hazards"] = member_hazards(user)
        context["my_open_hazards"] = my_open_hazards(person)
        context["today"] = today
    if membership.role == Role.BUREAU_ADMIN:
        context["bureau_html"] = panels.bureau_section(user, membership.organisation, today,
                                                       sort=request.GET.get("sort"), direction=request.GET.get("dir"))
    return render(request, HOME_TEMPLATES[membership.role], context)


@login_required
def school_detail(request, pk: int):
    """A school's dashboard as its bureau (or anyone who may read its records) sees it: read-only."""
    school = access.get_for_user(request.user, Organisation.objects.filter(kind__in=SCHOOL_KINDS),
                                 Capability.VIEW_INSPECTIONS, pk=pk)
    context = {"school": school, **panels.school_panel(school, timezone.localdate(), read_only=True)}
    context["risk_label"] = figures.RISKS[context["risk"]]
    return render(request, "dashboards/school_detail.html", context)
