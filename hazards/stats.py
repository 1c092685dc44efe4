"""Hazard statistics (隐患排查整改统计, 方案7: 每季度、每年对本单位事故隐患排查治理情况进行统计分析).

Pure functions over a queryset of hazards the caller may already see (scoped) and a period of local
dates on `found_at`: a hazard belongs to the period it was found in, and its figures (state, closed or
not, overdue or not) are as of `today`, the day the statistics are drawn up.

Queries are fixed in number whatever the rows: one conditional aggregation over (grade, topic, state,
source), one grouped by grid, one by organisation (bureau overview only) and one fetching the found and
closed times of the closed hazards. Times to close are computed in Python from that last query: a
percentile has no portable SQL (PostgreSQL's percentile_cont has no SQLite counterpart) and a
datetime difference is a float of days on SQLite but an interval on PostgreSQL. A quarter of a
school's closed hazards is a few hundred pairs of datetimes.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.filters import local_midnight

from .choices import Grade, Source, State, Topic

TOP_GRIDS = 10


def in_period(hazards: QuerySet, start: datetime.date, end: datetime.date) -> QuerySet:
    """Hazards found from `start` to `end` (local dates, both included), as a range the indexes serve."""
    return hazards.filter(found_at__gte=local_midnight(start),
                          found_at__lt=local_midnight(end + datetime.timedelta(days=1)))


def overdue_q(today: datetime.date) -> Q:
    """逾期: a hazard with a deadline that
      - is still open (not 已销号) and its deadline is before `today` (due today is not yet overdue), or
      - was closed (验收销号) on a local date after its deadline, or
      - carries the daily job's overdue flag (escalated for being overdue; cleared again on closing).
    The overdue rate is these ÷ the hazards that have a deadline (those without one cannot be late);
    a hazard fixed on the spot and never given a deadline counts in neither."""
    late_open = ~Q(state=State.CLOSED) & Q(deadline__lt=today)
    # verified_at__date is the local date on both databases (USE_TZ: converted to the current time zone).
    late_closed = Q(state=State.CLOSED, verified_at__date__gt=F("deadline"))
    return Q(deadline__isnull=False) & (Q(is_overdue=True) | late_open | late_closed)


def is_overdue(hazard, today: datetime.date) -> bool:
    """overdue_q for one loaded hazard (the same rule, in Python)."""
    if hazard.deadline is None:
        return False
    if hazard.state != State.CLOSED:
        return hazard.is_overdue or hazard.deadline < today
    return hazard.is_overdue or (hazard.verified_at is not None
                                 and timezone.localdate(hazard.verified_at) > hazard.deadline)


def _counts(today: datetime.date) -> dict:
    return {"n": Count("pk"), "closed": Count("pk", filter=Q(state=State.CLOSED)),
            "with_deadline": Count("pk", filter=Q(deadline__isnull=False)),
            "overdue": Count("pk", filter=overdue_q(today)),
            "major_open": Count("pk", filter=Q(grade=Grade.MAJOR) & ~Q(state=State.CLOSED))}


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it
    (the 90th percentile of ten values is the ninth smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def duration_label(hours: float | None) -> str:
    """Hours below two days, days above: "5.5小时", "3.2天"."""
    if hours is None:
        return "—"
    if hours < 48:
        return _("%(n)s小时") % {"n": f"{hours:.1f}"}
    return _("%(n)s天") % {"n": f"{hours / 24:.1f}"}


@dataclass
class Figures:
    """Counts of a set of hazards and the times their closed ones took (hours from found to closed)."""

    total: int = 0
    closed: int = 0
    with_deadline: int = 0
    overdue: int = 0
    major_open: int = 0
    hours: list[float] = field(default_factory=list)

    def add(self, row: dict) -> None:
        for name in ("total", "closed", "with_deadline", "overdue", "major_open"):
            setattr(self, name, getattr(self, name) + row["n" if name == "total" else name])

    @property
    def open(self) -> int:
        return self.total - self.closed

    @property
    def closed_rate(self) -> float | None:
        return round(100 * self.closed / self.total, 1) if self.total else None

    @property
    def overdue_rate(self) -> float | None:
        return round(100 * self.overdue / self.with_deadline, 1) if self.with_deadline else None

    @property
    def average_hours(self) -> float | None:
        return sum(self.hours) / len(self.hours) if self.hours else None

    @property
    def p90_hours(self) -> float | None:
        return percentile(self.hours, 0.9)

    @property
    def average_label(self) -> str:
        return duration_label(self.average_hours)

    @property
    def p90_label(self) -> str:
        return duration_label(self.p90_hours)


@dataclass
class Row:
    """One line of a breakdown: its key (a choice value, a grid or school id), label and figures;
    `query` holds the register's filter for it; pages attach `links` to the register and, for a school,
    `drill` to its own statistics."""

    key: object
    label: str
    figures: Figures = field(default_factory=Figures)
    query: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    drill: str = ""


@dataclass
class Summary:
    start: datetime.date
    end: datetime.date
    today: datetime.date
    figures: Figures
    by_state: list[Row]
    by_grade: list[Row]
    by_topic: list[Row]
    by_source: list[Row]
    by_grid: list[Row]
    by_school: list[Row] | None = None

    def breakdowns(self) -> list[tuple[str, list[Row]]]:
        """(title, rows) of every breakdown, in the order pages and exports show them."""
        parts = [(_("按学校"), self.by_school)] if self.by_school is not None else []
        return parts + [(_("按状态"), self.by_state), (_("按等级"), self.by_grade), (_("按类别"), self.by_topic),
                        (_("按来源"), self.by_source), (_("按责任网格（前%(n)d）") % {"n": TOP_GRIDS}, self.by_grid)]


def _school_of(path: str, schools: list) -> object | None:
    """The deepest school whose subtree holds an organisation path: a hazard of a division counts for its
    school, one of a school under a central school (中心学校) for that school, not the central one."""
    return max((s for s in schools if path.startswith(s.path)), key=lambda s: len(s.path), default=None)


def summarise(hazards: QuerySet, start: datetime.date, end: datetime.date, today: datetime.date, *,
              schools: list | None = None) -> Summary:
    """Every figure of the hazards found in the period. With `schools` (a bureau's overview) also one row
    per school, all of them listed even without hazards, ranked worst first (overdue rate, then open)."""
    hazards = in_period(hazards.order_by(), start, end)
    counts = _counts(today)
    choices = {"state": State, "grade": Grade, "topic": Topic, "source": Source}
    rows = {name: {value: Row(value, str(label), query={name: value}) for value, label in kind.choices}
            for name, kind in choices.items()}
    figures = Figures()
    for combo in hazards.values(*choices).annotate(**counts):
        figures.add(combo)
        for name in choices:
            if combo[name] in rows[name]:
                rows[name][combo[name]].figures.add(combo)

    by_grid = []
    grid_groups = hazards.filter(grid__isnull=False).values("grid_id", "grid__name", "organisation_id",
                                                            "organisation__name")
    for g in grid_groups.annotate(**counts).order_by("-n", "grid__name")[:TOP_GRIDS]:
        # Across schools a grid is named with its school, and the register needs the school to filter by grid.
        label, query = g["grid__name"], {"grid": g["grid_id"]}
        if schools is not None:
            label, query = f"{label}（{g['organisation__name']}）", {"organisation": g["organisation_id"], **query}
        by_grid.append(Row(g["grid_id"], label, query=query))
        by_grid[-1].figures.add(g)
    grids = {row.key: row for row in by_grid}

    by_school = None
    if schools is not None:
        by_school = {s.pk: Row(s.pk, s.name, query={"organisation": s.pk}) for s in schools}
        for group in hazards.values("organisation__path").annotate(**counts):
            school = _school_of(group["organisation__path"], schools)
            if school is not None:
                by_school[school.pk].figures.add(group)

    closed = hazards.filter(state=State.CLOSED, verified_at__isnull=False).values_list(
        "state", "grade", "topic", "source", "grid_id", "organisation__path", "found_at", "verified_at")
    for state, grade, topic, source, grid_id, path, found_at, verified_at in closed:
        hours = max((verified_at - found_at).total_seconds(), 0) / 3600
        figures.hours.append(hours)
        for name, value in (("state", state), ("grade", grade), ("topic", topic), ("source", source)):
            if value in rows[name]:
                rows[name][value].figures.hours.append(hours)
        if grid_id in grids:
            grids[grid_id].figures.hours.append(hours)
        if by_school is not None and (school := _school_of(path, schools)) is not None:
            by_school[school.pk].figures.hours.append(hours)

    ranked = None
    if by_school is not None:
        ranked = sorted(by_school.values(), key=lambda r: (-(r.figures.overdue_rate or 0), -r.figures.open, r.label))
    return Summary(start, end, today, figures, *(list(rows[name].values()) for name in choices), by_grid,
                   ranked)
