"""Coverage proof (盲区检查): everything that has no one answering for it, day by day.

方案11/14: "不留死角、无盲区" — every place in a grid with an active responsible person, every grid
staffed on every day, every time slot of the week covered (boarding schools: 7×24), every staff
member with a responsibility ("没有无安全责任的人"), no leaver still holding a grid, no post empty.

The computation reads the school's subtree in a fixed number of queries (it does not grow with
places, grids or people) and works in memory on day indexes, so it can run on every load of the
school home page.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campus.models import Place
from core import versions
from core.tenancy import subtree_q
from people.choices import RESPONSIBLE_CATEGORIES, PersonStatus
from people.models import Person, Post, PostHolding

from .choices import COVERING_ROLES, LIST_SEPARATOR, WEEKDAY_NAMES
from .models import Assignment, Grid, TimeSlot

DEFAULT_DAYS = 30
# A day school must have someone answering Monday to Friday from 07:00 to 18:00; a boarding
# school around the clock, every day.
DAY_SCHOOL_WINDOW = [(d * 1440 + 7 * 60, d * 1440 + 18 * 60) for d in range(5)]
BOARDING_WINDOW = [(0, 7 * 1440)]


class FindingKind:
    PLACE = "place_uncovered"
    GRID = "grid_unstaffed"
    TIME = "time_uncovered"
    STAFF = "staff_without_duty"
    LEAVER = "leaver_holds_grid"
    POST = "post_without_holder"

    LABELS = {
        PLACE: gettext_lazy("场所无人负责"),
        GRID: gettext_lazy("网格无责任人"),
        TIME: gettext_lazy("时段无人负责"),
        STAFF: gettext_lazy("教职工无安全责任"),
        LEAVER: gettext_lazy("离职人员仍在岗"),
        POST: gettext_lazy("岗位无人任职"),
    }
    ORDER = [PLACE, GRID, TIME, LEAVER, POST, STAFF]


@dataclasses.dataclass
class Finding:
    kind: str
    subject: str
    reason: str
    url: str
    days: list[tuple[datetime.date, datetime.date]] = dataclasses.field(default_factory=list)
    object_id: int | None = None
    sort_key: tuple = ()

    @property
    def kind_label(self) -> str:
        return str(FindingKind.LABELS[self.kind])

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "kind_label": self.kind_label, "subject": self.subject, "reason": self.reason,
            "url": self.url, "object_id": self.object_id,
            "days": [[a.isoformat(), b.isoformat()] for a, b in self.days],
        }


@dataclasses.dataclass
class Coverage:
    organisation: object
    start: datetime.date
    end: datetime.date
    findings: list[Finding]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(FindingKind.ORDER, 0)
        for finding in self.findings:
            counts[finding.kind] += 1
        return counts

    def by_kind(self) -> list[tuple[str, str, list[Finding]]]:
        groups = defaultdict(list)
        for finding in self.findings:
            groups[finding.kind].append(finding)
        return [(k, str(FindingKind.LABELS[k]), groups[k]) for k in FindingKind.ORDER if groups[k]]


def day_ranges(days: set[int], start: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """Sorted day offsets as (first, last) date ranges."""
    ranges, run = [], None
    for day in sorted(days):
        if run and day == run[1] + 1:
            run[1] = day
        else:
            if run:
                ranges.append(run)
            run = [day, day]
    if run:
        ranges.append(run)
    return [(start + datetime.timedelta(a), start + datetime.timedelta(b)) for a, b in ranges]


def format_ranges(ranges) -> str:
    parts = [a.isoformat() if a == b else _("%(first)s至%(last)s") % {"first": a.isoformat(), "last": b.isoformat()}
             for a, b in ranges[:4]]
    if len(ranges) > 4:
        parts.append(_("等%(n)d段") % {"n": len(ranges)})
    return str(LIST_SEPARATOR).join(parts)


def _days_of(active_start, active_end, start, n) -> set[int]:
    """Day offsets in [0, n) on which [active_start, active_end] (end None = open) is active."""
    first = max((active_start - start).days, 0)
    last = n - 1 if active_end is None else min((active_end - start).days, n - 1)
    return set(range(first, last + 1)) if first <= last else set()


def _minutes_label(minute: int, *, end: bool = False) -> str:
    """周一 07:00 for a minute of the week; an end at midnight reads as 24:00 of the day before."""
    day, rest = divmod(minute, 1440)
    if end and rest == 0:
        day, rest = day - 1, 1440
    return f"{WEEKDAY_NAMES[day % 7]} {rest // 60:02d}:{rest % 60:02d}"


def _subtract(window: list[tuple[int, int]], covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of `window` (minute ranges) not in `covered`."""
    gaps = []
    merged = sorted(covered)
    for lo, hi in window:
        cursor = lo
        for a, b in merged:
            if b <= cursor or a >= hi:
                continue
            if a > cursor:
                gaps.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < hi:
            gaps.append((cursor, hi))
    return gaps


