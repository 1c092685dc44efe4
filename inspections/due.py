"""Due, done and missed inspection tasks, derived — never stored — from schedules, the calendar, the
grid's assignments of each day and the inspections submitted.

`Plan(school, start, end)` loads everything for a school and period in a fixed number of queries
(whatever the school's size) and answers: what is due for a person on a day, what a place's QR
plate should open, what was missed (漏检), and completion rates by grid, person and school.

Responsibility is per day: after a handover the old holder answers up to the handover date and the
new holder from the next day, so tomorrow's tasks belong to the new holder. A task with a window of
several days (N times a term) belongs, for missed-check purposes, to who held it on its last day.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campus.models import Place
from core import versions
from core.kept import Kept
from grids.choices import COVERING_ROLES
from grids.models import Assignment, Grid
from people.models import Person, PostHolding

from .cadence import Intensity, SchoolCalendar, Window, windows
from .models import Inspection, Schedule


class TaskState:
    DONE = "done"
    DUE = "due"
    MISSED = "missed"
    UPCOMING = "upcoming"

    LABELS = {DONE: _("已完成"), DUE: _("待检查"), MISSED: _("漏检"), UPCOMING: _("未到期")}


@dataclass
class Task:
    schedule: Schedule
    grid: Grid | None
    place: Place | None
    window: Window
    done: int = 0
    inspection_ids: list[int] = field(default_factory=list)
    state: str = TaskState.UPCOMING

    @property
    def target_label(self) -> str:
        if self.place is not None:
            return self.place.full_name
        return self.grid.name if self.grid is not None else ""

    @property
    def state_label(self) -> str:
        return str(TaskState.LABELS[self.state])

    @property
    def is_done(self) -> bool:
        return self.done >= self.window.required

    @property
    def target_key(self) -> str:
        """The URL part naming the task's target: g<grid id> or p<place id>."""
        return f"p{self.place.pk}" if self.place is not None else f"g{self.grid.pk}"

    def in_time_window(self, moment: datetime.datetime) -> bool:
        local = timezone.localtime(moment)
        return self.schedule.duty_day(local) in self.window and self.schedule.in_time_window(local.time())


@dataclass(frozen=True)
class Rate:
    key: object
    label: str
    required: int
    done: int
    missed: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.done / self.required, 1) if self.required else None


