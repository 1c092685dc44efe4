"""API of the dashboards: a school's figures (/dashboard/school/{id}) and a bureau's table of schools with its
12-month trend (/dashboard/bureau), the same figures as the web pages (dashboards.views builds both).

Reading needs VIEW_INSPECTIONS, as the records behind the figures do; another tenant's school answers 404.
No `from __future__ import annotations` here (see core.api).
"""

import datetime
from typing import Literal

from django.utils import timezone
from ninja import Query, Router, Schema

from core import access
from core.api import ErrorOut
from orgs.choices import SCHOOL_KINDS
from orgs.models import Organisation
from orgs.roles import Capability

from . import views

router = Router(tags=["dashboards"])
VIEW = Capability.VIEW_INSPECTIONS
SortKey = Literal["rank", "completion", "open", "overdue", "major", "close", "coverage"]


# --- schemas ------------------------------------------------------------------------------------------


class MonthOut(Schema):
    month: datetime.date
    required: int
    done: int
    completion: float | None
    found: int
    closed: int
    avg_close_days: float | None


class PeriodOut(Schema):
    """The last 30 whole days (to yesterday): from the daily roll-ups; open hazards live."""

    since: datetime.date
    until: datetime.date
    required: int
    done: int
    missed: int
    completion: float | None
    found: int
    closed: int
    avg_close_days: float | None
    open: int
    overdue: int
    major_open: int
    coverage_findings: int | None
    risk: str
    risk_label: str


class SchoolRowOut(PeriodOut):
    organisation_id: int
    name: str
    rank: int
    url: str


class TodayOut(Schema):
    due: int
    done: int
    open: int
    missed_yesterday: int
    flagged_scans: int
    failed_today: int


class HazardCellOut(Schema):
    state: str
    state_label: str
    grade: str
    grade_label: str
    count: int
    url: str


class HazardsOut(Schema):
    open: int
    major: int
    overdue: int
    overdue_major: int
    left_overnight: int
    public_pending: int
    by_state_and_grade: list[HazardCellOut]
    url: str


class CoverageGroupOut(Schema):
    kind: str
    label: str
    count: int


class CoverageOut(Schema):
    total: int
    groups: list[CoverageGroupOut]
    url: str


class LettersOut(Schema):
    academic_year: str
    total: int
    unsigned: int
    url: str


class AlertLevelOut(Schema):
    level: int
    label: str
    enabled: bool
    note: str


class SchoolDashboardOut(Schema):
    organisation_id: int
    name: str
    today: datetime.date
    inspections_today: TodayOut
    hazards: HazardsOut
    period: PeriodOut
    coverage: CoverageOut
    letters: LettersOut
    alert_level: AlertLevelOut
    trend: list[MonthOut]


class BureauDashboardOut(Schema):
    today: datetime.date
    sort: str
    dir: str
    total: PeriodOut
    schools: list[SchoolRowOut]
    trend: list[MonthOut]


class BureauQuery(Schema):
    sort: SortKey = "rank"
    dir: Literal["asc", "desc"] | None = None


# --- helpers ------------------------------------------------------------------------------------------


def _period(row, since, until) -> dict:
    return {"since": since, "until": until, "required": row.required, "done": row.done, "missed": row.missed,
            "completion": row.completion, "found": row.found, "closed": row.closed,
            "avg_close_days": row.avg_close_days, "open": row.open, "overdue": row.overdue,
            "major_open": row.major_open, "coverage_findings": row.coverage_findings, "risk": row.risk,
            "risk_label": str(row.risk_label)}


def _months(months) -> list[dict]:
    return [{"month": m.month, "required": m.required, "done": m.done, "completion": m.completion, "found": m.found,
             "closed": m.closed, "avg_close_days": m.avg_close_days} for m in months]


# --- endpoints ----------------------------------------------------------------------------------------


@router.get("/dashboard/school/{organisation_id}", response={200: SchoolDashboardOut, 403: ErrorOut, 404: ErrorOut})
def school_dashboard(request, organisation_id: int):
    """A school's dashboard: today's inspections, open hazards by state and grade, the last 30 days, coverage
    findings, unsigned responsibility letters, the alert level and the last 12 months."""
    school = access.get_for_user(request.user, Organisation.objects.filter(kind__in=SCHOOL_KINDS), VIEW,
                                 pk=organisation_id)
    c = views.school_context(school, timezone.localdate())
    day, h, letters = c["inspections_today"], c["hazard_figures"], c["letters"]
    cells = [{"state": row["state"], "state_label": str(row["label"]), "grade": cell["grade"],
              "grade_label": str(grade["label"]), "count": cell["n"], "url": cell["url"]}
             for row in h["rows"] for cell, grade in zip(row["cells"], h["grades"], strict=True)]
    return {
        "organisation_id": school.pk, "name": school.name, "today": c["today"],
        "inspections_today": {"due": day.due, "done": day.done, "open": day.open,
                              "missed_yesterday": day.missed_yesterday, "flagged_scans": day.flagged_scans,
                              "failed_today": day.failed_today},
        "hazards": {"open": h["open"], "major": h["major"], "overdue": h["overdue"],
                    "overdue_major": h["overdue_major"], "left_overnight": h["left_overnight"],
                    "public_pending": h["public_pending"], "by_state_and_grade": cells, "url": h["open_url"]},
        "period": _period(c["period_row"], c["period_start"], c["period_end"]),
        "coverage": {"total": c["coverage"]["total"], "url": c["coverage_url"],
                     "groups": [{"kind": k, "label": str(label), "count": n}
                                for k, label, n in c["coverage"]["groups"]]},
        "letters": {"academic_year": letters["year"], "total": letters["total"], "unsigned": letters["unsigned"],
                    "url": letters["unsigned_url"]},
        "alert_level": {key: str(value) if key in ("label", "note") else value
                        for key, value in c["alert_level"].items()},
        "trend": _months(c["months"]),
    }


@router.get("/dashboard/bureau", response={200: BureauDashboardOut, 403: ErrorOut})
def bureau_dashboard(request, params: Query[BureauQuery]):
    """The caller's schools over the last 30 days, ranked by risk (or sorted by `sort` and `dir`), their
    total, and the last 12 months month by month."""
    access.require_capability(request.user, VIEW)
    c = views.bureau_context(request.user, sort=params.sort, direction=params.dir, today=timezone.localdate(),
                            page=False)
    since, until = c["period_start"], c["period_end"]
    schools = [{**_period(r, since, until), "organisation_id": r.school.pk, "name": r.school.name, "rank": r.rank,
                "url": r.links.school} for r in c["rows"]]
    return {"today": c["today"], "sort": c["sort"], "dir": c["direction"], "total": _period(c["total"], since, until),
            "schools": schools, "trend": _months(c["months"])}
