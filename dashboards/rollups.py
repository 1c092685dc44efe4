"""Computing and keeping the daily roll-ups (dashboards.models.SchoolDay) exact.

- `compute(school, start, end)`: the rows of a school's past days from the data itself (one Plan for the
  span, three grouped queries);
- `store(rows)`: insert or replace them;
- `rebuild(schools, start, end)`: both, for a bulk load or a repair (`manage.py rollup`);
- `refresh(schools, start, end)`: before figures are read, recompute what is missing or stale — in the
  steady state one query that finds nothing to do;
- the write path marks rows stale (signals below, registered in DashboardsConfig.ready): a late
  inspection for a past day, a hazard found or closed on a past day (a hazard's found day and closing day
  are both marked on every save), a schedule, term or holiday change from its start onwards.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from core import versions
from core.filters import local_midnight

from .models import SchoolDay

FIGURES = ["required", "done", "missed", "inspections", "failed_inspections", "hazards_found", "major_found",
           "hazards_closed", "close_seconds", "closed_late", "coverage_findings", "stale"]


def _days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def compute(school, start: datetime.date, end: datetime.date, *, today: datetime.date | None = None,
            coverage: bool | None = None) -> list[SchoolDay]:
    """A school's rows for [start, end] (past days only: end is clipped to the day before `today`)."""
    from hazards.models import Hazard
    from inspections.due import Plan, TaskState
    from inspections.models import Inspection

    today = today or timezone.localdate()
    end = min(end, today - datetime.timedelta(days=1))
    if end < start:
        return []
    rows = {day: SchoolDay(organisation=school, day=day) for day in _days(start, end)}
    plan = Plan(school, start, end, today=today)
    for task in plan.tasks:
        row = rows.get(task.window.end)
        if row is None or task.state not in (TaskState.DONE, TaskState.MISSED):
            continue
        row.required += task.window.required
        row.done += min(task.done, task.window.required)
        row.missed += task.state == TaskState.MISSED
    per_day = (Inspection.objects.filter(organisation=school, on_date__range=(start, end)).values("on_date")
               .annotate(n=Count("pk"), f=Count("pk", filter=Q(failed_count__gt=0))))
    for on_date, total, failed in per_day.values_list("on_date", "n", "f"):
        rows[on_date].inspections, rows[on_date].failed_inspections = total, failed
    since, until = local_midnight(start), local_midnight(end + datetime.timedelta(days=1))
    hazards = Hazard.objects.filter(Q(found_at__gte=since, found_at__lt=until)
                                    | Q(state="closed", verified_at__gte=since, verified_at__lt=until),
                                    organisation=school)
    for found_at, grade, state, verified_at, deadline in hazards.values_list(
            "found_at", "grade", "state", "verified_at", "deadline"):
        found_day = timezone.localdate(found_at)
        if found_day in rows:
            rows[found_day].hazards_found += 1
            rows[found_day].major_found += grade == "major"
        if state == "closed" and verified_at is not None:
            closed_day = timezone.localdate(verified_at)
            if closed_day in rows:
                row = rows[closed_day]
                row.hazards_closed += 1
                row.close_seconds += max(0, int((verified_at - found_at).total_seconds()))
                row.closed_late += deadline is not None and closed_day > deadline
    if coverage if coverage is not None else end == today - datetime.timedelta(days=1):
        from grids import coverage as coverage_check

        rows[end].coverage_findings = len(coverage_check.compute(school, end).findings)
    return list(rows.values())


def store(rows: list[SchoolDay]) -> None:
    """Insert the rows, replacing any of the same school and day (and clearing their stale mark). A row
    keeps its coverage figure when the new one has none."""
    if not rows:
        return
    with transaction.atomic():
        keep = {(r.organisation_id, r.day): r.coverage_findings for r in SchoolDay.objects.filter(
            organisation__in={r.organisation_id for r in rows}, day__in={r.day for r in rows},
            coverage_findings__isnull=False).only("organisation_id", "day", "coverage_findings")}
        for row in rows:
            if row.coverage_findings is None:
                row.coverage_findings = keep.get((row.organisation_id, row.day))
            row.stale = False
        SchoolDay.objects.bulk_create(rows, batch_size=1000, update_conflicts=True,
                                      unique_fields=["organisation", "day"],
                                      update_fields=[f for f in FIGURES] + ["computed_at"])
        for organisation_id in sorted({r.organisation_id for r in rows}):
            versions.changed_up(organisation_id, versions.ROLLUP)