class Structure:
    """What a plan is made of, but for the inspections: the calendar, the schedules and their targets, the
    grids, places, assignments, posts held and people, and the task windows these give. Loaded in a fixed
    number of queries; the default plans near today keep it per process under the school's PLAN data version
    (see `structure_for`), so a page reads the inspections and one version row instead of all of it."""

    def __init__(self, organisation, start: datetime.date, end: datetime.date, intensity: Intensity | None = None,
                 schedules=None):
        self.calendar = SchoolCalendar.load(organisation)
        schedule_qs = schedules if schedules is not None else Schedule.objects.filter(
            organisation=organisation, is_active=True).overlapping(start, end)
        self.schedules = list(schedule_qs.select_related("checklist"))
        # The grids and places each schedule names, as ids (model instances per link cost more than the rest).
        schedule_ids = [s.pk for s in self.schedules] or [0]
        self.schedule_grids: dict[int, set[int]] = defaultdict(set)
        for schedule_id, grid_id in Schedule.grids.through.objects.filter(
                schedule__in=schedule_ids).values_list("schedule_id", "grid_id"):
            self.schedule_grids[schedule_id].add(grid_id)
        self.schedule_places: dict[int, set[int]] = defaultdict(set)
        for schedule_id, place_id in Schedule.places.through.objects.filter(
                schedule__in=schedule_ids).values_list("schedule_id", "place_id"):
            self.schedule_places[schedule_id].add(place_id)
        self.grids = {g.pk: g for g in Grid.objects.filter(organisation=organisation)}
        # Only the places schedules name (and the key locations, when a schedule targets them all).
        place_ids = {pk for ids in self.schedule_places.values() for pk in ids}
        wanted = Q(pk__in=place_ids or [0])  # never an empty IN (Django would skip the query: counts vary)
        if any(s.key_locations for s in self.schedules):
            wanted |= Q(is_key_location=True)
        self.places = {p.pk: p for p in Place.objects.filter(wanted, organisation=organisation)
                       .select_related("parent__parent")}
        self.grids_of_place: dict[int, list[int]] = defaultdict(list)
        for grid_id, place_id in Grid.places.through.objects.filter(
                grid__organisation=organisation).values_list("grid_id", "place_id"):
            self.grids_of_place[place_id].append(grid_id)
        self.skeleton: list[tuple] = []  # (schedule, grid, place, window) of every task
        for schedule in self.schedules:
            spans = windows(schedule, self.calendar, start, end, intensity)
            if spans:
                self.skeleton += [(schedule, grid, place, w) for grid, place in self._targets(schedule) for w in spans]
        self.assignments: dict[int, list[Assignment]] = defaultdict(list)
        for a in Assignment.objects.filter(organisation=organisation).overlapping(start - datetime.timedelta(days=1),
                                                                                  end):
            self.assignments[a.grid_id].append(a)
        self.holdings: dict[int, list[PostHolding]] = defaultdict(list)
        for h in PostHolding.objects.filter(organisation=organisation).overlapping(start, end):
            self.holdings[h.post_id].append(h)
        # Only the people who hold something (a school's students are mostly not in any assignment).
        person_ids = {a.person_id for rows in self.assignments.values() for a in rows if a.person_id}
        person_ids |= {h.person_id for rows in self.holdings.values() for h in rows}
        self.people = {p.pk: p for p in Person.objects.filter(organisation=organisation, pk__in=person_ids)
                       .only("pk", "organisation_id", "name", "status", "left_on", "user_id")}

    def grids_of(self, person_id: int, day: datetime.date) -> set[int]:
        """The school's grids a person answers for on a day (a day of the structure's span), directly or through
        a post they hold: what `grids_of(person, day)` reads from the database, within this school. Through an
        index by person built on first use."""
        index = self.__dict__.get("_by_person")
        if index is None:
            direct, by_post, held = defaultdict(list), defaultdict(list), defaultdict(list)
            for rows in self.assignments.values():
                for a in rows:
                    if a.person_id:
                        direct[a.person_id].append(a)
                    if a.post_id:
                        by_post[a.post_id].append(a)
            for rows in self.holdings.values():
                for h in rows:
                    held[h.person_id].append(h)
            index = self.__dict__["_by_person"] = (direct, by_post, held)
        direct, by_post, held = index
        found = {a.grid_id for a in direct.get(person_id, ()) if a.active_on(day)}
        for h in held.get(person_id, ()):
            if h.active_on(day):
                found.update(a.grid_id for a in by_post.get(h.post_id, ()) if a.active_on(day))
        return found & self.grids.keys()

    def skeleton_for(self, grid_ids: set[int]) -> list[tuple]:
        """The skeleton's tasks on these grids or on places they answer for (in skeleton order), through an
        index by grid built on first use: a person's or a plate's plan is a few of a school's thousands."""
        index = self.__dict__.get("_by_grid")
        if index is None:
            index = defaultdict(list)
            for n, (_schedule, grid, place, _window) in enumerate(self.skeleton):
                for grid_id in (owner_grids(self.grids, self.grids_of_place, place.pk) if place is not None
                                else [grid.pk]):
                    index[grid_id].append(n)
            self._by_grid = index
        wanted = sorted({n for grid_id in grid_ids for n in index.get(grid_id, ())})
        return [self.skeleton[n] for n in wanted]

    def _targets(self, schedule: Schedule):
        grid_ids = set(self.schedule_grids.get(schedule.pk, ()))
        if schedule.grid_kind:
            grid_ids |= {pk for pk, g in self.grids.items() if g.kind == schedule.grid_kind}
        for pk in sorted(grid_ids, key=lambda pk: (self.grids[pk].level, self.grids[pk].name)):
            yield self.grids[pk], None
        place_ids = set(self.schedule_places.get(schedule.pk, ()))
        if schedule.key_locations:
            place_ids |= {pk for pk, p in self.places.items() if p.is_key_location}
        for pk in sorted(place_ids, key=lambda pk: self.places[pk].code):
            owners = owner_grids(self.grids, self.grids_of_place, pk)
            yield (self.grids[owners[0]] if owners else None), self.places[pk]