def compute(organisation, start: datetime.date | None = None, days: int = DEFAULT_DAYS) -> Coverage:
    """All findings for the organisation's subtree over [start, start + days - 1]."""
    start = start or timezone.localdate()
    n = max(days, 1)
    end = start + datetime.timedelta(days=n - 1)
    in_tree = subtree_q("organisation__path", organisation.path)
    all_days = set(range(n))

    # Seven queries, whatever the size of the school.
    people = {p.pk: p for p in Person.objects.filter(in_tree)}
    posts = {p.pk: p for p in Post.objects.filter(in_tree)}
    holdings = list(PostHolding.objects.filter(in_tree).overlapping(start, end))
    grids = {g.pk: g for g in Grid.objects.filter(in_tree)}
    assignments = list(Assignment.objects.filter(in_tree).overlapping(start, end))
    places = {p.pk: p for p in Place.objects.filter(in_tree).select_related("parent__parent")}
    grid_places = list(Grid.places.through.objects.filter(grid__in=grids.keys()).values_list("grid_id", "place_id"))
    slots = {s.pk: s for s in TimeSlot.objects.filter(in_tree)}
    grid_slots = list(Grid.time_slots.through.objects.filter(grid__in=grids.keys())
                      .values_list("grid_id", "timeslot_id"))

    def present_days(person: Person) -> set[int]:
        if person.status == PersonStatus.ACTIVE:
            return all_days
        if person.left_on is None:
            return set()
        return _days_of(start, person.left_on, start, n)

    presence = {pk: present_days(p) for pk, p in people.items()}
    post_days: dict[int, set[int]] = defaultdict(set)  # days on which a post has a present holder
    post_holders_by_day: dict[int, list[tuple[int, set[int]]]] = defaultdict(list)
    for h in holdings:
        active = _days_of(h.start, h.end, start, n) & presence.get(h.person_id, set())
        post_days[h.post_id] |= active
        post_holders_by_day[h.post_id].append((h.person_id, active))

    grid_days: dict[int, set[int]] = defaultdict(set)
    duty_days: dict[int, set[int]] = defaultdict(set)  # person → days with a responsibility
    findings: list[Finding] = []
    for a in assignments:
        active = _days_of(a.start, a.end, start, n)
        if a.person_id:
            effective = active & presence.get(a.person_id, set())
            duty_days[a.person_id] |= effective
            person = people.get(a.person_id)
            gone = active - presence.get(a.person_id, set())
            if person is not None and gone:
                findings.append(Finding(
                    FindingKind.LEAVER, f"{person} · {grids[a.grid_id]}",
                    _("%(person)s已%(status)s（%(date)s），仍是“%(grid)s”的%(role)s：%(days)s无人实际负责。") % {
                        "person": person.name, "status": person.get_status_display(),
                        "date": person.left_on.isoformat() if person.left_on else "",
                        "grid": grids[a.grid_id].name, "role": a.get_role_display(),
                        "days": format_ranges(day_ranges(gone, start))},
                    reverse("grids:grid_detail", args=[a.grid_id]), day_ranges(gone, start), a.grid_id))
        else:
            effective = active & post_days.get(a.post_id, set())
            for person_id, held in post_holders_by_day.get(a.post_id, []):
                duty_days[person_id] |= held & active
        if a.role in COVERING_ROLES:
            grid_days[a.grid_id] |= effective

    for grid in grids.values():
        missing = all_days - grid_days.get(grid.pk, set())
        if missing:
            findings.append(Finding(
                FindingKind.GRID, grid.name,
                _("网格“%(grid)s”%(days)s没有在岗的责任人。") % {
                    "grid": grid.name, "days": format_ranges(day_ranges(missing, start))},
                reverse("grids:grid_detail", args=[grid.pk]), day_ranges(missing, start), grid.pk))

    place_days: dict[int, set[int]] = defaultdict(set)
    for grid_id, place_id in grid_places:
        place_days[place_id] |= grid_days.get(grid_id, set())
    for place in sorted(places.values(), key=lambda p: p.code):
        missing = all_days - place_days.get(place.pk, set())
        if missing:
            covered_by = [gid for gid, pid in grid_places if pid == place.pk]
            reason = (_("“%(place)s”所在网格%(days)s没有在岗的责任人。") if covered_by
                      else _("“%(place)s”不在任何网格中。")) % {
                "place": place.full_name, "days": format_ranges(day_ranges(missing, start))}
            findings.append(Finding(FindingKind.PLACE, place.full_name, reason,
                                    reverse("campus:place_detail", args=[place.pk]),
                                    day_ranges(missing, start), place.pk))

    # Time of the week: slots whose grids are staffed today count as covered.
    covered_minutes = []
    staffed_slots = set()
    for grid_id, slot_id in grid_slots:
        if 0 in grid_days.get(grid_id, set()):
            staffed_slots.add(slot_id)
    for slot_id in staffed_slots:
        covered_minutes.extend(slots[slot_id].minutes())
    window = BOARDING_WINDOW if organisation.is_boarding else DAY_SCHOOL_WINDOW
    for lo, hi in _subtract(window, covered_minutes):
        findings.append(Finding(
            FindingKind.TIME, f"{_minutes_label(lo)}–{_minutes_label(hi, end=True)}",
            _("%(from)s至%(to)s没有时段由在岗的领导负责%(boarding)s。") % {
                "from": _minutes_label(lo), "to": _minutes_label(hi, end=True),
                "boarding": _("（寄宿制学校须7×24小时覆盖）") if organisation.is_boarding else ""},
            reverse("grids:timeslot_list"), sort_key=(lo,)))

    for post in posts.values():
        missing = all_days - post_days.get(post.pk, set())
        if missing:
            findings.append(Finding(
                FindingKind.POST, post.name,
                _("岗位“%(post)s”%(days)s无人任职。") % {
                    "post": post.name, "days": format_ranges(day_ranges(missing, start))},
                reverse("people:post_detail", args=[post.pk]), day_ranges(missing, start), post.pk))

    for person in people.values():
        if person.category not in RESPONSIBLE_CATEGORIES:
            continue
        missing = presence[person.pk] - duty_days.get(person.pk, set())
        if missing:
            findings.append(Finding(
                FindingKind.STAFF, str(person),
                _("%(person)s（%(category)s）%(days)s没有任何安全责任。") % {
                    "person": person.name, "category": person.get_category_display(),
                    "days": format_ranges(day_ranges(missing, start))},
                reverse("people:person_detail", args=[person.pk]), day_ranges(missing, start), person.pk))

    order = {k: i for i, k in enumerate(FindingKind.ORDER)}
    findings.sort(key=lambda f: (order[f.kind], f.sort_key, f.subject))
    return Coverage(organisation, start, end, findings)


