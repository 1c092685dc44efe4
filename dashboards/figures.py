"""The dashboards' figures, for one school or a bureau's hundreds: a fixed number of queries whatever the
number of schools, days or records — past days from the roll-ups (made exact first), open hazards live.

- `school_rows(schools)`: the bureau's table: inspection completion over the last 30 days, open, overdue
  and major hazards, hazards found and closed and the average time to close over the period, coverage
  findings (盲区, as of last night), and a risk level for the heat view;
- `trend(schools)`: the last 12 months, month by month;
- `tree_risk(root, rows)`: the organisation tree with each node's worst risk, for the heat view.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import versions
from hazards.choices import Grade, State
from hazards.models import Hazard

from . import rollups
from .models import SchoolDay
from .panels import code_digest

RISKS = {"high": pgettext_lazy("risk", "高"), "medium": pgettext_lazy("risk", "中"), "low": pgettext_lazy("risk", "低"),
         "none": _("无数据")}
RISK_ORDER = ["high", "medium", "low", "none"]


@dataclass
class SchoolRow:
    school: object
    required: int = 0
    done: int = 0
    missed: int = 0
    found: int = 0
    closed: int = 0
    close_seconds: int = 0
    open: int = 0
    overdue: int = 0
    major_open: int = 0
    major_overdue: int = 0
    coverage_findings: int | None = None
    rank: int = 0

    @property
    def completion(self) -> float | None:
        """Checks done ÷ checks required, in percent (None without any required)."""
        return round(100 * self.done / self.required, 1) if self.required else None

    @property
    def avg_close_days(self) -> float | None:
        return round(self.close_seconds / self.closed / 86400, 1) if self.closed else None

    @property
    def risk(self) -> str:
        """高: a major hazard open past its deadline, or under 70% of checks done; 中: anything overdue,
        an open major hazard, under 90% done or coverage gaps; 低: otherwise; 无数据: nothing to go by."""
        completion = self.completion
        if self.required == 0 and self.open == 0 and self.found == 0:
            return "none"
        if self.major_overdue or (completion is not None and completion < 70):
            return "high"
        if self.overdue or self.major_open or (completion is not None and completion < 90) or self.coverage_findings:
            return "medium"
        return "low"

    @property
    def risk_label(self):
        return RISKS[self.risk]


def period(today: datetime.date, days: int) -> tuple[datetime.date, datetime.date]:
    """The last `days` whole days before today."""
    return today - datetime.timedelta(days=days), today - datetime.timedelta(days=1)


def open_overdue_q(today: datetime.date) -> Q:
    """An open hazard past its deadline, or escalated for being late."""
    return ~Q(state=State.CLOSED) & (Q(is_overdue=True) | Q(deadline__lt=today))


# Figures from the roll-ups are kept in Django's cache under the roll-ups' data version of the schools'
# common ancestor (moved whenever a roll-up row below it is written or marked stale) and the day.
KEEP_SECONDS = 24 * 3600


def _common_path(schools) -> str:
    paths = [s.path for s in schools]
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    common = first[:next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b),
                         min(len(first), len(last)))]
    return common[:common.rfind("/") + 1]


def kept_rollups(kind: str, schools: list, start: datetime.date, end: datetime.date, today: datetime.date, compute):
    """`compute()` over the roll-ups of these schools in [start, end], refreshed first — or what it gave
    before, when no roll-up row below the schools' common ancestor has changed since and the day is the same
    (a new day's rows are missing: the key holds the day). The version is read before the refresh, so
    figures computed while rows change are kept under the older version and read afresh by the next page."""
    # The common ancestor's own counter moves whenever any row below it changes (`changed_up`); those above
    # it also move for rows elsewhere, so they are left out of the key.
    version = versions.current_for_path(_common_path(schools), versions.ROLLUP)[-1:]
    facts = (kind, sorted(s.pk for s in schools), str(start), str(end), str(today), version)
    key = f"dashboards:rollups:{code_digest()}:" + hashlib.sha256(repr(facts).encode()).hexdigest()
    found = cache.get(key)
    if found is not None:
        return found
    rollups.refresh(schools, start, end, today=today)
    value = compute()
    cache.set(key, value, KEEP_SECONDS)
    return value


def _period_sums(schools, start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """Per school: the period's sums and the last coverage check's findings (from the roll-ups)."""
    found: dict[int, dict] = {}
    for s in (SchoolDay.objects.filter(organisation__in=[s.pk for s in schools], day__range=(start, end))
              .values("organisation_id").annotate(required=Sum("required"), done=Sum("done"), missed=Sum("missed"),
                                                  found=Sum("hazards_found"), closed=Sum("hazards_closed"),
                                                  close_seconds=Sum("close_seconds"))):
        found[s.pop("organisation_id")] = {name: value or 0 for name, value in s.items()}
    latest = (SchoolDay.objects.filter(organisation__in=[s.pk for s in schools], coverage_findings__isnull=False,
                                       day__range=(start, end)).values("organisation_id").annotate(last=Max("day")))
    last_days = {s["organisation_id"]: s["last"] for s in latest}
    for organisation_id, day, findings in SchoolDay.objects.filter(
            organisation__in=last_days, day__in=set(last_days.values()), coverage_findings__isnull=False
    ).values_list("organisation_id", "day", "coverage_findings"):
        if last_days.get(organisation_id) == day:
            found.setdefault(organisation_id, {})["coverage_findings"] = findings
    return found


def school_rows(schools, *, today: datetime.date | None = None, days: int = 30) -> list[SchoolRow]:
    """One row per school, ranked: highest risk first, then lowest completion, then most overdue."""
    today = today or timezone.localdate()
    schools = list(schools)
    start, end = period(today, days)
    sums = kept_rollups("period", schools, start, end, today, lambda: _period_sums(schools, start, end))
    rows = {s.pk: SchoolRow(school=s) for s in schools}
    for organisation_id, values in sums.items():
        row = rows.get(organisation_id)
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)
    live = (Hazard.objects.filter(organisation__in=rows).exclude(state=State.CLOSED).values("organisation_id")
            .annotate(open=Count("pk"), overdue=Count("pk", filter=open_overdue_q(today)),
                      major_open=Count("pk", filter=Q(grade=Grade.MAJOR)),
                      major_overdue=Count("pk", filter=open_overdue_q(today) & Q(grade=Grade.MAJOR))))
    for s in live:
        row = rows[s.pop("organisation_id")]
        row.open, row.overdue, row.major_open, row.major_overdue = (s["open"], s["overdue"], s["major_open"],
                                                                    s["major_overdue"])
    ranked = sorted(rows.values(), key=lambda r: (RISK_ORDER.index(r.risk), r.completion if r.completion is not None
                                                  else 101, -r.overdue, -r.open, r.school.name))
    for rank, row in enumerate(ranked, start=1):
        row.rank = rank
    return ranked


@dataclass
class Month:
    month: datetime.date
    required: int = 0
    done: int = 0
    found: int = 0
    closed: int = 0
    close_seconds: int = 0

    @property
    def completion(self) -> float | None:
        return round(100 * self.done / self.required, 1) if self.required else None

    @property
    def avg_close_days(self) -> float | None:
        return round(self.close_seconds / self.closed / 86400, 1) if self.closed else None


def _month_start(day: datetime.date, back: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def trend(schools, *, today: datetime.date | None = None, months: int = 12) -> list[Month]:
    """The last `months` calendar months up to yesterday (the current one partial), oldest first."""
    today = today or timezone.localdate()
    schools = list(schools)
    start, end = _month_start(today, months - 1), today - datetime.timedelta(days=1)
    return kept_rollups("trend", schools, start, end, today, lambda: _trend(schools, start, end, today, months))


def _trend(schools, start: datetime.date, end: datetime.date, today: datetime.date, months: int) -> list[Month]:
    series = {_month_start(today, back): Month(_month_start(today, back)) for back in range(months)}
    sums = (SchoolDay.objects.filter(organisation__in=[s.pk for s in schools], day__range=(start, end))
            .annotate(m=TruncMonth("day")).values("m")
            .annotate(required=Sum("required"), done=Sum("done"), found=Sum("hazards_found"),
                      closed=Sum("hazards_closed"), close_seconds=Sum("close_seconds")))
    for s in sums:
        month = s.pop("m")
        month = month.date() if isinstance(month, datetime.datetime) else month
        point = series.get(month)
        if point is not None:
            for name, value in s.items():
                setattr(point, name, value or 0)
    return [series[k] for k in sorted(series)]


@dataclass
class Node:
    organisation: object
    risk: str = "none"
    row: SchoolRow | None = None
    children: list[Node] = field(default_factory=list)


def tree_risk(organisations, rows: list[SchoolRow]) -> list[Node]:
    """The organisation tree (in path order) with each node's worst risk among its schools."""
    by_school = {r.school.pk: r for r in rows}
    nodes, roots = {}, []
    for org in sorted(organisations, key=lambda o: o.path):
        node = Node(org, row=by_school.get(org.pk))
        if node.row is not None:
            node.risk = node.row.risk
        nodes[org.pk] = node
        parent = nodes.get(org.parent_id)
        (parent.children if parent is not None else roots).append(node)

    def worst(node: Node) -> str:
        risks = [node.risk] + [worst(child) for child in node.children]
        known = [r for r in risks if r != "none"]
        node.risk = min(known, key=RISK_ORDER.index) if known else "none"
        return node.risk

    for root in roots:
        worst(root)
    return roots
