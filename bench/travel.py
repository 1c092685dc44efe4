"""Moving a benchmark's clock: the seeded district's history ends on its "today"; the morning rush is
measured at 07:30 on the next school day, in the benchmark's process and in gunicorn's (travel_wsgi)."""

from __future__ import annotations

import datetime
import zoneinfo


def next_school_day(after: datetime.date) -> datetime.date:
    day = after + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def start_travel(moment: str, tz: str = "Asia/Shanghai"):
    """Travel to `moment` (ISO, local to `tz` unless it carries an offset) with the clock ticking; '' = stay."""
    if not moment:
        return None
    import time_machine

    when = datetime.datetime.fromisoformat(moment)
    if when.tzinfo is None:
        when = when.replace(tzinfo=zoneinfo.ZoneInfo(tz))
    traveller = time_machine.travel(when, tick=True)
    traveller.start()
    return traveller
