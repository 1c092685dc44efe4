"""What a school's safety ledger (安全台账, 方案15) holds, gathered in a fixed number of queries, and its HTML.

方案15 asks that inspection, patrol and rectification records be archived per year. The ledger is that archive
for one school and one period (a year; a quarter or a month when asked), A4 landscape:

  cover     school, its parent, period, when it was drawn up and by whom, contents;
  一、概况   key figures, a table by month, hazards by topic and by grid;
  二、重点部位与重大危险源  each key location / major hazard source with its checks and hazards in the period;
  三、排查巡查记录  by month (see below);
  四、隐患台账  every hazard found in the period, in full, then those found earlier still open when it began;
  五、隐患整改通知书  the notices issued in the period;
  六、审核签字  the sign-off block (safety office, deputy for safety, principal, seal).

Decisions, and why:
- Inspections are summarised, failures listed. A large school files about 80 inspections a school day, some
  15,000 a year (seed_district's school: 14,933 in 2026, 478 with failures, 582 hazards): one line each would be
  ~400 pages nobody reads. So each month has a day × checklist table — how many inspections of each checklist
  were filed each day, the day's zero reports (零报告), inspections with failures, the checks required and the
  tasks missed (漏检; from the daily roll-ups, the same figures the dashboards' completion rates use) — which
  proves the daily work and shows its gaps; below it every inspection of the month that found something: date,
  checklist, grid/place, inspector, result, each failed item and the number of the hazard it became (the
  register's 编号). Every single inspection stays on the records page (排查记录) and in its Excel export.
- Hazards are listed in full: found (when, by whom), place and grid, description, grade, the five fixes
  (measures, responsible person, funds, deadline, contingency plan), state, closing and verifier. Hazards found
  before the period but still open when it began are carried over (结转), so nothing falls between two years.
- Figures and states are as of the day the ledger is drawn up (printed on the cover), like the statistics; a
  ledger of the year to date leaves out the months still to come.
- Any size stays a well-formed, bounded document: the two long lists (failed inspections, hazards) stop at
  MAX_ROWS rows each with a note of how many more there are and where they are — a year of the largest school
  of the district seed (1,060 hazards, 889 inspections with failures) fits whole; long texts are cut at
  MAX_TEXT characters and wrap inside fixed columns; an empty period prints every section, saying 无.
A year of seed_district's school (2026) comes to 36 A4 landscape pages: cover 1, summary 1, key places 1,
inspections by month 16 (12 tables, 478 inspections with failures), hazard register 16 (582 + carried over),
notices and sign-off 1. WeasyPrint's layout is nearly all of the time it takes (bench/ledger.py).
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import Place
from core.filters import local_midnight
from core.pdf import FONT_SANS, FONT_SERIF
from dashboards import rollups
from dashboards.models import SchoolDay
from hazards import notices as notice_rules
from hazards.choices import State
from hazards.models import Hazard, RectificationNotice
from hazards.stats import in_period, is_overdue, summarise
from inspections.exports import result_label, target_label
from inspections.models import Checklist, Finding, Inspection

from .models import LedgerExport

MAX_ROWS = 2000  # per long list: some 45 pages each at most
MAX_TEXT = 300  # characters of a description, measure or plan
PLACE = "place__parent__parent__parent"  # enough for full_name: area/building/floor/room


@dataclass
class DayTotals:
    inspections: int = 0
    zero: int = 0
    failed: int = 0
    items: int = 0
    major: int = 0
    required: int | None = None  # None: not rolled up (today, or a day still to come)
    done: int | None = None
    missed: int | None = None


@dataclass
class MatrixRow:
    label: str
    cells: list  # (value or "", css class of its day) per day of the month
    total: int | None
    kind: str = ""  # css class: total, zero, failed, missed…


@dataclass
class Month:
    start: datetime.date
    label: str
    days: list  # (date, in the period, weekend)
    rows: list[MatrixRow]
    totals: DayTotals
    failed: list = field(default_factory=list)  # FailedInspection
    notices: int = 0
    hazards_found: int = 0
    hazards_closed: int = 0

    @property
    def completion(self) -> float | None:
        t = self.totals
        return round(100 * t.done / t.required, 1) if t.required else None


@dataclass
class FailedInspection:
    inspection: Inspection
    result: str
    target: str
    items: list = field(default_factory=list)  # (text, answer, note, is_major, hazard id)


@dataclass
class KeyPlace:
    place: Place
    inspections: int = 0
    failed: int = 0
    hazards: int = 0
    open_now: int = 0


@dataclass
class Ledger:
    """Everything the print template shows."""

    ledger: LedgerExport
    school: object
    start: datetime.date
    end: datetime.date
    today: datetime.date
    generated_at: datetime.datetime
    requested_by: str
    totals: DayTotals
    months: list[Month]
    summary: object  # hazards.stats.Summary
    key_places: list[KeyPlace]
    hazards: list[Hazard]
    hazards_total: int
    carried: list[Hazard]
    carried_total: int
    failed_total: int
    failed_listed: int
    notices: list[RectificationNotice]
    checklists_used: int

    @property
    def completion(self) -> float | None:
        t = self.totals
        return round(100 * t.done / t.required, 1) if t.required else None

    @property
    def zero_rate(self) -> float | None:
        t = self.totals
        return round(100 * t.zero / t.inspections, 1) if t.inspections else None

    @property
    def acknowledged(self) -> int:
        return sum(1 for n in self.notices if n.acknowledged_at)

    def figures(self) -> dict:
        """The few numbers kept on the LedgerExport row (shown in the list of ledgers)."""
        return {"inspections": self.totals.inspections, "failed_inspections": self.totals.failed,
                "hazards": self.hazards_total, "carried_over": self.carried_total, "notices": len(self.notices)}


def _months(start: datetime.date, end: datetime.date):
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


def _cut(text: str) -> str:
    text = (text or "").strip()
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def _requester(ledger: LedgerExport) -> str:
    """艾丽（测试实验小学 · 安全办）: the requester as the cover names them, with the role they hold."""
    user = ledger.requested_by
    if user is None:
        return ledger.requested_by_name or _("系统")
    membership = user.primary_membership()
    name = user.get_full_name() or user.get_username()
    if membership is None:
        return name
    return _("%(name)s（%(org)s · %(role)s）") % {"name": name, "org": membership.organisation.name,
                                                "role": membership.get_role_display()}


def gather(ledger: LedgerExport, *, today: datetime.date | None = None) -> Ledger:
    """The ledger's content, as of `today` (the day it is drawn up). About twenty queries, whatever the size."""
    school = ledger.organisation
    today = today or timezone.localdate()
    start, end = ledger.start, ledger.end
    since, until = local_midnight(start), local_midnight(end + datetime.timedelta(days=1))
    inspections = Inspection.objects.filter(organisation=school, on_date__range=(start, end))

    # Inspections per day and checklist (one grouped query), and the day's required and missed checks.
    per_day: dict[datetime.date, DayTotals] = defaultdict(DayTotals)
    per_cell: dict[tuple[int, datetime.date], int] = defaultdict(int)
    grouped = (inspections.order_by().values("on_date", "version__checklist_id")
               .annotate(n=Count("pk"), zero=Count("pk", filter=Q(failed_count=0)),
                         failed=Count("pk", filter=Q(failed_count__gt=0)), items=Sum("failed_count"),
                         major=Sum("major_count")))
    for g in grouped:
        day = per_day[g["on_date"]]
        day.inspections += g["n"]
        day.zero += g["zero"]
        day.failed += g["failed"]
        day.items += g["items"] or 0
        day.major += g["major"] or 0
        per_cell[(g["version__checklist_id"], g["on_date"])] += g["n"]
    rollups.refresh([school], start, end, today=today)
    for row in SchoolDay.objects.filter(organisation=school, day__range=(start, end)).values(
            "day", "required", "done", "missed"):
        day = per_day[row["day"]]
        day.required, day.done, day.missed = row["required"], row["done"], row["missed"]
    checklists = {pk: name for pk, name in Checklist.objects.filter(organisation=school).order_by(
        "topic", "name").values_list("pk", "name")}

    # The inspections that found something, with their failed items and the hazards those became.
    failed_qs = (inspections.filter(failed_count__gt=0)
                 .select_related("version__checklist", "grid", "inspector", PLACE)
                 .order_by("on_date", "received_at", "pk"))
    failed_rows = list(failed_qs[:MAX_ROWS])
    items = defaultdict(list)
    findings = (Finding.objects.filter(organisation=school, inspection__in=[i.pk for i in failed_rows])
                .select_related("item").annotate(hazard_no=F("hazard__id")).order_by("inspection_id", "pk"))
    # (answer is stored as shown: 不合格, 2人, 部分损坏)
    for f in (findings if failed_rows else []):
        items[f.inspection_id].append((_cut(f.item.text), f.answer, _cut(f.note), f.is_major, f.hazard_no))
    failed_by_month = defaultdict(list)
    for i in failed_rows:
        failed_by_month[i.on_date.replace(day=1)].append(
            FailedInspection(i, result_label(i), target_label(i), items[i.pk]))

    # Hazards found or closed per month, and the notices issued per month.
    found_per_month, closed_per_month = defaultdict(int), defaultdict(int)
    for found_at, state, verified_at in Hazard.objects.filter(
            Q(found_at__gte=since, found_at__lt=until) | Q(state=State.CLOSED, verified_at__gte=since,
                                                         verified_at__lt=until),
            organisation=school).values_list("found_at", "state", "verified_at"):
        if since <= found_at < until:
            found_per_month[timezone.localdate(found_at).replace(day=1)] += 1
        if state == State.CLOSED and verified_at is not None and since <= verified_at < until:
            closed_per_month[timezone.localdate(verified_at).replace(day=1)] += 1
    notices = list(RectificationNotice.objects.filter(organisation=school, issued_at__gte=since, issued_at__lt=until)
                   .select_related("recipient", "issued_by", "acknowledged_by")
                   .prefetch_related(Prefetch("hazards", queryset=Hazard.objects.only("pk", "state").order_by("pk")))
                   .order_by("issued_at", "number"))
    for notice in notices:
        notice.status_label = notice_rules.STATUSES[notice_rules.status_key(notice)]
    notices_per_month = defaultdict(int)
    for notice in notices:
        notices_per_month[timezone.localdate(notice.issued_at).replace(day=1)] += 1

    # Months still to come (a ledger of the year to date) are left out.
    months = [_month(first, start, end, per_day, per_cell, checklists, failed_by_month[first])
              for first in _months(start, min(end, today))]
    for month in months:
        month.hazards_found = found_per_month[month.start]
        month.hazards_closed = closed_per_month[month.start]
        month.notices = notices_per_month[month.start]
    totals = DayTotals(required=0, done=0, missed=0)
    for day in per_day.values():
        for name in ("inspections", "zero", "failed", "items", "major", "required", "done", "missed"):
            setattr(totals, name, getattr(totals, name) + (getattr(day, name) or 0))

    # The register: every hazard found in the period, then those carried over still open when it began.
    register = Hazard.objects.filter(organisation=school).select_related(
        PLACE, "grid", "responsible", "found_by", "verified_by")
    found = in_period(register, start, end).order_by("found_at", "pk")
    hazards = list(found[:MAX_ROWS + 1])
    hazards_total = len(hazards) if len(hazards) <= MAX_ROWS else found.count()
    carried_qs = (register.filter(found_at__lt=since)
                  .filter(~Q(state=State.CLOSED) | Q(verified_at__gte=since)).order_by("found_at", "pk"))
    carried = list(carried_qs[:MAX_ROWS + 1])
    carried_total = len(carried) if len(carried) <= MAX_ROWS else carried_qs.count()
    for h in hazards[:MAX_ROWS] + carried[:MAX_ROWS]:
        h.overdue_now = is_overdue(h, today)
        h.description_cut, h.measures_cut = _cut(h.description), _cut(h.measures)
        h.plan_cut, h.funds_cut = _cut(h.contingency_plan), _cut(h.funds)

    return Ledger(
        ledger=ledger, school=school, start=start, end=end, today=today, generated_at=timezone.localtime(),
        requested_by=_requester(ledger), totals=totals, months=months,
        summary=summarise(Hazard.objects.filter(organisation=school), start, end, today),
        key_places=_key_places(school, start, end, since, until),
        hazards=hazards[:MAX_ROWS], hazards_total=hazards_total, carried=carried[:MAX_ROWS],
        carried_total=carried_total, failed_total=totals.failed, failed_listed=len(failed_rows), notices=notices,
        checklists_used=len({checklist for checklist, _day in per_cell}))


