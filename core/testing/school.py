"""A small, fully covered school grid for tests: places, people, posts, a class, grids, time slots.

school1 (day school):
  教学楼 (building) → 一层 (floor) → 101教室, 102教室;  操场 (outdoor)
  people: 王老师 (staff, head teacher of 一年级1班), 李主任 (staff), 赵保安 (contract, holds post 保安),
          小明 (student, monitor)
  grids: 学校安全领导小组 (leadership, 李主任 first) → 教学楼网格 (building; 李主任) → 一层网格 (floor; 王老师)
         → 一年级1班 (class; 王老师 head teacher, 小明 monitor; covers 101, 102);
         操场网格 (outdoor; post 保安); 时间轴 (time axis; 李主任; slot 白天 Mon–Fri 07:00–18:00)
"""

from __future__ import annotations

import dataclasses
import datetime

from campus.models import Place
from core.actions import create_object
from core.audit import Actor
from grids import actions as grid_actions
from grids.models import Assignment, Grid, TimeSlot
from people import actions as people_actions
from people.models import Person, Post, PostHolding, SchoolClass

START = datetime.date(2026, 9, 1)


@dataclasses.dataclass
class School:
    building: Place
    floor: Place
    room101: Place
    room102: Place
    playground: Place
    wang: Person
    li: Person
    zhao: Person
    xiaoming: Person
    guard_post: Post
    guard_holding: PostHolding
    school_class: SchoolClass
    leadership: Grid
    building_grid: Grid
    floor_grid: Grid
    class_grid: Grid
    playground_grid: Grid
    time_grid: Grid
    day_slot: TimeSlot
    class_head: Assignment


def make_school(organisation, actor: Actor | None = None, start: datetime.date = START) -> School:
    actor = actor or Actor()

    def place(name, code, kind, parent=None, **extra):
        return create_object(actor, Place(organisation=organisation, name=name, code=code, kind=kind, parent=parent,
                                          **extra))

    def person(name, staff_no, category, **extra):
        return create_object(actor, Person(organisation=organisation, name=name, staff_no=staff_no,
                                           category=category, phone="13812345678", **extra))

    def grid(name, kind, parent=None, places=(), slots=(), **extra):
        return grid_actions.save_grid(actor, Grid(organisation=organisation, name=name, kind=kind, parent=parent,
                                                  **extra), places=list(places), time_slots=list(slots))

    building = place("教学楼", f"{organisation.code}-A", "building")
    floor = place("一层", f"{organisation.code}-A1", "floor", building)
    room101 = place("101教室", f"{organisation.code}-A101", "room", floor, place_type="教室")
    room102 = place("102教室", f"{organisation.code}-A102", "room", floor, place_type="教室")
    playground = place("操场", f"{organisation.code}-P", "outdoor", is_key_location=True)
    wang = person("王老师", "T001", "staff")
    li = person("李主任", "T002", "staff")
    zhao = person("赵保安", "G001", "contract")
    xiaoming = person("小明", "", "student")
    guard_post = create_object(actor, Post(organisation=organisation, name="保安"))
    guard_holding = people_actions.hold_post(actor, guard_post, zhao, start)
    school_class = create_object(actor, SchoolClass(organisation=organisation, grade="一年级", name="1班",
                                                    classroom=room101))
    day_slot = create_object(actor, TimeSlot(organisation=organisation, name="白天", weekdays="12345",
                                             start_time=datetime.time(7), end_time=datetime.time(18)))
    leadership = grid("学校安全领导小组", "leadership")
    building_grid = grid("教学楼网格", "building", leadership, [building])
    floor_grid = grid("一层网格", "floor", building_grid, [floor])
    class_grid = grid("一年级1班", "class", floor_grid, [room101, room102], school_class=school_class)
    playground_grid = grid("操场网格", "outdoor", leadership, [playground])
    time_grid = grid("时间轴", "time_axis", leadership, slots=[day_slot])
    grid_actions.assign(actor, leadership, role="first", person=li, start=start)
    grid_actions.assign(actor, building_grid, role="building_head", person=li, start=start)
    grid_actions.assign(actor, floor_grid, role="grid_head", person=wang, start=start)
    class_head = grid_actions.assign(actor, class_grid, role="head_teacher", person=wang, start=start)
    grid_actions.assign(actor, class_grid, role="monitor", person=xiaoming, start=start)
    grid_actions.assign(actor, playground_grid, role="specific", post=guard_post, start=start)
    grid_actions.assign(actor, time_grid, role="first", person=li, start=start)
    return School(building, floor, room101, room102, playground, wang, li, zhao, xiaoming, guard_post, guard_holding,
                  school_class, leadership, building_grid, floor_grid, class_grid, playground_grid, time_grid,
                  day_slot, class_head)