# --- the home pages' counts, kept until anything they read changes ------------------------------------
# Kept in Django's cache under the school's COVERAGE data version (core.versions: moved in the writer's
# transaction by the signals below, connected in GridsConfig.ready, so exact across processes whatever the
# cache) and the day; bulk writes that bypass signals (seed_district) move the versions themselves.

CACHE_SECONDS = 6 * 3600


def changed(sender=None, instance=None, **kwargs) -> None:
    """A save, delete or link change of something the coverage check reads: its school's counts are stale."""
    from orgs.models import Organisation

    if instance is None:
        return
    organisation_id = instance.pk if isinstance(instance, Organisation) else getattr(instance, "organisation_id",
                                                                                     None)
    versions.changed(organisation_id, versions.COVERAGE)


def cached_counts(organisation, today: datetime.date | None = None) -> dict:
    """The coverage check's counts by kind for a home page: {"total", "groups"}."""
    from django.core.cache import cache

    today = today or timezone.localdate()
    version = versions.current_for(organisation, versions.COVERAGE)
    key = f"coverage:{organisation.pk}:{today.isoformat()}:" + ".".join(f"{pk}-{v}" for pk, v in version)
    counts = cache.get(key)
    if counts is None:
        result = compute(organisation, today)
        counts = {"total": len(result.findings),
                  "groups": [(k, str(label), len(items)) for k, label, items in result.by_kind()]}
        cache.set(key, counts, CACHE_SECONDS)
    return counts


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from orgs.models import Organisation

    for model in (Person, Post, PostHolding, Grid, Assignment, Place, TimeSlot, Organisation):
        post_save.connect(changed, sender=model, dispatch_uid=f"coverage-{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"coverage-{model.__name__}-delete")
    for through in (Grid.places.through, Grid.time_slots.through):
        m2m_changed.connect(changed, sender=through, dispatch_uid=f"coverage-{through.__name__}")
