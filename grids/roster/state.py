"""What a school's roster holds in the database, read in a fixed number of queries.

The roster of a school is the rows whose organisation is that school (not its divisions): its
people, posts, post holdings, places, time slots, classes, grids and assignments.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from django.db.models import Q

from campus.models import Place
from grids.choices import GridKind
from grids.models import Assignment, Grid, TimeSlot
from people.models import Person, Post, PostHolding, SchoolClass

from . import schema


@dataclasses.dataclass
class SchoolState:
    organisation: object
    today: datetime.date
    people: list[Person]
    posts: dict[str, Post]
    holdings: list[PostHolding]            # current: not ended before today
    places: dict[int, Place]
    paths: dict[int, tuple[str, ...]]      # place id → 区域/楼层/场所 names
    slots: dict[str, TimeSlot]
    classes: dict[tuple[str, str], SchoolClass]
    grids: dict[int, Grid]
    grid_places: dict[int, set[int]]
    grid_slots: dict[int, set[int]]
    assignments: list[Assignment]          # all of them: dated rows match past ones too

    @classmethod
    def load(cls, organisation, today: datetime.date) -> SchoolState:
        of_school = Q(organisation=organisation)
        places = {p.pk: p for p in Place.objects.filter(of_school)}
        paths: dict[int, tuple[str, ...]] = {}

        def path_of(place_id):
            if place_id not in paths:
                place = places[place_id]
                parent = path_of(place.parent_id) if place.parent_id in places else ()
                paths[place_id] = (*parent, place.name)
            return paths[place_id]

        for pk, place in places.items():
            path_of(pk)
            if place.parent_id in places:  # str(place) walks up the parents: without a query each
                Place.parent.field.set_cached_value(place, places[place.parent_id])
        grids = {g.pk: g for g in Grid.objects.filter(of_school)}
        grid_places, grid_slots = defaultdict(set), defaultdict(set)
        for grid_id, place_id in Grid.places.through.objects.filter(grid__organisation=organisation).values_list(
                "grid_id", "place_id"):
            grid_places[grid_id].add(place_id)
        for grid_id, slot_id in Grid.time_slots.through.objects.filter(grid__organisation=organisation).values_list(
                "grid_id", "timeslot_id"):
            grid_slots[grid_id].add(slot_id)
        return cls(
            organisation=organisation, today=today,
            people=list(Person.objects.filter(of_school).order_by("pk")),
            posts={p.name: p for p in Post.objects.filter(of_school)},
            holdings=list(PostHolding.objects.filter(of_school).filter(Q(end__isnull=True) | Q(end__gte=today))
                          .order_by("start", "pk")),
            places=places, paths=paths,
            slots={s.name: s for s in TimeSlot.objects.filter(of_school)},
            classes={(c.grade, c.name): c for c in SchoolClass.objects.filter(of_school)},
            grids=grids, grid_places=grid_places, grid_slots=grid_slots,
            assignments=list(Assignment.objects.filter(of_school).order_by("start", "pk")),
        )

    @property
    def place_by_path(self) -> dict[tuple[str, ...], Place]:
        return {path: self.places[pk] for pk, path in self.paths.items()}

    def grids_named(self, name: str) -> list[Grid]:
        if not hasattr(self, "_by_name"):
            self._by_name = defaultdict(list)
            for grid in sorted(self.grids.values(), key=lambda g: g.pk):
                self._by_name[grid.name].append(grid)
        return self._by_name.get(name, [])

    def class_grid(self, key: tuple[str, str]) -> Grid | None:
        """The grid of a class: the one linked to it (a class grid first), else one named after it."""
        school_class = self.classes.get(key)
        if school_class is not None:
            if not hasattr(self, "_by_class"):
                self._by_class = {}
                for grid in sorted(self.grids.values(), key=lambda g: (g.kind != GridKind.CLASS, g.pk)):
                    if grid.school_class_id is not None:
                        self._by_class.setdefault(grid.school_class_id, grid)
            linked = self._by_class.get(school_class.pk)
            if linked is not None:
                return linked
        named = self.grids_named(schema.class_grid_name(*key))
        return named[0] if len(named) == 1 else None

    def is_current(self, obj) -> bool:
        """An assignment or holding not ended before today."""
        return obj.end is None or obj.end >= self.today
