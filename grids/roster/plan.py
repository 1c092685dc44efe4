"""The differences between a workbook and the school: what an import will create, change and end.

`diff(target, state)` compares the target the reader built with the school's rows and returns a
`Plan`: an ordered list of `Change`s, each with a line to show the user and a step that makes it
through the actions layer; a new object's step also says how to make it in bulk with its neighbours
of the same kind (`bulk.Insert`). Re-importing the same workbook gives an empty plan. Things the
workbook no longer lists are removals: assignments and post holdings are ended the day before
the import date and people marked as having left, and only when the user asks (prune). Places,
grids, classes, slots and posts are never deleted: the plan only says they are no longer listed.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campus.choices import PlaceKind
from campus.models import Place
from core.actions import create_object, update_object
from core.crud import join_messages
from grids import actions as grid_actions
from grids.choices import AssignmentRole, GridKind
from grids.models import Assignment, Grid, TimeSlot
from people import actions as people_actions
from people.choices import PersonCategory, PersonStatus
from people.models import Person, Post, PostHolding, SchoolClass, mask_phone

from . import schema
from .bulk import Insert
from .reader import PLACES, RosterError, Target

ACTIONS = {
    "create": gettext_lazy("新增"),
    "update": gettext_lazy("修改"),
    "end": gettext_lazy("结束"),
    "leave": gettext_lazy("标记离开"),
    "keep": gettext_lazy("未列出（保留）"),
}
MODELS = {
    "person": gettext_lazy("人员"),
    "post": gettext_lazy("岗位"),
    "holding": gettext_lazy("岗位任职"),
    "place": gettext_lazy("场所"),
    "slot": gettext_lazy("时段"),
    "class": gettext_lazy("班级"),
    "grid": gettext_lazy("网格"),
    "assignment": gettext_lazy("责任分工"),
}
REMOVALS = {"end", "leave"}
STUDENTS = {PersonCategory.STUDENT, PersonCategory.STUDENT_CONTINUING, PersonCategory.STUDENT_INTERNATIONAL,
            PersonCategory.STUDENT_SHORT_TERM}


@dataclasses.dataclass
class Change:
    action: str
    model: str
    subject: str
    detail: str = ""
    run: Callable | None = dataclasses.field(default=None, repr=False, compare=False)
    insert: Insert | None = dataclasses.field(default=None, repr=False, compare=False)  # a create, in bulk

    @property
    def removal(self) -> bool:
        return self.action in REMOVALS

    def as_list(self) -> list[str]:
        return [self.action, self.model, self.subject, self.detail]


class ApplyError(Exception):
    """A step refused by a model rule the validation did not foresee; nothing was written."""

    def __init__(self, change, error: ValidationError):
        self.change = change
        super().__init__(_("%(model)s“%(subject)s”：%(reason)s") % {
            "model": MODELS.get(change.model, change.model), "subject": change.subject,
            "reason": join_messages(error.messages)})


@dataclasses.dataclass
class Context:
    """What the steps of a plan share while they run: the objects by their roster keys."""

    actor: object
    organisation: object
    people: dict = dataclasses.field(default_factory=dict)
    posts: dict = dataclasses.field(default_factory=dict)
    places: dict = dataclasses.field(default_factory=dict)
    slots: dict = dataclasses.field(default_factory=dict)
    classes: dict = dataclasses.field(default_factory=dict)
    grids: dict = dataclasses.field(default_factory=dict)
    inserted: dict = dataclasses.field(default_factory=lambda: defaultdict(set))  # model → pks made in bulk


@dataclasses.dataclass
class Plan:
    organisation: object
    today: datetime.date
    changes: list[Change]
    errors: list[RosterError]
    context: Context | None = None

    @property
    def yesterday(self) -> datetime.date:
        return self.today - datetime.timedelta(days=1)

    def steps(self, prune: bool) -> list[Change]:
        return [c for c in self.changes if c.run is not None and (prune or not c.removal)]

    def has_changes(self, prune: bool = False) -> bool:
        return bool(self.steps(prune))

    @property
    def has_removals(self) -> bool:
        return any(c.removal for c in self.changes)

    def counts(self) -> dict[str, int]:
        counts = defaultdict(int)
        for change in self.changes:
            counts[change.action] += 1
        return dict(counts)

    def rows(self) -> list[list[str]]:
        return [c.as_list() for c in self.changes]

    def fingerprint(self) -> str:
        """Stable for the same differences: a confirmed preview must still be what is applied."""
        return hashlib.sha256(json.dumps(self.rows(), ensure_ascii=False).encode()).hexdigest()


def _choice(choices, value) -> str:
    return schema.zh_label(choices, value) if value else ""


def _changes_text(changes: dict[str, tuple]) -> str:
    return join_messages(_("%(field)s：%(before)s → %(after)s") % {"field": label, "before": before or "—",
                                                                   "after": after or "—"}
                         for label, (before, after) in changes.items())


def _dates(start, end) -> str:
    if end is None:
        return _("%(start)s起") % {"start": start.isoformat()}
    return _("%(start)s至%(end)s") % {"start": start.isoformat(), "end": end.isoformat()}


def _holder(ctx, holder) -> dict:
    kind, key = holder
    return {"person": ctx.people[key], "post": None} if kind == "person" else {"person": None, "post": ctx.posts[key]}


def _new_grid(ctx, spec) -> Grid:
    parent = ctx.grids.get(spec.parent) if spec.parent else None
    return Grid(organisation=ctx.organisation, name=spec.name, kind=spec.kind, parent=parent,
                level=parent.level + 1 if parent is not None else 1,  # what Grid.save sets (bulk inserts skip it)
                school_class=ctx.classes.get(spec.school_class) if spec.school_class else None,
                duties=spec.duties or "")


def place_code(path: tuple[str, ...], kind: str, taken: set[str]) -> str:
    """A stable code made from the names (the same place gets the same code in every school)."""
    digest = hashlib.sha1("/".join(path).encode()).hexdigest().upper()
    prefix = {PlaceKind.BUILDING: "B", PlaceKind.OUTDOOR: "O", PlaceKind.FLOOR: "F"}.get(kind, "R")
    for length in range(6, 39):
        code = f"{prefix}-{digest[:length]}"
        if code not in taken:
            taken.add(code)
            return code
    raise ValueError(path)  # 2**150 codes taken: not this school


class Differ:
    def __init__(self, target: Target, state, actor=None):
        self.target = target
        self.state = state
        self.today = state.today
        self.yesterday = state.today - datetime.timedelta(days=1)
        self.errors: list[RosterError] = []
        self.changes: dict[str, list[Change]] = defaultdict(list)
        self.ctx = Context(actor, state.organisation)

    def label(self, person) -> str:
        """A person of the school as the workbook would name them: 姓名, or 姓名（工号） if the name is shared."""
        if not hasattr(self, "_names"):
            self._names = defaultdict(int)
            for p in self.state.people:
                self._names[p.name] += 1
        return str(person) if self._names[person.name] > 1 else person.name

    def add(self, phase: str, action: str, model: str, subject: str, detail: str = "", run=None):
        self.changes[phase].append(Change(action, model, subject, detail, run))

    def create(self, phase: str, model: str, subject: str, detail: str, insert: Insert, run=None):
        """A new object: alone through the actions (`run`; by default `create_object`), or in bulk with
        its neighbours of the same batch (`insert`)."""
        if run is None:
            def run(ctx, insert=insert):
                obj = create_object(ctx.actor, insert.build(ctx))
                insert.keep(ctx, obj)
        self.changes[phase].append(Change("create", model, subject, detail, run, insert))

    # -- people and posts --
    def people(self):
        state, target, ctx = self.state, self.target, self.ctx
        by_number = {p.staff_no: p for p in state.people if p.staff_no}
        claimed = {s.staff_no for s in target.people if s.staff_no}
        used: set[int] = set()
        matched: dict = {}
        for spec in target.people:
            person = by_number.get(spec.staff_no) if spec.staff_no else None
            if person is not None:
                matched[spec.key] = person
                used.add(person.pk)
        by_name = defaultdict(list)  # in the order of state.people
        for p in state.people:
            by_name[p.name].append(p)
        for spec in target.people:
            if spec.key in matched:
                continue
            candidates = [p for p in by_name.get(spec.name, ()) if p.pk not in used
                          and (not p.staff_no if spec.staff_no else p.staff_no not in claimed)]
            active = [p for p in candidates if p.status == PersonStatus.ACTIVE]
            if len(active) > 1 and not spec.staff_no:
                self.errors.append(RosterError("人员", spec.row, "姓名", _(
                    "学校中已有%(n)d名“%(name)s”，无法确定是哪一位：请在人员页面为他们补填工号，再在本表填写工号。") % {
                    "n": len(active), "name": spec.name}))
                continue
            inactive = [p for p in candidates if p.status != PersonStatus.ACTIVE]
            person = (active[0] if len(active) == 1 else
                      inactive[0] if not active and len(inactive) == 1 and spec.status != PersonStatus.ACTIVE
                      else None)
            if person is not None:
                matched[spec.key] = person
                used.add(person.pk)
        self.person_pk = {key: p.pk for key, p in matched.items()}
        ctx.people.update(matched)

        for post in target.posts:
            if post in state.posts:
                ctx.posts[post] = state.posts[post]
            else:
                self.create("posts", "post", post, "", Insert(
                    ("post",), lambda ctx, name=post: Post(organisation=ctx.organisation, name=name),
                    lambda ctx, obj, name=post: ctx.posts.__setitem__(name, obj)))
        for name, post in state.posts.items():
            ctx.posts.setdefault(name, post)

        texts = (("name", _("姓名")), ("staff_no", _("工号")), ("department", _("部门")), ("title", _("职务")))
        for spec in target.people:
            label = target.person_labels[spec.key]
            person = matched.get(spec.key)
            if person is None:
                detail = " · ".join(v for v in (_choice(PersonCategory, spec.category), spec.department, spec.title,
                                                _choice(PersonStatus, spec.status)
                                                if spec.status != PersonStatus.ACTIVE else "") if v)
                self.create("people", "person", label, detail, Insert(
                    ("person",),
                    lambda ctx, spec=spec: Person(
                        organisation=ctx.organisation, name=spec.name, staff_no=spec.staff_no,
                        category=spec.category, department=spec.department, title=spec.title,
                        phone="" if "*" in spec.phone else spec.phone, status=spec.status,
                        left_on=None if spec.status == PersonStatus.ACTIVE else self.yesterday),
                    lambda ctx, obj, key=spec.key: ctx.people.__setitem__(key, obj)))
                continue
            values, shown = {}, {}
            for field, label_text in texts:
                new = getattr(spec, field)
                if getattr(person, field) != new:
                    values[field], shown[label_text] = new, (getattr(person, field), new)
            if person.category != spec.category:
                values["category"] = spec.category
                shown[_("类别")] = (_choice(PersonCategory, person.category), _choice(PersonCategory, spec.category))
            if spec.phone != person.phone and "*" not in spec.phone:  # a masked export keeps the number
                values["phone"], shown[_("手机")] = spec.phone, (person.masked_phone, mask_phone(spec.phone))
            if person.status != spec.status:
                values["status"] = spec.status
                shown[_("状态")] = (_choice(PersonStatus, person.status), _choice(PersonStatus, spec.status))
                if spec.status == PersonStatus.ACTIVE:
                    values["left_on"] = None
                elif person.status == PersonStatus.ACTIVE:
                    values["left_on"] = self.yesterday
            if values:
                self.add("people", "update", "person", label, _changes_text(shown),
                         lambda ctx, person=person, values=values: update_object(ctx.actor, person, **values))

        for person in state.people:
            if person.pk in used or person.status != PersonStatus.ACTIVE:
                continue
            status = PersonStatus.GRADUATED if person.category in STUDENTS else PersonStatus.LEFT
            detail = _("不在“人员”表中：状态改为%(status)s，离开日期%(on)s") % {
                "status": _choice(PersonStatus, status), "on": self.yesterday.isoformat()}
            self.add("leaves", "leave", "person", self.label(person), detail,
                     lambda ctx, person=person, status=status: update_object(
                         ctx.actor, person, status=status, left_on=self.yesterday))

    # -- places, slots, classes --
    def places(self):
        state, ctx = self.state, self.ctx
        existing = state.place_by_path
        taken = {p.code for p in state.places.values()}
        order = {path: i for i, path in enumerate(self.target.places)}
        for path in sorted(self.target.places, key=lambda p: (len(p), order[p])):
            spec = self.target.places[path]
            place = existing.get(path)
            label = schema.format_path(path)
            if place is None:
                values = {"kind": spec.kind, "name": path[-1], "code": place_code(path, spec.kind, taken),
                          "place_type": spec.place_type or "", "is_key_location": bool(spec.is_key_location),
                          "is_major_hazard": bool(spec.is_major_hazard)}
                flags = [_("重点部位") if values["is_key_location"] else "",
                         _("重大危险源") if values["is_major_hazard"] else ""]
                detail = " · ".join(v for v in (_choice(PlaceKind, spec.kind), values["place_type"], *flags) if v)
                self.create("places", "place", label, detail, Insert(
                    ("place", len(path)),  # parents first: a run never holds a place and its parent
                    lambda ctx, path=path, values=values: Place(
                        organisation=ctx.organisation, parent=ctx.places.get(path[:-1]), **values),
                    lambda ctx, obj, path=path: ctx.places.__setitem__(path, obj)))
                continue
            ctx.places[path] = place
            if place.kind != spec.kind and not (len(path) == 1 and spec.kind in (PlaceKind.BUILDING,
                                                                                  PlaceKind.OUTDOOR)):
                self.errors.append(RosterError(PLACES.name, spec.row, "场所", _(
                    "系统中“%(path)s”是%(old)s，本表中是%(new)s：请在场所页面处理后再导入。") % {
                    "path": label, "old": _choice(PlaceKind, place.kind), "new": _choice(PlaceKind, spec.kind)}))
                continue
            values, shown = {}, {}
            if place.kind != spec.kind:
                values["kind"], shown[_("层次")] = spec.kind, (_choice(PlaceKind, place.kind),
                                                               _choice(PlaceKind, spec.kind))
            if spec.place_type is not None and place.place_type != spec.place_type:
                values["place_type"], shown[_("类型")] = spec.place_type, (place.place_type, spec.place_type)
            for field, text in (("is_key_location", _("重点部位")), ("is_major_hazard", _("重大危险源"))):
                new = getattr(spec, field)
                if new is not None and getattr(place, field) != new:
                    values[field] = new
                    shown[text] = (schema.YES if getattr(place, field) else schema.NO, schema.YES if new else schema.NO)
            if values:
                self.add("places", "update", "place", label, _changes_text(shown),
                         lambda ctx, place=place, values=values: update_object(ctx.actor, place, **values))
        for path in sorted(set(existing) - set(self.target.places)):
            self.add("notes", "keep", "place", schema.format_path(path),
                     _("不在“场所”表中：系统不删除场所，如已不存在请在场所页面处理"))

    def slots(self):
        state, ctx = self.state, self.ctx
        for name, spec in self.target.slots.items():
            slot = state.slots.get(name)
            values = {"weekdays": spec.weekdays, "start_time": spec.start_time, "end_time": spec.end_time}
            shown_new = (f"{schema.format_weekdays(spec.weekdays)} {schema.format_time(spec.start_time)}–"
                         f"{schema.format_time(spec.end_time)}")
            if slot is None:
                self.create("slots", "slot", name, shown_new, Insert(
                    ("slot",), lambda ctx, name=name, values=values: TimeSlot(
                        organisation=ctx.organisation, name=name, **values),
                    lambda ctx, obj, name=name: ctx.slots.__setitem__(name, obj)))
                continue
            ctx.slots[name] = slot
            changed = {k: v for k, v in values.items() if getattr(slot, k) != v}
            if changed:
                shown_old = (f"{schema.format_weekdays(slot.weekdays)} {schema.format_time(slot.start_time)}–"
                             f"{schema.format_time(slot.end_time)}")
                self.add("slots", "update", "slot", name, _changes_text({_("时间"): (shown_old, shown_new)}),
                         lambda ctx, slot=slot, changed=changed: update_object(ctx.actor, slot, **changed))
        for name in sorted(set(state.slots) - set(self.target.slots)):
            self.add("notes", "keep", "slot", name, _("不在“时段”表中：系统不删除时段"))

    def classes(self):
        state, ctx = self.state, self.ctx
        paths = state.paths
        for key, spec in self.target.classes.items():
            school_class = state.classes.get(key)
            label = f"{spec.grade}{spec.name}"
            room = schema.format_path(spec.classroom) if spec.classroom else ""
            if school_class is None:
                self.create("classes", "class", label, _("教室：%(room)s") % {"room": room} if room else "", Insert(
                    ("class",), lambda ctx, spec=spec: SchoolClass(
                        organisation=ctx.organisation, grade=spec.grade, name=spec.name,
                        classroom=ctx.places.get(spec.classroom)),
                    lambda ctx, obj, key=key: ctx.classes.__setitem__(key, obj)))
                continue
            ctx.classes[key] = school_class
            old = schema.format_path(paths[school_class.classroom_id]) if school_class.classroom_id in paths else ""
            if old != room:
                self.add("classes", "update", "class", label, _changes_text({_("教室"): (old, room)}),
                         lambda ctx, c=school_class, spec=spec: update_object(
                             ctx.actor, c, classroom=ctx.places.get(spec.classroom)))
        for key in sorted(set(state.classes) - set(self.target.classes)):
            self.add("notes", "keep", "class", "".join(key), _("不在“班级”表中：系统不删除班级"))

    # -- grids --
    def grids(self):
        state, ctx, target = self.state, self.ctx, self.target
        matched: dict[str, Grid] = {}
        for name, spec in target.grids.items():
            if spec.school_class is not None and state.class_grid(spec.school_class) is not None:
                matched[name] = state.class_grid(spec.school_class)
                continue
            named = state.grids_named(name)
            if len(named) > 1:
                self.errors.append(RosterError(spec.sheet, spec.row, "", _(
                    "系统中有%(n)d个网格都叫“%(name)s”，无法对应：请先在网格页面改名。") % {
                    "n": len(named), "name": name}))
            elif named:
                matched[name] = named[0]
        self.grid_pk = {name: g.pk for name, g in matched.items()}
        ctx.grids.update(matched)
        by_pk = dict(state.grids)
        final_parent: dict[int, object] = {pk: g.parent_id for pk, g in by_pk.items()}  # pk → pk | name
        for name, spec in target.grids.items():
            if name in matched:
                final_parent[matched[name].pk] = self.grid_pk.get(spec.parent, spec.parent)

        order = {name: i for i, name in enumerate(target.grids)}
        by_level = sorted(target.grids, key=lambda n: (target.grids[n].level, order[n]))
        for name in by_level:
            spec = target.grids[name]
            grid = matched.get(name)
            parent_label = spec.parent or ""
            if grid is None:
                detail = " · ".join(v for v in (
                    _choice(GridKind, spec.kind), schema.level_label(spec.level),
                    _("上级：%(p)s") % {"p": parent_label} if parent_label else "",
                    _("覆盖：%(places)s") % {"places": "、".join(schema.format_path(p) for p in sorted(spec.places))}
                    if spec.places else "",
                    _("时段：%(slots)s") % {"slots": "、".join(sorted(spec.slots))} if spec.slots else "") if v)
                insert = Insert(
                    ("grid", spec.level),  # parents first: a parent is a level up
                    lambda ctx, spec=spec: _new_grid(ctx, spec),
                    lambda ctx, obj, name=name: ctx.grids.__setitem__(name, obj),
                    lambda ctx, spec=spec: {"places": [ctx.places[p] for p in sorted(spec.places)],
                                            "time_slots": [ctx.slots[s] for s in sorted(spec.slots)]})
                self.create("grids", "grid", name, detail, insert,
                            lambda ctx, insert=insert: insert.keep(ctx, grid_actions.save_grid(
                                ctx.actor, insert.build(ctx), **insert.links(ctx))))
                continue
            values, shown = {}, {}
            old_parent = by_pk[grid.parent_id].name if grid.parent_id in by_pk else ""
            if final_parent[grid.pk] != grid.parent_id:
                values["parent"] = spec.parent
                shown[_("上级网格")] = (old_parent, parent_label)
            if grid.level != spec.level:
                shown[_("层级")] = (schema.level_label(grid.level), schema.level_label(spec.level))
            if grid.kind != spec.kind:
                values["kind"] = spec.kind
                shown[_("类型")] = (_choice(GridKind, grid.kind), _choice(GridKind, spec.kind))
            if spec.school_class is not None and (
                    grid.school_class_id is None
                    or grid.school_class_id != getattr(state.classes.get(spec.school_class), "pk", None)):
                values["school_class"] = spec.school_class
                shown[_("班级")] = ("", "".join(spec.school_class))
            if spec.duties is not None and grid.duties != spec.duties:
                values["duties"], shown[_("职责")] = spec.duties, (grid.duties, spec.duties)
            if shown:
                self.add("grids", "update", "grid", name, _changes_text(shown),
                         lambda ctx, grid=grid, values=values: self._update_grid(ctx, grid, values))

        # Grids the workbook does not list keep their place, but their levels follow their parents.
        def final_level(pk, seen=()):
            parent = final_parent.get(pk)
            if parent is None or pk in seen:
                return 1
            if isinstance(parent, str):
                return target.grids[parent].level + 1
            return final_level(parent, (*seen, pk)) + 1

        listed = {g.pk for g in matched.values()}
        for pk in sorted(set(by_pk) - listed, key=lambda pk: (final_level(pk), pk)):
            grid = by_pk[pk]
            level = final_level(pk)
            if level != grid.level:
                self.add("grids", "update", "grid", grid.name,
                         _changes_text({_("层级"): (schema.level_label(grid.level), schema.level_label(level))}),
                         lambda ctx, grid=grid: update_object(ctx.actor, grid, parent=by_pk.get(grid.parent_id)))
            self.add("notes", "keep", "grid", grid.name, _("不在清单中：系统不删除网格，其责任分工按未列出处理"))

        for name in by_level:
            spec = target.grids[name]
            grid = matched.get(name)
            if grid is None:
                continue
            old_places = {state.paths[p] for p in state.grid_places.get(grid.pk, ())}
            old_slots = {s.name for s in state.slots.values() if s.pk in state.grid_slots.get(grid.pk, ())}
            shown = {}
            if spec.places != old_places:
                shown[_("覆盖场所")] = self._set_change(old_places, spec.places, schema.format_path)
            if spec.slots != old_slots:
                shown[_("时段")] = self._set_change(old_slots, spec.slots, str)
            if shown:
                self.add("links", "update", "grid", name,
                         join_messages(_("%(field)s：%(error)s") % {"field": k, "error": v} for k, v in shown.items()),
                         lambda ctx, spec=spec: grid_actions.set_grid_links(
                             ctx.actor, ctx.grids[spec.name],
                             places=[ctx.places[p] for p in sorted(spec.places)],
                             time_slots=[ctx.slots[s] for s in sorted(spec.slots)]))

    @staticmethod
    def _set_change(old: set, new: set, show) -> str:
        added = [show(x) for x in sorted(new - old)]
        removed = [show(x) for x in sorted(old - new)]
        return " ".join([*(f"+{x}" for x in added), *(f"−{x}" for x in removed)])

    def _update_grid(self, ctx, grid, values):
        values = dict(values)
        if "parent" in values:
            values["parent"] = ctx.grids.get(values["parent"]) if values["parent"] else None
        else:
            # The parent may have moved: save with the fresh parent so the level follows.
            values["parent"] = next((g for g in ctx.grids.values() if g.pk == grid.parent_id), grid.parent)
        if "school_class" in values:
            values["school_class"] = ctx.classes[values["school_class"]]
        update_object(ctx.actor, grid, **values)

    # -- holdings and assignments --
    def holdings(self):
        state, target = self.state, self.target
        post_pk = {name: p.pk for name, p in state.posts.items()}
        existing = defaultdict(list)
        for h in state.holdings:
            existing[(h.person_id, h.post_id)].append(h)
        kept = set()
        for spec in target.people:
            person_pk = self.person_pk.get(spec.key)
            for post in spec.posts:
                found = existing.get((person_pk, post_pk.get(post)))
                if found:
                    kept.add(found[0].pk)
                    continue
                # hold_post's rule (the person is of the post's school) holds here by construction.
                self.create("holdings", "holding", f"{target.person_labels[spec.key]} · {post}",
                            _("%(start)s起") % {"start": self.today.isoformat()},
                            Insert(("holding",), lambda ctx, spec=spec, post=post: PostHolding(
                                organisation=ctx.posts[post].organisation, post=ctx.posts[post],
                                person=ctx.people[spec.key], start=self.today)),
                            lambda ctx, spec=spec, post=post: people_actions.hold_post(
                                ctx.actor, ctx.posts[post], ctx.people[spec.key], self.today))
        people = {p.pk: p for p in state.people}
        posts = {p.pk: p for p in state.posts.values()}
        for h in state.holdings:
            if h.pk in kept:
                continue
            end = max(h.start, self.yesterday)
            if h.end is not None and h.end <= end:
                continue
            self.add("ends", "end", "holding", f"{self.label(people[h.person_id])} · {posts[h.post_id]}",
                     _("不在“人员”表的“岗位”列中：任职结束于%(on)s") % {"on": end.isoformat()},
                     lambda ctx, h=h, end=end: people_actions.end_post_holding(ctx.actor, h, end))

    def assignments(self):
        state, target = self.state, self.target
        post_pk = {name: p.pk for name, p in state.posts.items()}
        people = {p.pk: p for p in state.people}
        posts = {p.pk: p for p in state.posts.values()}
        by_grid = defaultdict(list)
        for a in state.assignments:
            by_grid[a.grid_id].append(a)
        used: set[int] = set()

        def db_holder(holder):
            kind, key = holder
            return ("person", self.person_pk.get(key)) if kind == "person" else ("post", post_pk.get(key))

        def holder_of(a):
            return ("person", a.person_id) if a.person_id else ("post", a.post_id)

        order = {name: i for i, name in enumerate(target.grids)}
        for name in sorted(target.grids, key=lambda n: (target.grids[n].level, order[n])):
            spec = target.grids[name]
            grid_pk = self.grid_pk.get(name)
            existing = by_grid.get(grid_pk, [])
            # Dated rows first: they match exactly; the undated then take the current ones left.
            for a in sorted(spec.assignments, key=lambda a: a.start is None):
                key = db_holder(a.holder)
                found = None
                if None not in key:
                    for candidate in existing:
                        if candidate.pk in used or holder_of(candidate) != key or candidate.role != a.role:
                            continue
                        if (candidate.start == a.start) if a.start else state.is_current(candidate):
                            found = candidate
                            break
                subject = (f"{name} · {schema.zh_label(AssignmentRole, a.role)} · "
                           f"{target.holder_label(a.holder)}")
                if found is None:
                    start = a.start or self.today
                    if a.end is not None and a.end < start:
                        self.errors.append(RosterError(a.sheet, a.row, "结束日期", _(
                            "结束日期早于开始日期（未填开始日期时为导入日期%(today)s）。") % {
                            "today": self.today.isoformat()}))
                        continue
                    self.create("assignments", "assignment", subject, _dates(start, a.end),
                                Insert(("assignment",), lambda ctx, a=a, name=name, start=start: Assignment(
                                    organisation=ctx.grids[name].organisation, grid=ctx.grids[name], role=a.role,
                                    start=start, end=a.end, **_holder(ctx, a.holder))),
                                lambda ctx, a=a, name=name, start=start: grid_actions.assign(
                                    ctx.actor, ctx.grids[name], role=a.role, start=start, end=a.end,
                                    **_holder(ctx, a.holder)))
                    continue
                used.add(found.pk)
                if a.dated and found.end != a.end:
                    if a.end is not None and a.end < found.start:
                        self.errors.append(RosterError(a.sheet, a.row, "结束日期", _(
                            "结束日期早于该责任分工的开始日期（%(start)s）。") % {"start": found.start.isoformat()}))
                        continue
                    self.add("assignments", "update", "assignment", subject, _changes_text({_("结束日期"): (
                        found.end.isoformat() if found.end else "", a.end.isoformat() if a.end else "")}),
                        lambda ctx, found=found, end=a.end: update_object(ctx.actor, found, end=end))
        grids = state.grids
        for a in state.assignments:
            if a.pk in used or not state.is_current(a):
                continue
            end = max(a.start, self.yesterday)
            if a.end is not None and a.end <= end:
                continue
            holder = self.label(people[a.person_id]) if a.person_id else posts[a.post_id].name
            self.add("ends", "end", "assignment",
                     f"{grids[a.grid_id].name} · {schema.zh_label(AssignmentRole, a.role)} · {holder}",
                     _("不在清单中：责任结束于%(on)s") % {"on": end.isoformat()},
                     lambda ctx, a=a, end=end: grid_actions.end_assignment(ctx.actor, a, end))

    def notes(self):
        referenced = {a.holder[1] for g in self.target.grids.values() for a in g.assignments if a.holder[0] == "post"}
        for name in sorted(set(self.state.posts) - set(self.target.posts) - referenced):
            self.add("notes", "keep", "post", name, _("没有人员任此岗位，也没有网格由它负责：系统不删除岗位"))

    def plan(self) -> Plan:
        self.people()
        self.places()
        self.slots()
        self.classes()
        self.grids()
        self.holdings()
        self.assignments()
        self.notes()
        order = ["posts", "people", "places", "slots", "classes", "grids", "links", "holdings", "assignments",
                 "ends", "leaves", "notes"]
        changes = [c for phase in order for c in self.changes[phase]]
        return Plan(self.state.organisation, self.today, changes, self.errors, self.ctx)


def diff(target: Target, state, actor=None) -> Plan:
    return Differ(target, state, actor).plan()