# Structures of plans near today (the pages' plans), per process: (school, start, end) → (version, structure).
CACHED_DAYS = 7
_structures = Kept(64)


def structure_for(organisation, start: datetime.date, end: datetime.date, today: datetime.date,
                  intensity: Intensity | None = None, schedules=None) -> Structure:
    """The plan's structure: kept per process for the default plans within a week of today, keyed by the
    PLAN data versions of the school and its ancestors (exact: every change to what it reads moves them)."""
    span = datetime.timedelta(days=CACHED_DAYS)
    if intensity is not None or schedules is not None or start < today - span or end > today + span:
        return Structure(organisation, start, end, intensity, schedules)
    key = (organisation.pk, start, end)
    version = versions.current_for(organisation, versions.PLAN)
    found = _structures.get(key)
    if found is not None and found[0] == version:
        return found[1]
    structure = Structure(organisation, start, end)
    _structures.put(key, (version, structure))
    return structure


def forget_structures() -> None:
    """Drop every kept structure (tests: rolled-back rows may come back with the same ids)."""
    _structures.clear()


def owner_grids(grids: dict, grids_of_place: dict, place_id: int) -> list[int]:
    """The deepest grids covering a place: those who answer for it most directly."""
    covering = grids_of_place.get(place_id, [])
    if not covering:
        return []
    deepest = max(grids[g].level for g in covering)
    return sorted(g for g in covering if grids[g].level == deepest)