def rebuild(schools, start: datetime.date, end: datetime.date, *, today: datetime.date | None = None) -> int:
    """Recompute every row of these schools in [start, end]; returns the number of rows written."""
    written = 0
    for school in schools:
        rows = compute(school, start, end, today=today)
        store(rows)
        written += len(rows)
    return written


def refresh(schools, start: datetime.date, end: datetime.date, *, today: datetime.date | None = None) -> int:
    """Make the rows of [start, end] (past days) exact before they are read: compute those missing or
    stale, one span per school. Returns the number of rows recomputed (0 in the steady state)."""
    today = today or timezone.localdate()
    end = min(end, today - datetime.timedelta(days=1))
    if end < start:
        return 0
    schools = list(schools)
    wanted = set(_days(start, end))
    # Steady state: one grouped count says every school has all its rows, none stale.
    complete = {organisation_id for organisation_id, n in SchoolDay.objects.filter(
        organisation__in=[s.pk for s in schools], day__range=(start, end), stale=False).values(
        "organisation_id").annotate(n=Count("pk")).values_list("organisation_id", "n") if n == len(wanted)}
    written = 0
    for school in schools:
        if school.pk in complete:
            continue
        good = set(SchoolDay.objects.filter(organisation=school, day__range=(start, end), stale=False)
                   .values_list("day", flat=True))
        todo = wanted - good
        if todo:
            rows = compute(school, min(todo), max(todo), today=today)
            store([r for r in rows if r.day in todo])
            written += len(todo)
    return written


def refresh_stale() -> int:
    """Recompute every stale row (the nightly job; figures read through `refresh` need not wait for it)."""
    from orgs.models import Organisation

    spans: dict[int, list[datetime.date]] = defaultdict(list)
    for organisation_id, day in SchoolDay.objects.filter(stale=True).values_list("organisation_id", "day"):
        spans[organisation_id].append(day)
    written = 0
    for school in Organisation.objects.filter(pk__in=spans):
        days = set(spans[school.pk])
        store([r for r in compute(school, min(days), max(days)) if r.day in days])
        written += len(days)
    return written


# --- the write path: mark what changed --------------------------------------------------------------


def _as_date(value) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value  # create(day="2026-10-01")


def mark_stale(organisation_id: int, *days: datetime.date | None, since: datetime.date | None = None) -> None:
    """Rows of a school's past days that no longer hold: those days, or every day from `since`."""
    today = timezone.localdate()
    since = _as_date(since)
    past = [d for d in map(_as_date, days) if d is not None and d < today]
    marked = 0
    if past:
        marked += SchoolDay.objects.filter(organisation_id=organisation_id, day__in=past, stale=False).update(
            stale=True)
    if since is not None and since < today:
        marked += SchoolDay.objects.filter(organisation_id=organisation_id, day__gte=since, stale=False).update(
            stale=True)
    if marked:  # figures kept under the roll-ups' version are read afresh
        versions.changed_up(organisation_id, versions.ROLLUP)


def _local_day(moment):
    return timezone.localdate(moment) if moment is not None else None


def inspection_saved(sender, instance, **kwargs):
    mark_stale(instance.organisation_id, instance.on_date)


def hazard_saved(sender, instance, **kwargs):
    mark_stale(instance.organisation_id, _local_day(instance.found_at), _local_day(instance.verified_at))


def calendar_changed(sender, instance, **kwargs):
    """A schedule, term or holiday changes the tasks due from its start (a changed start: from the earlier)."""
    mark_stale(instance.organisation_id, since=instance.start)


def schedule_targets_changed(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and hasattr(instance, "start"):
        mark_stale(instance.organisation_id, since=instance.start)


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from hazards.models import Hazard
    from inspections.models import Holiday, Inspection, Schedule, Term

    post_save.connect(inspection_saved, sender=Inspection, dispatch_uid="rollup-inspection")
    post_delete.connect(inspection_saved, sender=Inspection, dispatch_uid="rollup-inspection-delete")
    post_save.connect(hazard_saved, sender=Hazard, dispatch_uid="rollup-hazard")
    post_delete.connect(hazard_saved, sender=Hazard, dispatch_uid="rollup-hazard-delete")
    for model in (Schedule, Term, Holiday):
        post_save.connect(calendar_changed, sender=model, dispatch_uid=f"rollup-{model.__name__}")
        post_delete.connect(calendar_changed, sender=model, dispatch_uid=f"rollup-{model.__name__}-delete")
    for through in (Schedule.grids.through, Schedule.places.through):
        m2m_changed.connect(schedule_targets_changed, sender=through, dispatch_uid=f"rollup-{through.__name__}")
