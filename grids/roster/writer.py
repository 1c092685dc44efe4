"""Writing roster workbooks: the blank template, test and example workbooks, and a school's export.

The export is written so that importing it back into the same school changes nothing: each grid
the 场所/班级/时段 sheets imply is described there, and the 网格 sheet adds whatever those rows
cannot say (another parent, more places, other roles, dated assignments) and every other grid.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
from collections import defaultdict

import xlsxwriter

from campus.choices import PlaceKind
from grids.choices import AssignmentRole, GridKind
from people.choices import PersonCategory, PersonStatus
from people.models import mask_phone

from . import schema
from .schema import CLASSES, GRIDS, PEOPLE, PLACES, SHEETS, SLOTS
from .state import SchoolState

HELP_SHEET = "填写说明"
HELP = [
    "网格责任清单：学校的场所、人员、岗位、班级、网格与时段。红色表头的列必填。",
    "多个名称写在一个单元格里时，用“、”“，”“,”或“;”分隔。日期写成 2026-09-01（也可用 Excel 日期）。",
    "人员：同名人员须填写工号；在其他表中用姓名指人，同名时改填工号或“姓名（工号）”。",
    "人员的岗位列填写所任岗位（保安、保洁人员、宿管…）。",
    "场所、网格、时段的负责人也可以是岗位，由任该岗位的人员负责。",
    "场所：只填区域 = 区域本身（楼宇或室外区域；有楼层的为楼宇）；区域+楼层 = 楼层；",
    "区域+楼层+场所（或区域+场所）= 具体场所。",
    "场所的负责人：区域为楼长（室外为具体责任人）、楼层为网格长、场所为网点长；",
    "填写负责人后自动建立对应网格，并挂在上级场所的网格下。",
    "班级：建立班级网格，班主任与班长为其责任人；教室写成 区域/楼层/场所。",
    "时段：每个时段由负责人负责（建立时间轴网格）；负责区域留空表示全校。",
    "网格：其他表之外的网格（领导小组、部门、时间轴…），也可补充其他表生成的网格（如设置上级网格、增加安全员）。",
    "导入时先全部校验，有任何错误都不会修改数据；通过后先显示差异，确认后才执行。",
    "未列出的人员、责任分工、岗位任职只在勾选后结束，任何数据都不会被删除。",
]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date | datetime.time):
        return schema.text(value)
    return value


def write_workbook(sheets: dict[str, list], *, headers: bool = True, help_sheet: bool = True,
                   blank_rows: int = 200) -> bytes:
    """A workbook with the five sheets in order. Rows are lists (in column order) or dicts by column.

    With `headers=False` the rows are written as given, header included (for malformed test files);
    sheets not in the schema are written after the others.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    workbook.set_properties({"title": "网格责任清单", "created": datetime.datetime(2026, 1, 1)})
    bold = workbook.add_format({"bold": True, "bg_color": "#E7F0FB", "border": 1})
    required = workbook.add_format({"bold": True, "bg_color": "#FDECEA", "font_color": "#C92A2A", "border": 1})
    text_format = workbook.add_format({"num_format": "@"})
    names = [s.name for s in SHEETS if s.name in sheets or headers] + [n for n in sheets if n not in
                                                                      {s.name for s in SHEETS}]
    by_name = {s.name: s for s in SHEETS}
    for name in names:
        sheet = by_name.get(name)
        worksheet = workbook.add_worksheet(name)
        rows = sheets.get(name, [])
        if headers and sheet is not None:
            for col, column in enumerate(sheet.columns):
                worksheet.write_string(0, col, column.name, required if column.required else bold)
                worksheet.set_column(col, col, column.width, text_format)
                if column.note or column.required:
                    note = "必填。" * column.required + column.note
                    worksheet.write_comment(0, col, note, {"x_scale": 2, "y_scale": 1.2})
                if column.choices:
                    worksheet.data_validation(1, col, len(rows) + blank_rows, col, {
                        "validate": "list", "source": list(column.choices), "ignore_blank": True,
                        "error_type": "warning"})
            worksheet.freeze_panes(1, 0)
            start = 1
        else:
            start = 0
        for r, row in enumerate(rows, start=start):
            if isinstance(row, dict) and sheet is not None:
                row = [row.get(c, "") for c in sheet.column_names]
            for c, value in enumerate(row):
                value = _cell(value)
                if isinstance(value, str):
                    if value:
                        worksheet.write_string(r, c, value)
                else:
                    worksheet.write(r, c, value)
    if help_sheet and headers:
        worksheet = workbook.add_worksheet(HELP_SHEET)
        worksheet.set_column(0, 0, 120)
        for r, line in enumerate(HELP):
            worksheet.write_string(r, 0, line)
    workbook.close()
    return buffer.getvalue()


