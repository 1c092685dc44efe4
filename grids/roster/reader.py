"""Reading a roster workbook into the state the school should be in, reporting every mistake.

`read(data)` returns the rows of each sheet; `build(sheets, state)` validates them and resolves
every name (people, posts, places, slots, parent grids) into a `Target`. Nothing is written: any
error and the import stops before its first write. Each error names the sheet, the row number
as Excel shows it, the column and a plain reason.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
from collections import defaultdict
from collections.abc import Callable

from django.utils.translation import gettext as _

from campus.choices import PlaceKind
from grids.choices import AssignmentRole, GridKind
from people.choices import PersonCategory, PersonStatus

from . import schema
from .schema import CLASSES, GRIDS, PEOPLE, PLACES, SHEETS, SLOTS

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000  # per sheet: a large school has a few thousand


@dataclasses.dataclass(frozen=True)
class RosterError:
    sheet: str
    row: int | None
    column: str
    reason: str

    def as_list(self) -> list:
        return [self.sheet, self.row, self.column, self.reason]

    def __str__(self):
        where = f"{self.sheet}" + (_(" 第%(row)d行") % {"row": self.row} if self.row else "")
        return _("%(where)s：%(reason)s") % {"where": f"{where}{' ' + self.column if self.column else ''}",
                                             "reason": self.reason}


@dataclasses.dataclass
class Row:
    number: int                 # as Excel shows it
    cells: dict[str, object]
    texts: dict[str, str] = dataclasses.field(default_factory=dict, repr=False, compare=False)  # read once each

    def text(self, column: str) -> str:
        if column not in self.texts:
            self.texts[column] = schema.text(self.cells.get(column))
        return self.texts[column]

    def is_blank(self) -> bool:
        return not any(self.text(c) for c in self.cells)


# --- the target state ------------------------------------------------------------------------------

PersonKey = tuple[str, str]          # ("no", 工号) or ("name", 姓名)
Holder = tuple[str, object]          # ("person", PersonKey) or ("post", name)


@dataclasses.dataclass
class PersonSpec:
    row: int
    name: str
    staff_no: str
    category: str
    department: str
    title: str
    phone: str
    status: str
    posts: list[str]

    @property
    def key(self) -> PersonKey:
        return ("no", self.staff_no) if self.staff_no else ("name", self.name)


@dataclasses.dataclass
class PlaceSpec:
    path: tuple[str, ...]
    kind: str
    row: int | None = None                  # None: only implied by a deeper row
    place_type: str | None = None           # None: leave as it is
    is_key_location: bool | None = None
    is_major_hazard: bool | None = None
    kind_given: bool = False


@dataclasses.dataclass
class SlotSpec:
    row: int
    name: str
    weekdays: str
    start_time: datetime.time
    end_time: datetime.time


@dataclasses.dataclass
class ClassSpec:
    row: int
    grade: str
    name: str
    classroom: tuple[str, ...] | None


@dataclasses.dataclass
class AssignSpec:
    holder: Holder
    role: str
    start: datetime.date | None       # None: the import date (new) / as it is (existing)
    end: datetime.date | None
    dated: bool                       # from the 网格 sheet: its end date is the truth (blank = open)
    sheet: str
    row: int
    column: str


@dataclasses.dataclass
class GridSpec:
    name: str
    kind: str
    sheet: str
    row: int
    implied: bool                      # built from a 场所/班级/时段 row
    parent: str | None = None          # the name of another grid of the workbook
    places: set = dataclasses.field(default_factory=set)
    slots: set = dataclasses.field(default_factory=set)
    school_class: tuple[str, str] | None = None
    duties: str | None = None          # None: leave as it is
    assignments: list[AssignSpec] = dataclasses.field(default_factory=list)
    level: int = 1


@dataclasses.dataclass
class Target:
    people: list[PersonSpec]
    posts: list[str]
    places: dict[tuple[str, ...], PlaceSpec]
    slots: dict[str, SlotSpec]
    classes: dict[tuple[str, str], ClassSpec]
    grids: dict[str, GridSpec]
    person_labels: dict[PersonKey, str]

    def holder_label(self, holder: Holder) -> str:
        kind, key = holder
        return self.person_labels[key] if kind == "person" else str(key)


# --- reading the file --------------------------------------------------------------------------------

def read(data: bytes) -> tuple[dict[str, list[Row]], list[RosterError]]:
    """The data rows of each sheet (blank rows skipped), or the errors that stop the reading."""
    from python_calamine import CalamineWorkbook

    if len(data) > MAX_BYTES:
        return {}, [RosterError("", None, "", _("文件过大（超过%(mb)dMB）。") % {"mb": MAX_BYTES // 1024 // 1024})]
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises several kinds for a file that is not a workbook
        return {}, [RosterError("", None, "", _("无法读取文件：请上传 Excel 工作簿（.xlsx）。"))]
    names = {name.strip(): name for name in workbook.sheet_names}
    sheets: dict[str, list[Row]] = {}
    errors: list[RosterError] = []
    for sheet in SHEETS:
        if sheet.name not in names:
            errors.append(RosterError(sheet.name, None, "", _("缺少工作表“%(sheet)s”。") % {"sheet": sheet.name}))
            continue
        try:
            values = workbook.get_sheet_by_name(names[sheet.name]).to_python(skip_empty_area=False)
        except Exception:
            errors.append(RosterError(sheet.name, None, "", _("无法读取该工作表。")))
            continue
        if len(values) > MAX_ROWS + 1:
            errors.append(RosterError(sheet.name, None, "", _("行数过多（最多%(n)d行）。") % {"n": MAX_ROWS}))
            continue
        header = [schema.text(v).rstrip("*＊").strip() for v in (values[0] if values else [])]
        index = {}
        for position, name in enumerate(header):
            index.setdefault(name, position)
        missing = [c for c in sheet.column_names if c not in index]
        for column in missing:
            errors.append(RosterError(sheet.name, 1, column, _("缺少列“%(column)s”。") % {"column": column}))
        if missing:
            continue
        rows = []
        for number, raw in enumerate(values[1:], start=2):
            cells = {c: (raw[index[c]] if index[c] < len(raw) else "") for c in sheet.column_names}
            row = Row(number, cells)
            if not row.is_blank():
                rows.append(row)
        sheets[sheet.name] = rows
    return sheets, errors


# --- building the target ------------------------------------------------------------------------------

LIMITS = {"姓名": 50, "工号": 30, "部门": 60, "职务": 60, "手机": 20, "岗位": 60, "区域": 100, "楼层": 100,
          "场所": 100, "类型": 40, "年级": 20, "班级": 30, "网格": 100, "时段": 40}


class Builder:
    """Validates the rows and resolves names, collecting every error instead of stopping at one."""

    def __init__(self, sheets: dict[str, list[Row]], state):
        self.sheets = sheets
        self.state = state
        self.errors: list[RosterError] = []
        self.categories = schema.choice_lookup(PersonCategory)
        self.statuses = schema.choice_lookup(PersonStatus)
        self.roles = schema.choice_lookup(AssignmentRole, schema.ROLE_ALIASES)
        self.grid_kinds = schema.choice_lookup(GridKind, schema.GRID_KIND_ALIASES)
        self.place_kinds = schema.choice_lookup(PlaceKind, schema.AREA_KIND_ALIASES)

    def error(self, sheet, row, column, reason):
        self.errors.append(RosterError(sheet.name if hasattr(sheet, "name") else sheet, row, column, reason))

    def required(self, sheet, row: Row, column: str) -> str:
        value = row.text(column)
        if not value:
            self.error(sheet, row.number, column, _("必填，不能为空。"))
        return self.limited(sheet, row, column, value)

    def limited(self, sheet, row: Row, column: str, value: str) -> str:
        limit = LIMITS.get(column)
        if limit and len(value) > limit:
            self.error(sheet, row.number, column, _("“%(value)s”过长（最多%(n)d个字符）。") % {
                "value": value, "n": limit})
        return value

    def duplicate(self, sheet, seen: dict, key, row: Row, column: str, reason: Callable[[], str] | None = None) -> bool:
        """Whether `key` was seen on an earlier row (an error, worded by `reason()`, if so)."""
        if key in seen:
            self.error(sheet, row.number, column, reason() if reason else _("与第%(row)d行重复。") % {"row": seen[key]})
            return True
        seen[key] = row.number
        return False

    # -- 人员 --
    def people(self) -> list[PersonSpec]:
        specs, by_number, by_name, whole_rows = [], {}, {}, {}
        for row in self.sheets.get(PEOPLE.name, []):
            name = self.required(PEOPLE, row, "姓名")
            staff_no = self.limited(PEOPLE, row, "工号", row.text("工号"))
            category_text = self.required(PEOPLE, row, "类别")
            category = self.categories.get(category_text.lower())
            if category_text and category is None:
                self.error(PEOPLE, row.number, "类别", _("无法识别的类别“%(value)s”，应为：%(choices)s。") % {
                    "value": category_text, "choices": "、".join(schema.labels(PersonCategory))})
            status_text = row.text("状态")
            status = self.statuses.get(status_text.lower()) if status_text else PersonStatus.ACTIVE
            if status is None:
                self.error(PEOPLE, row.number, "状态", _("无法识别的状态“%(value)s”，应为：%(choices)s。") % {
                    "value": status_text, "choices": "、".join(schema.labels(PersonStatus))})
            posts = []
            for post in schema.split(row.cells.get("岗位")):
                self.limited(PEOPLE, row, "岗位", post)
                if post in posts:
                    self.error(PEOPLE, row.number, "岗位", _("岗位“%(post)s”重复填写。") % {"post": post})
                posts.append(post)
            whole = tuple(row.text(c) for c in PEOPLE.column_names)
            if self.duplicate(PEOPLE, whole_rows, whole, row, "",
                              lambda whole=whole: _("与第%(row)d行完全相同（重复行）。") % {"row": whole_rows[whole]}):
                continue
            if staff_no:
                if self.duplicate(PEOPLE, by_number, staff_no, row, "工号", lambda no=staff_no: _(
                        "工号“%(no)s”与第%(row)d行重复。") % {"no": no, "row": by_number[no]}):
                    continue
            elif name:
                if self.duplicate(PEOPLE, by_name, name, row, "姓名", lambda name=name: _(
                        "与第%(row)d行同名：同名人员须填写工号以区分。") % {"row": by_name[name]}):
                    continue
            if not name or category is None or status is None:
                continue
            specs.append(PersonSpec(row.number, name, staff_no, category, row.text("部门"), row.text("职务"),
                                    row.text("手机"), status, posts))
            for column in ("部门", "职务", "手机"):
                self.limited(PEOPLE, row, column, row.text(column))
        return specs

    def index_people(self, specs: list[PersonSpec]):
        self.by_number = {s.staff_no: s for s in specs if s.staff_no}
        self.by_name = defaultdict(list)
        for s in specs:
            self.by_name[s.name].append(s)
        self.post_names = {p for s in specs for p in s.posts} | set(self.state.posts)

    def person(self, sheet, row: Row, column: str, token: str) -> PersonSpec | None:
        """A person named by 姓名 (unique), 工号, or 姓名（工号）; None with an error when not found."""
        match = schema.PERSON_WITH_NUMBER.match(token)
        if match and match.group(2) in self.by_number:
            spec = self.by_number[match.group(2)]
            if spec.name != match.group(1):
                self.error(sheet, row.number, column, _("工号“%(no)s”是%(name)s，不是%(given)s。") % {
                    "no": match.group(2), "name": spec.name, "given": match.group(1)})
                return None
            return spec
        named = self.by_name.get(token, [])
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            numbers = [s.staff_no for s in named if s.staff_no]
            reason = _("“%(name)s”有%(n)d人同名（工号：%(numbers)s），请改填工号。") % {
                "name": token, "n": len(named), "numbers": "、".join(numbers)}
            if len(numbers) < len(named):
                reason += _("其中有人没有工号，请先在“人员”表中补填。")
            self.error(sheet, row.number, column, reason)
            return None
        if token in self.by_number:
            return self.by_number[token]
        return None

    def holder(self, sheet, row: Row, column: str, token: str, *, posts: bool = True) -> Holder | None:
        before = len(self.errors)
        spec = self.person(sheet, row, column, token)
        if spec is not None:
            return ("person", spec.key)
        if len(self.errors) > before:
            return None
        if posts and token in self.post_names:
            return ("post", token)
        reason = (_("未找到人员或岗位“%(name)s”：人员须列在“人员”表中，岗位须出现在“人员”表的“岗位”列中。") if posts
                  else _("未找到人员“%(name)s”：须列在“人员”表中。"))
        self.error(sheet, row.number, column, reason % {"name": token})
        return None

    def holders(self, sheet, row: Row, column: str, *, posts: bool = True) -> list[Holder]:
        found = []
        for token in schema.split(row.cells.get(column)):
            holder = self.holder(sheet, row, column, token, posts=posts)
            if holder is None:
                continue
            if holder in found:
                self.error(sheet, row.number, column, _("“%(name)s”重复填写。") % {"name": token})
                continue
            found.append(holder)
        return found

    # -- 场所 --
    def places(self) -> tuple[dict, list]:
        """Place specs by path, and the rows naming a person in charge (for the grids they imply)."""
        specs: dict[tuple, PlaceSpec] = {}
        seen: dict[tuple, int] = {}
        with_holders = []
        area_kinds = {PlaceKind.BUILDING, PlaceKind.OUTDOOR}
        for row in self.sheets.get(PLACES.name, []):
            area = self.required(PLACES, row, "区域")
            floor = self.limited(PLACES, row, "楼层", row.text("楼层"))
            room = self.limited(PLACES, row, "场所", row.text("场所"))
            if not area:
                continue
            if "/" in area + floor + room or "／" in area + floor + room:
                self.error(PLACES, row.number, "", _("名称中不能有“/”。"))
                continue
            path = tuple(p for p in (area, floor, room) if p)
            level = PlaceKind.ROOM if room else PlaceKind.FLOOR if floor else None
            column = "场所" if room else "楼层" if floor else "区域"
            if self.duplicate(PLACES, seen, path, row, column,
                              lambda path=path: _("场所“%(path)s”重复（第%(row)d行已有）。") % {
                                  "path": schema.format_path(path), "row": seen[path]}):
                continue
            spec = PlaceSpec(path, level or "", row=row.number)
            type_text = self.limited(PLACES, row, "类型", row.text("类型"))
            kind = self.place_kinds.get(type_text.lower()) if type_text else None
            if kind is not None:
                expected = area_kinds if level is None else {level}
                if kind not in expected:
                    self.error(PLACES, row.number, "类型", _("类型“%(value)s”与本行不符（本行是%(what)s）。") % {
                        "value": type_text,
                        "what": schema.zh_label(PlaceKind, level) if level else _("区域（楼宇或室外区域）")})
                elif level is None:
                    spec.kind, spec.kind_given = kind, True
            else:
                spec.place_type = type_text
            for column_name, attribute in (("重点部位", "is_key_location"), ("重大危险源", "is_major_hazard")):
                flag = schema.parse_bool(row.cells.get(column_name))
                if flag is None:
                    self.error(PLACES, row.number, column_name, _("应填“是”或“否”。"))
                setattr(spec, attribute, bool(flag))
            specs[path] = spec
            holders = self.holders(PLACES, row, "负责人")
            duties = row.text("职责")
            if duties and not schema.split(row.cells.get("负责人")):
                self.error(PLACES, row.number, "职责", _("填写了职责，但没有负责人。"))
            if holders:
                with_holders.append((path, row, holders, duties))
        # Areas and floors that only deeper rows name exist too.
        floors_of = defaultdict(set)
        for path in list(specs):
            if len(path) == 3:
                floors_of[path[0]].add(path[:2])
            for depth in range(1, len(path)):
                prefix = path[:depth]
                if prefix not in specs:
                    specs[prefix] = PlaceSpec(prefix, "" if depth == 1 else PlaceKind.FLOOR)
        for path, spec in specs.items():
            if len(path) == 2 and spec.kind == PlaceKind.ROOM and path in floors_of[path[0]]:
                self.error(PLACES, spec.row, "场所", _("“%(path)s”既是楼层（有下属场所）又是场所。") % {
                    "path": schema.format_path(path)})
        with_floors = {p[0] for p, s in specs.items() if len(p) == 2 and s.kind == PlaceKind.FLOOR}
        with_db_floors = {p[0] for p, place in self.state.place_by_path.items()
                          if len(p) == 2 and place.kind == PlaceKind.FLOOR}
        for path, spec in specs.items():
            if len(path) != 1:
                continue
            has_floors, db_floors = path[0] in with_floors, path[0] in with_db_floors
            if spec.kind_given:
                if spec.kind == PlaceKind.OUTDOOR and (has_floors or db_floors):
                    self.error(PLACES, spec.row, "类型", _("“%(area)s”有楼层，不能是室外区域。") % {"area": path[0]})
            else:
                spec.kind = PlaceKind.BUILDING if has_floors or db_floors else PlaceKind.OUTDOOR
        return specs, with_holders

    def place_ref(self, sheet, row: Row, column: str, token: str) -> tuple | None:
        path = schema.place_path(token)
        if path in self.place_specs:
            return path
        if len(path) == 1:
            matches = [p for p in self.place_specs if p[-1] == path[0]]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                self.error(sheet, row.number, column, _("有多个场所叫“%(name)s”（%(paths)s），请写完整路径。") % {
                    "name": token, "paths": "、".join(schema.format_path(m) for m in matches[:5])})
                return None
        self.error(sheet, row.number, column, _("未在“场所”表中找到场所“%(place)s”（写法：区域/楼层/场所）。") % {
            "place": token})
        return None

    def place_refs(self, sheet, row: Row, column: str) -> set:
        found = set()
        for token in schema.split(row.cells.get(column)):
            path = self.place_ref(sheet, row, column, token)
            if path is not None:
                found.add(path)
        return found

    # -- 时段 --
    def slots(self) -> tuple[dict, list]:
        specs, seen, with_holders = {}, {}, []
        for row in self.sheets.get(SLOTS.name, []):
            name = self.required(SLOTS, row, "时段")
            weekdays = schema.parse_weekdays(row.cells.get("星期"))
            if weekdays is None:
                self.error(SLOTS, row.number, "星期", _("无法识别“%(value)s”（示例：一至五、六、日、每天）。") % {
                    "value": row.text("星期")})
            times = {}
            for column in ("开始", "结束"):
                if not row.text(column):
                    self.error(SLOTS, row.number, column, _("必填，不能为空。"))
                    continue
                times[column] = schema.parse_time(row.cells.get(column))
                if times[column] is None:
                    self.error(SLOTS, row.number, column, _("时间“%(value)s”无法识别（示例：07:00）。") % {
                        "value": row.text(column)})
            if times.get("开始") and times.get("结束") and times["开始"] == times["结束"]:
                self.error(SLOTS, row.number, "结束", _("结束时间不能等于开始时间。"))
            if name and self.duplicate(SLOTS, seen, name, row, "时段",
                                       lambda name=name: _("时段“%(name)s”重复（第%(row)d行已有）。") % {
                                           "name": name, "row": seen[name]}):
                continue
            holders = self.holders(SLOTS, row, "负责人")
            if name and weekdays and times.get("开始") and times.get("结束"):
                specs[name] = SlotSpec(row.number, name, weekdays, times["开始"], times["结束"])
                with_holders.append((name, row, holders))
        return specs, with_holders

    # -- 班级 --
    def classes(self) -> tuple[dict, list]:
        specs, seen, with_holders = {}, {}, []
        for row in self.sheets.get(CLASSES.name, []):
            grade = self.required(CLASSES, row, "年级")
            name = self.required(CLASSES, row, "班级")
            self.required(CLASSES, row, "班主任")
            teachers = self.holders(CLASSES, row, "班主任", posts=False)
            monitors = self.holders(CLASSES, row, "班长", posts=False)
            rooms = schema.split(row.cells.get("教室"))
            classroom = None
            if len(rooms) > 1:
                self.error(CLASSES, row.number, "教室", _("只能填写一个教室。"))
            elif rooms:
                classroom = self.place_ref(CLASSES, row, "教室", rooms[0])
            if not grade or not name:
                continue
            if self.duplicate(CLASSES, seen, (grade, name), row, "班级",
                              lambda grade=grade, name=name: _("班级“%(grade)s%(name)s”重复（第%(row)d行已有）。") % {
                                  "grade": grade, "name": name, "row": seen[(grade, name)]}):
                continue
            specs[(grade, name)] = ClassSpec(row.number, grade, name, classroom)
            with_holders.append(((grade, name), row, teachers, monitors))
        return specs, with_holders

    # -- grids --
    def grids(self, place_holders, slot_holders, class_holders) -> dict[str, GridSpec]:
        grids: dict[str, GridSpec] = {}
        place_grid: dict[tuple, str] = {}

        def add(spec: GridSpec, sheet, row: Row, column: str) -> bool:
            if spec.name in grids:
                other = grids[spec.name]
                reason = _("生成的网格名称“%(name)s”与%(sheet)s第%(row)d行的网格重名。")
                self.error(sheet, row.number, column, reason % {
                    "name": spec.name, "sheet": other.sheet, "row": other.row})
                return False
            if len(spec.name) > LIMITS["网格"]:
                self.error(sheet, row.number, column, _("生成的网格名称“%(name)s”过长（最多%(n)d个字符）。") % {
                    "name": spec.name, "n": LIMITS["网格"]})
                return False
            grids[spec.name] = spec
            return True

        for path, row, holders, duties in sorted(place_holders, key=lambda item: len(item[0])):
            kind = self.place_specs[path].kind
            spec = GridSpec(schema.place_grid_name(path), schema.PLACE_GRID_KIND[kind], PLACES.name, row.number,
                            implied=True, places={path}, duties=duties)
            spec.assignments = [AssignSpec(h, schema.PLACE_ROLE[kind], None, None, False, PLACES.name, row.number,
                                           "负责人") for h in holders]
            spec.parent = next((place_grid[path[:d]] for d in range(len(path) - 1, 0, -1) if path[:d] in place_grid),
                               None)
            if add(spec, PLACES, row, "负责人"):
                place_grid[path] = spec.name
        for key, row, teachers, monitors in class_holders:
            existing = self.state.class_grid(key)
            classroom = self.class_specs[key].classroom
            spec = GridSpec(existing.name if existing else schema.class_grid_name(*key), GridKind.CLASS,
                            CLASSES.name, row.number, implied=True, school_class=key,
                            places={classroom} if classroom else set())
            spec.assignments = (
                [AssignSpec(h, AssignmentRole.HEAD_TEACHER, None, None, False, CLASSES.name, row.number, "班主任")
                 for h in teachers]
                + [AssignSpec(h, AssignmentRole.MONITOR, None, None, False, CLASSES.name, row.number, "班长")
                   for h in monitors])
            if classroom:
                spec.parent = next((place_grid[classroom[:d]] for d in range(len(classroom) - 1, 0, -1)
                                    if classroom[:d] in place_grid), None)
            add(spec, CLASSES, row, "班级")
        uncovered_slots = {}
        for name, row, holders in slot_holders:
            if not holders:
                uncovered_slots[name] = row
                continue
            spec = GridSpec(schema.slot_grid_name(name), GridKind.TIME_AXIS, SLOTS.name, row.number, implied=True,
                            slots={name}, places=self.place_refs(SLOTS, row, "负责区域"))
            spec.assignments = [AssignSpec(h, schema.SLOT_ROLE, None, None, False, SLOTS.name, row.number, "负责人")
                                for h in holders]
            add(spec, SLOTS, row, "时段")
        for name, row, _holders in slot_holders:
            if name in uncovered_slots:
                self.place_refs(SLOTS, row, "负责区域")

        # The 网格 sheet: grids of their own, or more about the grids above.
        given: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)  # grid → column → (value, row)
        parent_given: dict[str, tuple[str | None, int]] = {}
        whole_rows: dict[tuple, int] = {}
        for row in self.sheets.get(GRIDS.name, []):
            name = self.required(GRIDS, row, "网格")
            whole = tuple(row.text(c) for c in GRIDS.column_names)
            if not name or self.duplicate(GRIDS, whole_rows, whole, row, "", lambda whole=whole: _(
                    "与第%(row)d行完全相同（重复行）。") % {"row": whole_rows[whole]}):
                continue
            spec = grids.get(name)
            if spec is None:
                spec = grids[name] = GridSpec(name, GridKind.CUSTOM, GRIDS.name, row.number, implied=False)
            for column in ("上级网格", "层级", "类型"):
                value = row.text(column)
                if not value:
                    continue
                if column in given[name] and given[name][column][0] != value:
                    self.error(GRIDS, row.number, column, _("与第%(row)d行不一致（“%(value)s”）。") % {
                        "row": given[name][column][1], "value": given[name][column][0]})
                    continue
                given[name].setdefault(column, (value, row.number))
            kind_text = row.text("类型")
            if kind_text:
                kind = self.grid_kinds.get(kind_text.lower())
                if kind is None:
                    self.error(GRIDS, row.number, "类型", _("无法识别的网格类型“%(value)s”，应为：%(choices)s。") % {
                        "value": kind_text, "choices": "、".join(schema.labels(GridKind))})
                else:
                    spec.kind = kind
            parent_text = row.text("上级网格")
            if parent_text:
                parent_given[name] = (None if parent_text == schema.ROOT_PARENT else parent_text, row.number)
            level_text = row.text("层级")
            if level_text and schema.parse_level(level_text) is None:
                self.error(GRIDS, row.number, "层级", _("无法识别的层级“%(value)s”（示例：一级、二级）。") % {
                    "value": level_text})
            spec.places |= self.place_refs(GRIDS, row, "覆盖场所")
            for slot in schema.split(row.cells.get("时段")):
                if slot in self.slot_specs:
                    spec.slots.add(slot)
                else:
                    self.error(GRIDS, row.number, "时段", _("未在“时段”表中找到时段“%(slot)s”。") % {"slot": slot})
            dates = {}
            for column in ("开始日期", "结束日期"):
                raw = row.cells.get(column)
                dates[column] = schema.parse_date(raw) if schema.text(raw) else None
                if schema.text(raw) and dates[column] is None:
                    self.error(GRIDS, row.number, column, _("日期“%(value)s”无法识别（示例：2026-09-01）。") % {
                        "value": row.text(column)})
            start, end = dates["开始日期"], dates["结束日期"]
            if start and end and end < start:
                self.error(GRIDS, row.number, "结束日期", _("结束日期早于开始日期。"))
            holders = self.holders(GRIDS, row, "负责人")
            role_text = row.text("角色")
            role = self.roles.get(role_text.lower()) if role_text else None
            if role_text and role is None:
                self.error(GRIDS, row.number, "角色", _("无法识别的角色“%(value)s”，应为：%(choices)s。") % {
                    "value": role_text, "choices": "、".join(schema.labels(AssignmentRole))})
            if schema.split(row.cells.get("负责人")):
                if not role_text:
                    self.error(GRIDS, row.number, "角色", _("填写了负责人，须填写角色。"))
            elif role_text or row.text("开始日期") or row.text("结束日期"):
                self.error(GRIDS, row.number, "负责人", _("填写了角色或日期，但没有负责人。"))
            if role:
                spec.assignments += [AssignSpec(h, role, start, end, True, GRIDS.name, row.number, "负责人")
                                     for h in holders]
        for name, (parent, number) in parent_given.items():
            if parent is not None and parent not in grids:
                self.error(GRIDS, number, "上级网格", _("上级网格“%(parent)s”不在本清单中。") % {"parent": parent})
            elif parent == name:
                self.error(GRIDS, number, "上级网格", _("上级网格不能是网格本身。"))
            else:
                grids[name].parent = parent
        self.levels(grids, parent_given, given)
        for name, row in uncovered_slots.items():
            if not any(name in g.slots and g.assignments for g in grids.values()):
                self.error(SLOTS, row.number, "负责人",
                           _("必填：填写该时段的负责人，或在“网格”表中把该时段分给有负责人的网格。"))
        self.check_assignments(grids)
        return grids

    def levels(self, grids, parent_given, given):
        in_cycle = []
        for name, spec in grids.items():
            chain, node = [name], spec.parent
            while node is not None and node not in chain:
                chain.append(node)
                node = grids[node].parent
            if node == name:
                number = parent_given.get(name, (None, spec.row))[1]
                self.error(GRIDS, number, "上级网格", _("上级网格形成循环：%(chain)s。") % {
                    "chain": " → ".join([*chain, node])})
                in_cycle.append(spec)
        for spec in in_cycle:
            spec.parent = None  # so that levels can still be computed
        for name, spec in grids.items():
            level, node = 1, spec.parent
            while node is not None:
                level, node = level + 1, grids[node].parent
            spec.level = level
            if "层级" in given[name]:
                value, number = given[name]["层级"]
                expected = schema.parse_level(value)
                if expected is not None and expected != level:
                    self.error(GRIDS, number, "层级", _("层级应为“%(level)s”（由上级网格推算）。") % {
                        "level": schema.level_label(level)})

    def check_assignments(self, grids):
        for spec in grids.values():
            seen = {}
            for a in spec.assignments:
                key = (a.holder, a.role, a.start)
                if key in seen:
                    first = seen[key]
                    reason = _("重复：%(sheet)s第%(row)d行已把“%(holder)s”设为“%(grid)s”的%(role)s。")
                    self.error(a.sheet, a.row, a.column, reason % {
                        "sheet": first.sheet, "row": first.row, "holder": self.holder_label(a.holder),
                        "grid": spec.name, "role": schema.zh_label(AssignmentRole, a.role)})
                    continue
                seen[key] = a

    def holder_label(self, holder):
        kind, key = holder
        if kind == "post":
            return key
        return self.by_number[key[1]].name if key[0] == "no" else key[1]

    def build(self) -> Target:
        people = self.people()
        self.index_people(people)
        self.place_specs, place_holders = self.places()
        self.slot_specs, slot_holders = self.slots()
        self.class_specs, class_holders = self.classes()
        grids = self.grids(place_holders, slot_holders, class_holders)
        posts = []
        for spec in people:
            posts.extend(p for p in spec.posts if p not in posts)
        names = defaultdict(int)
        for spec in people:
            names[spec.name] += 1
        labels = {s.key: (f"{s.name}（{s.staff_no}）" if names[s.name] > 1 and s.staff_no else s.name) for s in people}
        return Target(people, posts, self.place_specs, self.slot_specs, self.class_specs, grids, labels)


SHEET_ORDER = {sheet.name: i for i, sheet in enumerate(SHEETS)}


def sort_errors(errors: list[RosterError]) -> list[RosterError]:
    columns = {sheet.name: {c: i for i, c in enumerate(sheet.column_names)} for sheet in SHEETS}
    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=lambda e: (SHEET_ORDER.get(e.sheet, -1), e.row or 0,
                                         columns.get(e.sheet, {}).get(e.column, -1)))


def build(sheets: dict[str, list[Row]], state) -> tuple[Target | None, list[RosterError]]:
    builder = Builder(sheets, state)
    target = builder.build()
    errors = sort_errors(builder.errors)
    return (None if errors else target), errors