class Plan:
    """A school's inspection tasks whose windows overlap [start, end]."""

    def __init__(self, organisation, start: datetime.date, end: datetime.date, *, today: datetime.date | None = None,
                 intensity: Intensity | None = None, schedules=None, only_grids: set[int] | None = None,
                 structure: Structure | None = None):
        """`only_grids` keeps just the tasks on those grids and on places they answer for (a person's
        own tasks, a QR plate's place): the same answers for them, for a fraction of the work."""
        self.organisation = organisation
        self.start, self.end = start, end
        self.today = today or timezone.localdate()
        structure = self.structure = structure or structure_for(organisation, start, end, self.today, intensity,
                                                                schedules)
        self.calendar, self.schedules = structure.calendar, structure.schedules
        self.grids, self.places, self.grids_of_place = structure.grids, structure.places, structure.grids_of_place
        self.assignments, self.holdings, self.people = structure.assignments, structure.holdings, structure.people
        self.only_grids = only_grids
        self._holders: dict[tuple, frozenset[int]] = {}
        skeleton = structure.skeleton if only_grids is None else structure.skeleton_for(only_grids)
        self.tasks: list[Task] = [Task(schedule, grid, place, w) for schedule, grid, place, w in skeleton]
        self._count_done()

    # --- targets and responsibility ----------------------------------------------------------
    def owner_grids(self, place_id: int) -> list[int]:
        """The deepest grids covering a place: those who answer for it most directly."""
        return owner_grids(self.grids, self.grids_of_place, place_id)

    def holders(self, grid_id: int, day: datetime.date, roles: list[str] | None = None) -> frozenset[int]:
        """People answering for a grid on a day, in the given roles (default: every covering role); worked out
        once per grid, day and roles (a school's tasks share their grids and their schedules' roles)."""
        key = (grid_id, day, tuple(roles) if roles else None)
        found = self._holders.get(key)
        if found is None:
            found = self._holders[key] = frozenset(self._holders_of(grid_id, day, roles))
        return found

    def _holders_of(self, grid_id: int, day: datetime.date, roles: list[str] | None) -> set[int]:
        wanted = set(roles) if roles else COVERING_ROLES
        result = set()
        for a in self.assignments.get(grid_id, ()):
            if a.role not in wanted or not a.active_on(day):
                continue
            if a.person_id:
                candidates = [a.person_id]
            else:
                candidates = [h.person_id for h in self.holdings.get(a.post_id, ()) if h.active_on(day)]
            result.update(pk for pk in candidates if pk in self.people and self.people[pk].is_present_on(day))
        return result

    def responsible(self, task: Task, day: datetime.date) -> set[int]:
        roles = task.schedule.role_list
        if task.place is not None:
            grid_ids = self.owner_grids(task.place.pk)
        else:
            grid_ids = [task.grid.pk]
        people = set()
        for grid_id in grid_ids:
            people |= self.holders(grid_id, day, roles)
        return people

    # --- what was done ------------------------------------------------------------------------
    def _count_done(self):
        if not self.tasks:
            return
        first = min(t.window.start for t in self.tasks)
        last = max(t.window.end for t in self.tasks)
        done: dict[tuple, list[tuple[datetime.date, int]]] = defaultdict(list)
        rows = Inspection.objects.filter(organisation=self.organisation, on_date__range=(first, last),
                                         schedule__in=[s.pk for s in self.schedules])
        for pk, schedule_id, grid_id, place_id, on_date in rows.values_list(
                "pk", "schedule_id", "grid_id", "place_id", "on_date"):
            done[(schedule_id, "g", grid_id)].append((on_date, pk))
            if place_id:
                done[(schedule_id, "p", place_id)].append((on_date, pk))
        for task in self.tasks:
            key = (task.schedule.pk, "p", task.place.pk) if task.place is not None else (
                task.schedule.pk, "g", task.grid.pk)
            task.inspection_ids = [pk for on_date, pk in done.get(key, ()) if on_date in task.window]
            task.done = len(task.inspection_ids)
            if task.is_done:
                task.state = TaskState.DONE
            elif task.window.end < self.today:
                task.state = TaskState.MISSED
            elif task.window.start <= self.today:
                task.state = TaskState.DUE
            else:
                task.state = TaskState.UPCOMING

    # --- questions ----------------------------------------------------------------------------
    def on(self, day: datetime.date) -> list[Task]:
        return [t for t in self.tasks if day in t.window]

    def for_person(self, person_id: int, day: datetime.date) -> list[Task]:
        """The person's tasks on a day (due and done), the ones still to do first."""
        mine = [t for t in self.on(day) if person_id in self.responsible(t, day)]
        return sorted(mine, key=lambda t: (t.is_done, t.schedule.time_from or datetime.time.max,
                                           t.schedule.name, t.target_label))

    def for_place(self, place_id: int, day: datetime.date) -> list[Task]:
        """What a QR plate at this place opens: the place's own tasks and those of grids covering it."""
        covering = set(self.grids_of_place.get(place_id, ()))
        return [t for t in self.on(day) if (t.place is not None and t.place.pk == place_id)
                or (t.place is None and t.grid is not None and t.grid.pk in covering)]

    def find(self, schedule_id: int, target_key: str, day: datetime.date) -> Task | None:
        for task in self.on(day):
            if task.schedule.pk == schedule_id and task.target_key == target_key:
                return task
        return None

    def missed(self) -> list[Task]:
        return [t for t in self.tasks if t.state == TaskState.MISSED]

    def missed_for_grids(self, grid_ids: set[int]) -> list[Task]:
        """Missed tasks on these grids or on places they cover (for a grid leader's morning list)."""
        result = []
        for task in self.missed():
            owners = set(self.owner_grids(task.place.pk)) if task.place is not None else {task.grid.pk}
            if owners & grid_ids:
                result.append(task)
        return result

    def rates(self, by: str) -> list[Rate]:
        """Completion by "grid", "person" or "school": a window counts once it has ended or is done;
        a missed window counts as required and not done."""
        totals: dict[object, list[int]] = defaultdict(lambda: [0, 0, 0])
        for task in self.tasks:
            if task.state in (TaskState.UPCOMING, TaskState.DUE):
                continue
            required, done = task.window.required, min(task.done, task.window.required)
            missed = 1 if task.state == TaskState.MISSED else 0
            if by == "school":
                keys = [self.organisation.pk]
            elif by == "grid":
                keys = [task.grid.pk if task.grid is not None else None]
            else:
                keys = sorted(self.responsible(task, task.window.end)) or [None]
            for key in keys:
                totals[key][0] += required
                totals[key][1] += done
                totals[key][2] += missed
        return sorted((Rate(key, self._label(by, key), *values) for key, values in totals.items()),
                      key=lambda r: (r.percent if r.percent is not None else 101, r.label))

    def _label(self, by: str, key) -> str:
        if key is None:
            return str(_("（无责任人）") if by == "person" else _("（未划入网格）"))
        if by == "school":
            return self.organisation.name
        if by == "grid":
            return self.grids[key].name
        return self.people[key].name