def template() -> bytes:
    return write_workbook({})


# --- export ----------------------------------------------------------------------------------------

@dataclasses.dataclass
class Implied:
    """What the import will build for a grid from a 场所/班级/时段 row."""

    kind: str
    parent: str | None
    places: set
    slots: set
    written: set  # assignment ids written in that row


def export_sheets(organisation, today: datetime.date, *, mask_phones: bool = False) -> dict[str, list[list]]:
    state = SchoolState.load(organisation, today)
    current = [a for a in state.assignments if state.is_current(a)]
    by_grid = defaultdict(list)
    for a in current:
        by_grid[a.grid_id].append(a)
    people = {p.pk: p for p in state.people}
    posts = {p.pk: p for p in state.posts.values()}
    holdings = defaultdict(list)
    for h in state.holdings:
        holdings[h.person_id].append(posts[h.post_id].name)

    # 人员: everyone at the school, and leavers still named somewhere.
    referenced = {a.person_id for a in current if a.person_id} | set(holdings)
    listed = [p for p in state.people if p.status == PersonStatus.ACTIVE or p.pk in referenced]
    same_name = defaultdict(int)
    for p in listed:
        same_name[p.name] += 1
    label = {p.pk: f"{p.name}（{p.staff_no}）" if same_name[p.name] > 1 and p.staff_no else p.name for p in listed}
    people_rows = [[p.name, p.staff_no, schema.zh_label(PersonCategory, p.category), p.department, p.title,
                    mask_phone(p.phone) if mask_phones and p.phone else p.phone,
                    "、".join(dict.fromkeys(holdings.get(p.pk, []))), schema.zh_label(PersonStatus, p.status)]
                   for p in listed]

    def holder(a) -> str:
        return label.get(a.person_id) or people[a.person_id].name if a.person_id else posts[a.post_id].name

    def holders(assignments) -> str:
        return "、".join(holder(a) for a in assignments)

    def open_with_role(grid, role, *, fallback=False):
        found = [a for a in by_grid.get(grid.pk, []) if a.role == role]
        open_ended = [a for a in found if a.end is None]
        return open_ended or (found if fallback else [])

    implied: dict[int, Implied] = {}

    # 场所, in tree order.
    children = defaultdict(list)
    for place in sorted(state.places.values(), key=lambda p: p.pk):
        children[place.parent_id if place.parent_id in state.places else None].append(place)
    ordered = []

    def walk(parent_id):
        for place in children[parent_id]:
            ordered.append(place)
            walk(place.pk)

    walk(None)
    position = {state.paths[p.pk]: i for i, p in enumerate(ordered)}

    def paths_text(paths) -> str:
        return "、".join(schema.format_path(p) for p in sorted(paths, key=lambda p: position.get(p, -1)))

    place_rows, place_grid = [], {}
    for place in ordered:
        path = state.paths[place.pk]
        named = state.grids_named(schema.place_grid_name(path))
        grid = named[0] if len(named) == 1 else None
        written = open_with_role(grid, schema.PLACE_ROLE[place.kind]) if grid else []
        if written:
            parent = next((place_grid[path[:d]] for d in range(len(path) - 1, 0, -1) if path[:d] in place_grid), None)
            place_grid[path] = grid.name
            implied[grid.pk] = Implied(schema.PLACE_GRID_KIND[place.kind], parent, {path}, set(),
                                       {a.pk for a in written})
        if len(path) == 1:
            has_floors = any(c.kind == PlaceKind.FLOOR for c in children[place.pk])
            inferred = PlaceKind.BUILDING if has_floors else PlaceKind.OUTDOOR
            kind_cell = place.place_type if place.kind == inferred else schema.zh_label(PlaceKind, place.kind)
        else:
            kind_cell = place.place_type
        area, floor, room = path[0], "", ""
        if len(path) == 2:
            floor, room = (path[1], "") if place.kind == PlaceKind.FLOOR else ("", path[1])
        elif len(path) == 3:
            floor, room = path[1], path[2]
        place_rows.append([area, floor, room, kind_cell, schema.YES if place.is_key_location else schema.NO,
                           schema.YES if place.is_major_hazard else schema.NO, holders(written),
                           grid.duties if written else ""])

    # 班级
    class_rows = []
    for key, school_class in sorted(state.classes.items(), key=lambda item: item[1].pk):
        grid = state.class_grid(key)
        teachers = open_with_role(grid, AssignmentRole.HEAD_TEACHER, fallback=True) if grid else []
        monitors = open_with_role(grid, AssignmentRole.MONITOR, fallback=True) if grid else []
        classroom = state.paths.get(school_class.classroom_id)
        if grid is not None:
            parent = next((place_grid[classroom[:d]] for d in range(len(classroom) - 1, 0, -1)
                           if classroom[:d] in place_grid), None) if classroom else None
            implied[grid.pk] = Implied(GridKind.CLASS, parent, {classroom} if classroom else set(), set(),
                                       {a.pk for a in teachers + monitors})
        class_rows.append([school_class.grade, school_class.name, holders(teachers), holders(monitors),
                           schema.format_path(classroom) if classroom else ""])

    # 时段
    slot_rows = []
    for slot in sorted(state.slots.values(), key=lambda s: s.pk):
        named = state.grids_named(schema.slot_grid_name(slot.name))
        grid = named[0] if len(named) == 1 else None
        written = open_with_role(grid, schema.SLOT_ROLE) if grid else []
        areas = ""
        if written:
            paths = {state.paths[p] for p in state.grid_places.get(grid.pk, ())}
            implied[grid.pk] = Implied(GridKind.TIME_AXIS, None, paths, {slot.name}, {a.pk for a in written})
            areas = paths_text(paths)
        slot_rows.append([slot.name, schema.format_weekdays(slot.weekdays), schema.format_time(slot.start_time),
                          schema.format_time(slot.end_time), holders(written), areas])

    # 网格: every grid the other sheets do not fully describe, parents before children.
    grids = state.grids
    slot_names = {s.pk: s.name for s in state.slots.values()}
    slot_order = {s.name: s.pk for s in state.slots.values()}
    tree = defaultdict(list)
    for grid in grids.values():
        tree[grid.parent_id if grid.parent_id in grids else None].append(grid)
    grid_rows = []

    def level_of(grid) -> int:
        level, node = 1, grid
        while node.parent_id in grids:
            level, node = level + 1, grids[node.parent_id]
        return level

    def emit(grid):
        parent = grids[grid.parent_id].name if grid.parent_id in grids else None
        places = {state.paths[p] for p in state.grid_places.get(grid.pk, ())}
        slots = {slot_names[s] for s in state.grid_slots.get(grid.pk, ())}
        info = implied.get(grid.pk)
        extra = [a for a in by_grid.get(grid.pk, []) if info is None or a.pk not in info.written]
        if info is not None:
            if parent == info.parent and grid.kind == info.kind and places <= info.places and slots <= info.slots \
                    and not extra:
                return
            parent_cell = parent or (schema.ROOT_PARENT if info.parent else "")
        else:
            parent_cell = parent or ""
        attributes = [parent_cell, schema.level_label(level_of(grid)), schema.zh_label(GridKind, grid.kind)]
        coverage = [paths_text(places), "、".join(sorted(slots, key=slot_order.get))]
        groups: dict[tuple, list] = {}
        for a in extra:
            groups.setdefault((a.role, a.start, a.end), []).append(a)
        if not groups:
            grid_rows.append([grid.name, *attributes, "", "", *coverage, "", ""])
        for i, ((role, start, end), assignments) in enumerate(groups.items()):
            first = i == 0
            grid_rows.append([grid.name, *(attributes if first else ["", "", ""]), holders(assignments),
                              schema.zh_label(AssignmentRole, role), *(coverage if first else ["", ""]),
                              start.isoformat(), end.isoformat() if end else ""])

    def walk_grids(parent_id):
        for grid in sorted(tree[parent_id], key=lambda g: g.pk):
            emit(grid)
            walk_grids(grid.pk)

    walk_grids(None)
    return {PEOPLE.name: people_rows, PLACES.name: place_rows, CLASSES.name: class_rows, GRIDS.name: grid_rows,
            SLOTS.name: slot_rows}


def export(organisation, today: datetime.date, *, mask_phones: bool = False) -> bytes:
    return write_workbook(export_sheets(organisation, today, mask_phones=mask_phones))


def count_rows(sheets: dict[str, list]) -> int:
    return sum(len(rows) for rows in sheets.values())
