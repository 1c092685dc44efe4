"""Data versions: a counter per organisation and topic, moved on by every change to what the topic covers,
so that figures derived from many rows can be kept (per process or in Django's cache) under a key holding
the version and stay exactly right — across processes and app servers, whatever the cache backend.

    versions.changed(school.pk, versions.PLAN)   # in the write's transaction
    versions.current(school.pk, versions.PLAN)   # one indexed read

The counter moves inside the writer's transaction: readers see the new version exactly when they see the
new rows, and a rolled-back change moves nothing. Signals call `changed` for the ORM's saves and deletes
(see the topics' `connect` functions); bulk writes that bypass signals call it themselves, and a bulk write
that does go through signals wraps itself in `deferred()` so that thousands of rows move the counter once.

Topics:
- PLAN: what `inspections.due.Plan` reads besides the inspections themselves — schedules and their targets,
  the calendar, grids and their places, places, assignments, posts held, people, checklists.
- COVERAGE: what the coverage check (grids.coverage) reads — people, posts, grids, assignments, places, time
  slots, the organisation itself.
- ROLLUP: a school's daily roll-up rows (dashboards.models.SchoolDay) written or marked stale; moved at the
  school and every organisation above it (`changed_up`), so a bureau's figures read one counter.
- INSPECTIONS (inspections, QR check-ins), HAZARDS (hazards, public reports), LETTERS (responsibility
  letters): what the dashboards count live (dashboards.panels.connect); moved at the row's own organisation
  only (a hot counter per school, never a district-wide one) and read over a subtree (`snapshot`).
"""

from __future__ import annotations

import contextlib
import threading

from django.db import IntegrityError, transaction
from django.db.models import F, Q

PLAN = "plan"
ROLLUP = "rollup"
COVERAGE = "coverage"
INSPECTIONS = "inspections"
HAZARDS = "hazards"
LETTERS = "letters"

_local = threading.local()


def changed(organisation_id: int | None, topic: str = PLAN) -> None:
    """Move the organisation's `topic` on (within the current transaction, if any)."""
    if organisation_id is None:
        return
    pending = getattr(_local, "pending", None)
    if pending is not None:
        pending.add((organisation_id, topic))
        return
    _bump([(organisation_id, topic)])


def changed_up(organisation_id: int | None, topic: str) -> None:
    """Move `topic` at an organisation and at every organisation above it."""
    from orgs.models import Organisation

    if organisation_id is None:
        return
    path = Organisation.objects.filter(pk=organisation_id).values_list("path", flat=True).first() or ""
    for pk in _ids(path) or [organisation_id]:
        changed(pk, topic)


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


@contextlib.contextmanager
def deferred():
    """Collect the changes made inside and move each counter once at the end (inside the caller's
    transaction: use it within the bulk write's `atomic`)."""
    outer = getattr(_local, "pending", None)
    if outer is not None:  # nested: the outermost one counts
        yield
        return
    _local.pending = set()
    try:
        yield
        keys = _local.pending
    finally:
        _local.pending = None
    _bump(keys)


def _bump(keys) -> None:
    from .models import DataVersion

    for organisation_id, topic in sorted(keys):  # one order: two writers never wait on each other in a cycle
        rows = DataVersion.objects.filter(organisation_id=organisation_id, topic=topic)
        if rows.update(value=F("value") + 1):
            continue
        try:
            with transaction.atomic():
                DataVersion.objects.create(organisation_id=organisation_id, topic=topic, value=1)
        except IntegrityError:  # another process made it meanwhile
            rows.update(value=F("value") + 1)


def current(organisation_id: int, topic: str = PLAN) -> int:
    from .models import DataVersion

    value = DataVersion.objects.filter(organisation_id=organisation_id, topic=topic).values_list(
        "value", flat=True).first()
    return value or 0


def current_for(organisation, topic: str = PLAN) -> tuple[tuple[int, int], ...]:
    """The versions of an organisation and of every organisation above it (what a bureau sets — a shared
    checklist, say — reaches its schools), in one query: the key for figures that read inherited rows."""
    return current_for_path(organisation.path, topic)


def current_for_path(path: str, topic: str = PLAN) -> tuple[tuple[int, int], ...]:
    from .models import DataVersion

    ids = _ids(path)
    found = dict(DataVersion.objects.filter(organisation_id__in=ids, topic=topic).values_list(
        "organisation_id", "value"))
    return tuple((pk, found.get(pk, 0)) for pk in ids)


def snapshot(path: str, up: tuple[str, ...] = (), down: tuple[str, ...] = ()) -> tuple:
    """In one query: the `up` topics' versions of the organisation at `path` and of every organisation above
    it, and the `down` topics' versions of every organisation in its subtree — a key for figures that read
    inherited rows (up) and rows of the subtree (down)."""
    from .models import DataVersion

    wanted = Q(pk__in=[])
    if up:
        wanted |= Q(organisation_id__in=_ids(path), topic__in=up)
    if down:
        wanted |= Q(organisation__path__startswith=path, topic__in=down)
    return tuple(sorted(DataVersion.objects.filter(wanted).values_list("organisation_id", "topic", "value")))
