"""Each cadence over a school calendar with holidays and a make-up school day (no database needed)."""

import datetime

import pytest

from inspections.cadence import SchoolCalendar, Window, days, nth_weekday, windows
from inspections.models import Schedule

D = datetime.date
TERM = (D(2026, 9, 1), D(2027, 1, 22))
# 国庆: 10月1日–7日 off; Sunday 9月27日 and Saturday 10月10日 are make-up school days (调休上课).
CALENDAR = SchoolCalendar(terms=[TERM, (D(2027, 2, 22), D(2027, 7, 2))],
                          holidays=set(days(D(2026, 10, 1), D(2026, 10, 7))),
                          workdays={D(2026, 9, 27), D(2026, 10, 10)})


def schedule(**values) -> Schedule:
    values.setdefault("start", D(2026, 9, 1))
    return Schedule(name="s", **values)


def starts(result: list[Window]) -> list[datetime.date]:
    return [w.start for w in result]


def test_daily_counts_school_days_skips_the_holiday_and_keeps_make_up_days():
    result = windows(schedule(cadence="daily"), CALENDAR, D(2026, 9, 26), D(2026, 10, 11))
    assert starts(result) == [D(2026, 9, 27), D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30),
                              D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10)]
    assert all(w.start == w.end and w.required == 1 for w in result)


def test_daily_on_every_day_includes_holidays_and_term_days_exclude_the_summer():
    every_day = windows(schedule(cadence="daily", day_rule="all_days"), CALENDAR, D(2026, 10, 1), D(2026, 10, 7))
    assert len(every_day) == 7
    term_days = windows(schedule(cadence="daily", day_rule="term_days", start=D(2027, 1, 1)), CALENDAR,
                        D(2027, 1, 20), D(2027, 1, 25))
    assert starts(term_days) == [D(2027, 1, 20), D(2027, 1, 21), D(2027, 1, 22)]  # Sat/Sun in term, then break


def test_weekday_cadence_falls_on_the_named_weekdays_that_are_school_days():
    result = windows(schedule(cadence="weekdays", weekdays="135"), CALENDAR, D(2026, 9, 28), D(2026, 10, 11))
    # Mon 28, Wed 30; Fri 2, Mon 5, Wed 7 are holidays; Fri 9 counts; the make-up Saturday is no Mon/Wed/Fri.
    assert starts(result) == [D(2026, 9, 28), D(2026, 9, 30), D(2026, 10, 9)]


def test_monthly_first_tuesday_moves_to_the_next_school_day_when_it_is_a_holiday():
    result = windows(schedule(cadence="monthly_nth", nth=1, weekday=2), CALENDAR, D(2026, 9, 1), D(2026, 11, 30))
    # 9月1日 is the first Tuesday; 10月6日 is in the holiday → 10月8日; 11月3日.
    assert starts(result) == [D(2026, 9, 1), D(2026, 10, 8), D(2026, 11, 3)]


def test_monthly_last_friday_and_a_month_without_a_fifth_monday():
    assert nth_weekday(2026, 10, -1, 5) == D(2026, 10, 30)
    assert nth_weekday(2026, 9, 5, 1) is None
    result = windows(schedule(cadence="monthly_nth", nth=5, weekday=1), CALENDAR, D(2026, 9, 1), D(2026, 12, 31))
    assert starts(result) == [D(2026, 11, 30)]  # only November 2026 has a fifth Monday in the term


def test_twice_a_term_splits_the_counted_days_into_two_windows_and_once_is_the_whole_term():
    twice = windows(schedule(cadence="per_term", times_per_term=2), CALENDAR, D(2026, 9, 1), D(2027, 1, 31))
    counted = [d for d in days(*TERM) if CALENDAR.is_school_day(d)]
    assert len(twice) == 2
    assert twice[0].start == counted[0] and twice[1].end == counted[-1]
    first_half = [d for d in counted if d <= twice[0].end]
    assert len(first_half) in (len(counted) // 2, len(counted) // 2 + 1)
    assert counted[counted.index(twice[0].end) + 1] == twice[1].start
    once = windows(schedule(cadence="per_term", times_per_term=1), CALENDAR, D(2026, 12, 1), D(2026, 12, 1))
    assert [(w.start, w.end) for w in once] == [(counted[0], counted[-1])]


def test_per_term_windows_of_the_next_term_only_when_the_period_reaches_it():
    result = windows(schedule(cadence="per_term", times_per_term=1), CALENDAR, D(2027, 3, 1), D(2027, 3, 1))
    assert [(w.start, w.end) for w in result] == [(D(2027, 2, 22), D(2027, 7, 2))]


def test_ad_hoc_never_falls_due_and_schedule_dates_clip_the_windows():
    assert windows(schedule(cadence="ad_hoc"), CALENDAR, D(2026, 9, 1), D(2026, 12, 31)) == []
    clipped = windows(schedule(cadence="daily", start=D(2026, 9, 29), end=D(2026, 9, 30)), CALENDAR,
                      D(2026, 9, 1), D(2026, 12, 31))
    assert starts(clipped) == [D(2026, 9, 29), D(2026, 9, 30)]


def test_a_school_without_terms_checks_monday_to_friday():
    result = windows(schedule(cadence="daily"), SchoolCalendar(), D(2026, 9, 25), D(2026, 9, 28))
    assert starts(result) == [D(2026, 9, 25), D(2026, 9, 28)]


def test_an_intensity_raises_the_checks_required_without_touching_the_schedule():
    class Raised:
        def required(self, schedule, window):
            return schedule.per_window * 2 + (1 if window.start.isoweekday() == 1 else 0)

    plan = schedule(cadence="daily", per_window=1)
    result = windows(plan, CALENDAR, D(2026, 9, 28), D(2026, 9, 29), Raised())
    assert [w.required for w in result] == [3, 2]
    assert plan.per_window == 1


@pytest.mark.parametrize(("time_from", "time_to", "moment", "inside"), [
    (datetime.time(7, 30), datetime.time(8), datetime.time(7, 45), True),
    (datetime.time(7, 30), datetime.time(8), datetime.time(9), False),
    (datetime.time(21, 30), datetime.time(1), datetime.time(23, 50), True),  # the night check runs past midnight
    (datetime.time(21, 30), datetime.time(1), datetime.time(0, 30), True),
    (datetime.time(21, 30), datetime.time(1), datetime.time(20), False),
    (None, None, datetime.time(3), True),
])
def test_time_windows_including_one_past_midnight(time_from, time_to, moment, inside):
    assert schedule(cadence="daily", time_from=time_from, time_to=time_to).in_time_window(moment) is inside