def assignments_of(person, day: datetime.date, field: str = "pk"):
    """`field` of the assignments a person answers for on a day, directly or through a post they hold: two
    indexed arms in one query ("person OR post IN (…)" makes PostgreSQL scan every assignment)."""
    posts = PostHolding.objects.filter(person=person).active_on(day).values("post_id")
    direct = Assignment.objects.filter(person=person).active_on(day).order_by().values_list(field, flat=True)
    by_post = Assignment.objects.filter(post__in=posts).active_on(day).order_by().values_list(field, flat=True)
    return direct.union(by_post)


def grids_of(person, day: datetime.date) -> set[int]:
    """Grids a person answers for on a day, directly or through a post they hold."""
    return set(assignments_of(person, day, "grid_id"))


def plan_for_person(person, day: datetime.date, *, today: datetime.date | None = None) -> Plan:
    """The plan of a person's own tasks on a day (`for_person` answers the same as on the whole plan): their
    grids read from the school's kept structure."""
    today = today or timezone.localdate()
    structure = structure_for(person.organisation, day, day, today)
    return Plan(person.organisation, day, day, today=today, only_grids=structure.grids_of(person.pk, day),
                structure=structure)


def plan_for_place(place, start: datetime.date, end: datetime.date, *, today: datetime.date | None = None) -> Plan:
    """The plan of what a QR plate at a place opens (`for_place` answers the same as on the whole plan): the
    grids covering the place read from the school's kept structure."""
    today = today or timezone.localdate()
    structure = structure_for(place.organisation, start, end, today)
    return Plan(place.organisation, start, end, today=today, only_grids=set(structure.grids_of_place.get(place.pk, ())),
                structure=structure)


def grids_led_by(person, day: datetime.date, structure: Structure | None = None) -> set[int]:
    """Grids a person answers for on a day, with every grid below them (a leader sees their subtree).
    `structure`: the school's plan structure spanning the day, when the caller has it (no query then)."""
    roots = grids_of(person, day) if structure is None else structure.grids_of(person.pk, day)
    grids = structure.grids if structure is not None else None
    children: dict[int, list[int]] = defaultdict(list)
    pairs = ((pk, g.parent_id) for pk, g in grids.items()) if grids is not None else (
        Grid.objects.filter(organisation_id=person.organisation_id).values_list("pk", "parent_id"))
    for pk, parent_id in pairs:
        children[parent_id].append(pk)
    result, stack = set(), list(roots)
    while stack:
        pk = stack.pop()
        if pk not in result:
            result.add(pk)
            stack += children.get(pk, [])
    return result


# --- what moves a school's PLAN version (connected in InspectionsConfig.ready) ---------------------------

def _plan_changed(sender, instance, **kwargs) -> None:
    versions.changed(getattr(instance, "organisation_id", None), versions.PLAN)


def connect() -> None:
    """Every save, delete and target change of what `Structure` reads moves its school's PLAN version."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .models import Checklist, Holiday, Term

    for model in (Schedule, Term, Holiday, Checklist, Grid, Place, Assignment, PostHolding, Person):
        post_save.connect(_plan_changed, sender=model, dispatch_uid=f"plan-{model.__name__}")
        post_delete.connect(_plan_changed, sender=model, dispatch_uid=f"plan-{model.__name__}-delete")
    for through in (Schedule.grids.through, Schedule.places.through, Grid.places.through):
        m2m_changed.connect(_plan_changed, sender=through, dispatch_uid=f"plan-{through.__name__}")