def _month(first: datetime.date, start: datetime.date, end: datetime.date, per_day, per_cell, checklists,
           failed: list) -> Month:
    """One month's day × checklist table and its inspections with failures."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    dates = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    days = [(d, start <= d <= end, d.weekday() >= 5) for d in dates]
    inside = [d for d in dates if start <= d <= end]

    def cells(values) -> list:
        return [values(d) if start <= d <= end else None for d in dates]

    rows = []
    for pk, name in checklists.items():
        counts = [per_cell.get((pk, d), 0) for d in dates]
        if any(counts):
            rows.append(MatrixRow(name, [n or None for n in counts], sum(counts)))
    totals = DayTotals(required=0, done=0, missed=0)
    for d in inside:
        day = per_day.get(d)
        if day is not None:
            for name in ("inspections", "zero", "failed", "items", "major", "required", "done", "missed"):
                setattr(totals, name, getattr(totals, name) + (getattr(day, name) or 0))

    def figure(name):
        return lambda d: getattr(per_day[d], name) if d in per_day else None

    rows += [
        MatrixRow(_("合计"), cells(figure("inspections")), totals.inspections, "total"),
        MatrixRow(_("其中零报告"), cells(figure("zero")), totals.zero, "zero"),
        MatrixRow(_("发现问题"), cells(figure("failed")), totals.failed, "failed"),
        MatrixRow(_("应检"), cells(figure("required")), totals.required, "required"),
        MatrixRow(_("漏检"), cells(figure("missed")), totals.missed, "missed"),
    ]
    # Each cell with its column's look: a weekend, or a day outside the period (none while periods are whole
    # months).
    looks = ["out" if not inside_ else "we" if weekend else "" for _d, inside_, weekend in days]
    for row in rows:
        row.cells = [(value or "", look) for value, look in zip(row.cells, looks, strict=True)]
    label = _("%(year)d年%(month)d月") % {"year": first.year, "month": first.month}
    return Month(first, label, days, rows, totals, failed)


def _key_places(school, start, end, since, until) -> list[KeyPlace]:
    """Key locations (重点部位) and major hazard sources (重大危险源): their checks and hazards in the period."""
    places = {p.pk: KeyPlace(p) for p in Place.objects.filter(organisation=school).filter(
        Q(is_key_location=True) | Q(is_major_hazard=True)).select_related("parent__parent__parent").order_by("code")}
    if not places:
        return []
    for place_id, n, failed in (Inspection.objects.filter(organisation=school, on_date__range=(start, end),
                                                          place__in=list(places))
                                .order_by().values("place_id")
                                .annotate(n=Count("pk"), f=Count("pk", filter=Q(failed_count__gt=0)))
                                .values_list("place_id", "n", "f")):
        places[place_id].inspections, places[place_id].failed = n, failed
    for place_id, n, open_now in (Hazard.objects.filter(organisation=school, place__in=list(places),
                                                        found_at__gte=since, found_at__lt=until)
                                  .order_by().values("place_id")
                                  .annotate(n=Count("pk"), o=Count("pk", filter=~Q(state=State.CLOSED)))
                                  .values_list("place_id", "n", "o")):
        places[place_id].hazards, places[place_id].open_now = n, open_now
    return list(places.values())


def render_html(content: Ledger) -> str:
    return render_to_string("pdf/ledger.html", {
        "font_sans": FONT_SANS, "font_serif": FONT_SERIF, "l": content, "ledger": content.ledger,
        "title": content.ledger.title, "max_rows": MAX_ROWS,
    })
