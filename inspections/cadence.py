"""The cadence engine: from a schedule and the school calendar to the windows in which a check is due.

A window is a run of days [start, end] in which `required` inspections must be done on each target:
one day for daily, weekday and monthly cadences; a slice of the term for "N times per term".
An intensity (alert levels, a later feature) can raise `required` or add checks to a window without
any schedule being rewritten: see `Intensity`.
"""

from __future__ import annotations

import calendar as _calendar
import datetime
from dataclasses import dataclass, field
from typing import Protocol

from .choices import Cadence, DayRule, HolidayKind

ONE_DAY = datetime.timedelta(days=1)


def days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += ONE_DAY


@dataclass
class SchoolCalendar:
    """A school's terms and holidays. With no term defined at all, every day is in term (a school
    that has not entered its calendar still gets its daily checks, Monday to Friday)."""

    terms: list[tuple[datetime.date, datetime.date]] = field(default_factory=list)
    holidays: set[datetime.date] = field(default_factory=set)
    workdays: set[datetime.date] = field(default_factory=set)  # 调休上课: a weekend day with classes

    @classmethod
    def load(cls, organisation) -> SchoolCalendar:
        from .models import Holiday, Term

        terms = sorted(Term.objects.filter(organisation=organisation).values_list("start", "end"))
        holidays, workdays = set(), set()
        for start, end, kind in Holiday.objects.filter(organisation=organisation).values_list("start", "end", "kind"):
            (workdays if kind == HolidayKind.WORKDAY else holidays).update(days(start, end))
        return cls(terms=terms, holidays=holidays, workdays=workdays)

    def term_of(self, day: datetime.date) -> tuple[datetime.date, datetime.date] | None:
        for start, end in self.terms:
            if start <= day <= end:
                return start, end
        return None

    def in_term(self, day: datetime.date) -> bool:
        return not self.terms or self.term_of(day) is not None

    def is_school_day(self, day: datetime.date) -> bool:
        if not self.in_term(day) or day in self.holidays:
            return False
        return day.isoweekday() <= 5 or day in self.workdays

    def counts(self, day: datetime.date, rule: str) -> bool:
        if rule == DayRule.ALL_DAYS:
            return True
        if rule == DayRule.TERM_DAYS:
            return self.in_term(day)
        return self.is_school_day(day)


@dataclass(frozen=True)
class Window:
    start: datetime.date
    end: datetime.date
    required: int = 1

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


class Intensity(Protocol):
    """How much more checking a day demands (alert levels): the number of checks required in a window."""

    def required(self, schedule, window: Window) -> int: ...


class NormalIntensity:
    """No alert raised: a schedule's own `per_window`."""

    def required(self, schedule, window: Window) -> int:
        return schedule.per_window


def nth_weekday(year: int, month: int, nth: int, weekday: int) -> datetime.date | None:
    """The nth (1–5, or -1 = last) ISO weekday of a month, or None when the month has no such day."""
    month_days = _calendar.monthrange(year, month)[1]
    matching = [datetime.date(year, month, d) for d in range(1, month_days + 1)
                if datetime.date(year, month, d).isoweekday() == weekday]
    if nth == -1:
        return matching[-1]
    return matching[nth - 1] if 1 <= nth <= len(matching) else None


def _months(start: datetime.date, end: datetime.date):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _split(counted: list[datetime.date], parts: int) -> list[tuple[datetime.date, datetime.date]]:
    """Consecutive slices of the counted days, as equal as possible (earlier slices one longer)."""
    parts = min(parts, len(counted))
    if parts <= 0:
        return []
    size, extra = divmod(len(counted), parts)
    slices, index = [], 0
    for part in range(parts):
        length = size + (1 if part < extra else 0)
        slices.append((counted[index], counted[index + length - 1]))
        index += length
    return slices


def windows(schedule, cal: SchoolCalendar, start: datetime.date, end: datetime.date,
            intensity: Intensity | None = None) -> list[Window]:
    """Every window of `schedule` that overlaps [start, end], clipped to the schedule's own dates."""
    intensity = intensity or NormalIntensity()
    lo = max(start, schedule.start)
    hi = min(end, schedule.end) if schedule.end else end
    if lo > hi or schedule.cadence == Cadence.AD_HOC:
        return []
    rule = schedule.day_rule
    spans: list[tuple[datetime.date, datetime.date]] = []
    if schedule.cadence == Cadence.DAILY:
        spans = [(d, d) for d in days(lo, hi) if cal.counts(d, rule)]
    elif schedule.cadence == Cadence.WEEKDAYS:
        wanted = {int(d) for d in schedule.weekdays}
        spans = [(d, d) for d in days(lo, hi) if d.isoweekday() in wanted and cal.counts(d, rule)]
    elif schedule.cadence == Cadence.MONTHLY_NTH:
        # The fixed day (e.g. the first Tuesday, 方案14); when it does not count (a holiday), the
        # check moves to the next day that counts in the same month.
        for year, month in _months(lo, hi):
            day = nth_weekday(year, month, schedule.nth, schedule.weekday)
            while day is not None and day.month == month and not cal.counts(day, rule):
                day += ONE_DAY
            if day is not None and day.month == month and lo <= day <= hi and schedule.active_on(day):
                spans.append((day, day))
    elif schedule.cadence == Cadence.PER_TERM:
        # N times a term (方案7): the term's counted days cut into N slices, one check due in each.
        for term_start, term_end in cal.terms:
            if term_end < lo or term_start > hi:
                continue
            first = max(term_start, schedule.start)
            last = min(term_end, schedule.end) if schedule.end else term_end
            counted = [d for d in days(first, last) if cal.counts(d, rule)]
            spans += [s for s in _split(counted, schedule.times_per_term) if s[1] >= lo and s[0] <= hi]
    result = []
    for span_start, span_end in spans:
        window = Window(span_start, span_end)
        result.append(Window(span_start, span_end, intensity.required(schedule, window)))
    return result
