"""District-scale seed data (issue #6 "District scale"): one bureau, N schools and D days of their work.

Every row is built in memory school by school and written in bulk — COPY on PostgreSQL, executemany on
SQLite — never through the actions: seeding is not a user action, so it writes no audit rows (one
summary entry at the end). Deterministic: a fixed "today" and seed, one `random.Random` per school,
QR tokens and client ids derived from uuid5; the same arguments give the same data (only the ids
differ, which continue from what the database already holds).

Each school follows one template, a large three-grade middle school: 81 places (four buildings, three
outdoor areas) with QR tokens, 45 classes (15 per grade), 120 staff and about 1,500 students, 69 grids
(leadership → building → floor → class, department rooms, outdoor and time-axis grids), assignments
with handovers (the successor from the day after, 方案10), the district's school calendar, 13
checklists and 14 schedules (class daily checks, floor and outdoor patrols twice a day, canteen, gate,
weekly, monthly and twice-a-term checks). Inspections follow those schedules through the app's own
cadence engine (`inspections.cadence.windows`), so `inspections.due.Plan` finds them as done tasks:
about 80 per school day, about nine in ten tasks done. A failed item is a Finding and a Hazard, taken
through the workflow's transitions as `hazards.workflow` would (daily job included: left overnight,
automatic escalation when overdue).
"""

from __future__ import annotations

import datetime
import functools
import json
import random
import time
import uuid
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import translation

ONE_DAY = datetime.timedelta(days=1)
DEFAULT_TODAY = datetime.date(2026, 11, 27)
DEFAULT_SEED = 2026
DEFAULT_BUREAU_CODE = "district"
DEFAULT_PASSWORD = "Bench#2026"
SIZES = {"S": (1, 365), "D": (300, 365), "C": (1500, 365)}  # (schools, days)
NAMESPACE = uuid.UUID("6f1d3c2e-5b7a-5e00-9d2c-00000000e006")
SYSTEM = "system"  # Actor.system().name, as the daily job records its escalations
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)

# --- the names of things ------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
            "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文辉玲红梅鑫斌宇浩凯欣怡婷雪琳晨阳博轩子涵梓萱一诺"
         "思远雨欣佳琪家豪志强俊杰海燕春燕晓东立新振华永刚丹丹亚楠")
TOWNS_A = "东西南北新中上下前后大小长高清金石白青龙凤马牛桃柳梅松竹兰"
TOWNS_B = "关湖河山桥坪溪岭庄集"
GRADES = ("七年级", "八年级", "九年级")
CLASSES_PER_GRADE = 15
STUDENTS_PER_CLASS = (31, 36)  # a class has 31–35 students: about 1,500 a school
SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治", "音乐", "美术", "信息技术")


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 35 → 三十五 (school names count this way)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


# --- the school template --------------------------------------------------------------------------

@dataclass
class PlaceT:
    index: int
    parent: int | None
    kind: str
    name: str
    code: str
    place_type: str = ""
    key: bool = False
    major: bool = False


@dataclass
class GridT:
    index: int
    parent: int | None
    name: str
    kind: str
    places: list[int] = field(default_factory=list)
    school_class: int | None = None
    slots: list[int] = field(default_factory=list)
    duties: str = ""

    level: int = 1


@dataclass
class AssignmentT:
    grid: int
    role: str
    person: int | None = None  # staff index
    post: int | None = None


# Staff by index: (title, department, category). Indexes named here are used below.
PRINCIPAL, VP_SAFETY, VP, SAFETY_HEAD, SAFETY_CLERK, DEAN, MORAL, GENERAL, OFFICE, YOUTH = range(10)
HEAD_TEACHERS = range(10, 55)  # one per class
PE_LEAD, PHYSICS_TECH, CHEM_TECH, IT_TEACHER, LIBRARIAN = range(55, 60)
TEACHERS = range(60, 100)  # subject teachers on floor and time-axis grids
ELECTRICIAN, DOCTOR = 100, 101
GUARDS = range(102, 108)
CANTEEN_HEAD = 108
COOKS = range(109, 116)
CLEANERS = range(116, 120)
STAFF_COUNT = 120


@functools.cache
def staff_titles() -> list[tuple[str, str, str]]:
    titles = [("校长", "校长室", "staff"), ("分管安全副校长", "校长室", "staff"), ("副校长", "校长室", "staff"),
              ("安全办主任", "安全办", "staff"), ("安全干事", "安全办", "staff"), ("教务处主任", "教务处", "staff"),
              ("德育处主任", "德育处", "staff"), ("总务处主任", "总务处", "staff"), ("办公室主任", "办公室", "staff"),
              ("团委书记", "团委", "staff")]
    for i in HEAD_TEACHERS:
        titles.append(("班主任", f"{GRADES[(i - 10) // CLASSES_PER_GRADE]}组", "contract" if i % 9 == 0 else "staff"))
    titles += [("体育教研组长", "体育组", "staff"), ("物理实验员", "实验室", "staff"),
               ("化学实验员", "实验室", "staff"), ("信息技术教师", "信息技术组", "staff"),
               ("图书管理员", "图书室", "staff")]
    for i in TEACHERS:
        subject = SUBJECTS[i % len(SUBJECTS)]
        titles.append((f"{subject}教师", f"{subject}组", "contract" if i % 7 == 0 else "staff"))
    titles += [("电工", "总务处", "contract"), ("校医", "校医室", "staff")]
    titles += [("保安", "安全办", "contract")] * len(GUARDS)
    titles += [("食堂管理员", "食堂", "staff")] + [("厨师", "食堂", "temporary")] * len(COOKS)
    titles += [("保洁员", "总务处", "temporary")] * len(CLEANERS)
    assert len(titles) == STAFF_COUNT
    return titles


POSTS = [("保安", "门卫值守、来访登记、夜间巡逻", GUARDS), ("食堂从业人员", "食品加工、留样、燃气使用安全", COOKS)]
GUARD_POST, COOK_POST = 0, 1

# (name, weekdays, start, end)
TIME_SLOTS = [("到校及上午时段", "12345", (7, 0), (11, 40)), ("午间时段", "12345", (11, 40), (13, 30)),
              ("下午时段", "12345", (13, 30), (16, 30)), ("放学时段", "12345", (16, 30), (18, 0)),
              ("夜间值守", "1234567", (18, 0), (7, 0))]


class SchoolTemplate:
    """The places, grids, classes and assignments every seeded school has (names vary, shape does not)."""

    def __init__(self):
        self.places: list[PlaceT] = []
        self.grids: list[GridT] = []
        self.classes: list[tuple[str, str, int]] = []  # (grade, name, classroom place)
        self.assignments: list[AssignmentT] = []
        self._build_places()
        self._build_grids()
        for grid in self.grids:
            grid.level = 1 if grid.parent is None else self.grids[grid.parent].level + 1
        self.owner = {}  # place → the (single, deepest) grid covering it
        for grid in self.grids:
            for p in grid.places:
                self.owner[p] = grid.index
        assert set(self.owner) == {p.index for p in self.places}, "every place is in a grid"
        self.key_places = sorted((p.index for p in self.places if p.key), key=lambda i: self.places[i].code)

    def _place(self, parent, kind, name, code, place_type="", key=False, major=False) -> int:
        self.places.append(PlaceT(len(self.places), parent, kind, name, code, place_type, key, major))
        return len(self.places) - 1

    def _build_places(self):
        self.classrooms, self.floors = [], {}
        for letter, floors, rooms in (("A", 3, 8), ("B", 3, 7)):
            building = self._place(None, "building", f"教学楼{letter}", letter, "教学楼")
            for f in range(1, floors + 1):
                floor = self._place(building, "floor", f"{f}层", f"{letter}-{f}F", "楼层")
                self.floors[(letter, f)] = floor
                for r in range(1, rooms + 1):
                    self.classrooms.append(self._place(floor, "room", f"{letter}{f}{r:02d}教室", f"{letter}-{f}{r:02d}",
                                                       "教室"))
        building = self._place(None, "building", "综合楼", "C", "综合楼")
        rooms = {1: [("行政办公室", "办公室", False, False), ("校医室", "校医室", False, False),
                     ("监控室", "监控室", True, False)],
                 2: [("物理实验室", "实验室", False, False), ("化学实验室", "实验室", True, False),
                     ("危化品储存室", "危化品储存室", True, True)],
                 3: [("生物实验室", "实验室", False, False), ("计算机教室", "功能室", False, False),
                     ("图书室", "图书室", False, False)]}
        self.c_rooms = {}
        for f, specs in rooms.items():
            floor = self._place(building, "floor", f"{f}层", f"C-{f}F", "楼层")
            self.floors[("C", f)] = floor
            for r, (name, place_type, key, major) in enumerate(specs, start=1):
                self.c_rooms[name] = self._place(floor, "room", name, f"C-{f}{r:02d}", place_type, key, major)
        canteen = self._place(None, "building", "食堂", "D", "食堂")
        self.canteen = [canteen] + [self._place(canteen, "room", name, f"D-{i:02d}", place_type, True)
                                    for i, (name, place_type) in enumerate(
                                        [("操作间", "操作间"), ("库房", "库房"), ("餐厅", "餐厅")], start=1)]
        self.outdoor = {}
        for letter, area, specs in (
                ("E", "校门区", [("门卫室", "门卫室", True, False), ("校门口", "校门", True, False)]),
                ("F", "运动场", [("田径场", "运动场", False, False), ("篮球场", "运动场", False, False),
                                ("体育器材室", "器材室", False, False)]),
                ("G", "后勤区", [("配电房", "配电房", True, False), ("锅炉房", "锅炉房", True, True),
                                ("消防水泵房", "消防泵房", True, False)])):
            root = self._place(None, "outdoor", area, letter, "室外")
            self.outdoor[area] = [root] + [self._place(root, "room", name, f"{letter}-{i:02d}", place_type, key, major)
                                           for i, (name, place_type, key, major) in enumerate(specs, start=1)]

    def _grid(self, parent, name, kind, places=(), school_class=None, slots=(), duties="") -> int:
        self.grids.append(GridT(len(self.grids), parent, name, kind, list(places), school_class, list(slots), duties))
        return len(self.grids) - 1

    def _assign(self, grid, role, person=None, post=None):
        self.assignments.append(AssignmentT(grid, role, person, post))

    def _build_grids(self):
        a = self._assign
        root = self._grid(None, "学校安全工作领导小组", "leadership",
                          duties="全面负责学校安全工作，每周组织学校安全检查")
        a(root, "first", PRINCIPAL)
        a(root, "direct", VP_SAFETY)
        a(root, "safety_officer", SAFETY_HEAD)
        class_no = 0
        teachers = iter(TEACHERS)
        self.class_grids, self.floor_grids, self.building_grids = [], [], []
        heads = {"A": DEAN, "B": MORAL, "C": OFFICE}
        for letter in ("A", "B", "C"):
            area = next(p for p in self.places if p.code == letter)
            building = self._grid(root, f"{area.name}网格", "building", [area.index],
                                  duties="负责本楼宇的整体安全，每周一检查用电安全")
            self.building_grids.append(building)
            a(building, "building_head", heads[letter])
            for (lt, f), floor_place in self.floors.items():
                if lt != letter:
                    continue
                floor = self._grid(building, f"{area.name}{f}层网格", "floor", [floor_place],
                                   duties="本层消防器材、线路、照明、饮水、栏杆等公共设施，上午、下午各巡查一次")
                self.floor_grids.append(floor)
                crew = [next(teachers) for _ in range(4)]
                a(floor, "grid_head", crew[0])
                for t in crew[1:]:
                    a(floor, "specific", t)
                if letter == "C":
                    names = {1: (["行政办公室", "校医室", "监控室"], "行政办公网格", OFFICE, DOCTOR),
                             2: (["物理实验室", "化学实验室", "危化品储存室"], "实验室网格", PHYSICS_TECH, CHEM_TECH),
                             3: (["生物实验室", "计算机教室", "图书室"], "功能室网格", IT_TEACHER, LIBRARIAN)}[f]
                    rooms, name, head, member = names
                    dept = self._grid(floor, name, "department", [self.c_rooms[r] for r in rooms],
                                      duties="谁使用谁负责：本部室的设施设备、用电和物品存放安全")
                    a(dept, "point_head", head)
                    a(dept, "specific", member)
                    continue
                for room in (p.index for p in self.places if p.parent == floor_place):
                    grade = GRADES[class_no // CLASSES_PER_GRADE]
                    name = f"{class_no % CLASSES_PER_GRADE + 1}班"
                    self.classes.append((grade, name, room))
                    grid = self._grid(floor, f"{grade}{name}", "class", [room], school_class=class_no,
                                      duties="班主任每天早上到校后检查本班教室，班长协助")
                    self.class_grids.append(grid)
                    a(grid, "head_teacher", HEAD_TEACHERS[class_no])
                    a(grid, "monitor")  # a student: filled in per school
                    class_no += 1
        canteen = self._grid(root, "食堂网格", "department", self.canteen,
                             duties="食品安全、燃气和操作间用电安全，每日检查")
        a(canteen, "direct", GENERAL)
        a(canteen, "point_head", CANTEEN_HEAD)
        a(canteen, "specific", post=COOK_POST)
        self.gate_grid = self._grid(root, "校门网格", "outdoor", self.outdoor["校门区"], slots=[4],
                                    duties="门卫值守、来访登记、上下学护学岗和夜间巡逻")
        a(self.gate_grid, "direct", SAFETY_CLERK)
        a(self.gate_grid, "specific", post=GUARD_POST)
        sports = self._grid(root, "运动场网格", "outdoor", self.outdoor["运动场"], duties="运动场地和体育器材安全")
        a(sports, "direct", YOUTH)
        a(sports, "point_head", PE_LEAD)
        works = self._grid(root, "后勤设施网格", "outdoor", self.outdoor["后勤区"], duties="配电房、锅炉房、消防水泵房")
        a(works, "direct", GENERAL)
        a(works, "specific", ELECTRICIAN)
        self.outdoor_grids = [self.gate_grid, sports, works]
        self.time_grids = []
        for slot, leader in ((0, VP), (1, MORAL), (2, DEAN), (3, VP_SAFETY)):
            grid = self._grid(root, f"{TIME_SLOTS[slot][0]}网格", "time_axis", slots=[slot],
                              duties="值班领导负责本时段全校巡查，重点是楼梯口、走廊、厕所和校门")
            self.time_grids.append(grid)
            a(grid, "direct", leader)
            a(grid, "specific", next(teachers))
        self.root = root


# --- checklists ------------------------------------------------------------------------------------

def _custom(key, name, topic, description, items) -> dict:
    rows = []
    for n, (group, text, kind, extra) in enumerate(items, start=1):
        rows.append({"key": f"{key}-{n:02d}", "group": group, "text": text, "kind": kind, **extra})
    return {"key": key, "name": name, "topic": topic, "description": description, "items": rows}


CLASS_CHECKLIST = _custom("class", "班级安全日查表", "buildings", "班主任每天早上到校后检查本班教室，班长协助。", [
    ("教室设施", "门窗、玻璃完好，窗户限位器有效", "pass_fail", {"photo_on_fail": True}),
    ("教室设施", "电器、插座、开关无破损，离开教室时已断电", "pass_fail", {"photo_on_fail": True}),
    ("消防", "教室内灭火器完好，前后门和疏散通道畅通", "pass_fail", {}),
    ("教室设施", "课桌椅、讲台、黑板固定牢靠，无尖角毛刺", "pass_fail", {}),
    ("教室设施", "饮水机、空调、多媒体设备运行正常", "pass_fail", {}),
    ("学生", "学生到校情况", "choice", {"options": ["全部到校", "有请假已核实", "有未到校未核实"],
                                   "fail_options": ["有未到校未核实"], "note_on_fail": True}),
    ("学生", "教室内无管制刀具、易燃易爆等违禁物品", "pass_fail", {"note_on_fail": True}),
    ("学生", "学生身体及情绪状况", "choice", {"options": ["正常", "个别不适已处理", "有异常需跟进"],
                                      "fail_options": ["有异常需跟进"], "note_on_fail": True}),
    ("其他", "其他情况", "text", {}),
])
FLOOR_ITEMS = [
    ("消防", "本层灭火器、消火栓在位完好，压力正常", "pass_fail", {"photo_on_fail": True}),
    ("消防", "安全出口、疏散楼梯畅通，未锁闭、未堆放杂物", "pass_fail", {"major": True, "photo_on_fail": True}),
    ("消防", "应急照明、疏散指示标志完好有效", "pass_fail", {}),
    ("用电", "公共区域电线、插座、开关无裸露破损", "pass_fail", {"photo_on_fail": True}),
    ("设施", "楼梯扶手、走廊栏杆牢固，高度符合要求", "pass_fail", {}),
    ("设施", "走廊、楼梯照明正常，地面无湿滑破损", "pass_fail", {}),
    ("设施", "卫生间、饮水处供水正常，无漏水", "pass_fail", {}),
    ("秩序", "课间走廊、楼梯口秩序", "choice", {"options": ["正常", "有拥挤已疏导", "拥挤推搡无人管理"],
                                        "fail_options": ["拥挤推搡无人管理"], "note_on_fail": True}),
    ("其他", "巡查情况说明", "text", {}),
]
FLOOR_CHECKLIST = _custom("floor", "楼层公共设施巡查表", "fire",
                          "楼层网格员每天上午、下午各巡查一次本层公共设施。", FLOOR_ITEMS)
# The new school year's revision: electric bikes in corridors became a standing item.
FLOOR_CHECKLIST_V2 = _custom("floor", "楼层公共设施巡查表", "fire", "", FLOOR_ITEMS[:-1] + [
    ("消防", "楼道、楼梯间无电动自行车停放或充电", "pass_fail", {"photo_on_fail": True}), FLOOR_ITEMS[-1]])
DUTY_CHECKLIST = _custom("duty", "值班巡查记录表", "other", "值班领导、网格员按时段巡查全校或本区域并记录。", [
    ("值守", "值班人员按时到岗，佩戴值班标识", "pass_fail", {}),
    ("秩序", "楼梯口、走廊、厕所无拥挤推搡、追逐打闹", "pass_fail", {}),
    ("安防", "校园内无外来可疑人员，监控、报警设备正常", "pass_fail", {}),
    ("设施", "巡查区域设施设备无新发现的安全隐患", "pass_fail", {"photo_on_fail": True}),
    ("学生", "学生异常情况", "choice", {"options": ["无异常", "已处理", "需上报"], "fail_options": ["需上报"],
                                  "note_on_fail": True}),
    ("其他", "值班记录", "text", {}),
])
NOTES = ["现场发现问题，已告知责任人", "已拍照留存，待总务处维修", "已设置警示标识", "已报告网格长", "已通知班主任跟进",
         "已临时处置，需进一步整改", "已联系维保单位", "已登记并上报安全办"]


@dataclass
class VersionT:
    """One published checklist version: its items and answers prepared once for every school."""

    checklist: int
    number: int
    published: datetime.date
    items: list  # unsaved ChecklistItem objects (validated)
    passing: list[tuple[dict, str]] = field(default_factory=list)  # zero-report answers: (dict, json)
    major: list = field(default_factory=list)
    ordinary: list = field(default_factory=list)


def _sample_value(item, rng: random.Random, failing: bool) -> str:
    lo, hi = item.min_value, item.max_value
    whole = all(v is None or v == v.to_integral_value() for v in (lo, hi))
    if failing:
        step = Decimal(1) if whole else Decimal("0.03")
        return str(lo - step * rng.randint(1, 3)) if lo is not None else str(hi + step * rng.randint(1, 3))
    if lo is not None and hi is not None:
        span = hi - lo
        value = lo + span * Decimal(rng.randint(1, 4)) / 10 if span else lo
    elif lo is not None:
        value = lo + (abs(lo) or 1) * Decimal(rng.randint(0, 5)) / 10
    else:
        value = hi - (abs(hi) or 1) * Decimal(rng.randint(0, 5)) / 10
    return str(value.quantize(Decimal(1)) if whole else value.quantize(Decimal("0.01")))


def answer(item, rng: random.Random, failing: bool) -> str:
    """A raw answer as a phone would send it (evaluated like a submission before it is stored)."""
    if item.kind == "pass_fail":
        return "fail" if failing else ("na" if rng.random() < 0.02 else "pass")
    if item.kind == "choice":
        good = [o for o in item.options if o not in item.fail_options]
        return rng.choice(item.fail_options) if failing else (good[0] if rng.random() < 0.9 else rng.choice(good))
    if item.kind == "number":
        return _sample_value(item, rng, failing)
    return "无异常" if rng.random() < 0.1 else ""


def build_version(checklist: int, number: int, published: datetime.date, data: dict) -> VersionT:
    from inspections.checklists import build_items, item_from_standard
    from inspections.models import ChecklistVersion

    items = build_items(ChecklistVersion(), [item_from_standard(i) for i in data["items"]])
    version = VersionT(checklist, number, published, items)
    rng = random.Random(f"answers/{data['key']}/{number}")
    for _ in range(24):
        answers = {}
        for item in items:
            value, failed = item.evaluate(answer(item, rng, False))
            assert not failed
            if value:
                answers[item.key] = value
        version.passing.append((answers, json.dumps(answers, ensure_ascii=False, separators=(",", ":"))))
    version.major = [i for i in items if i.kind != "text" and i.is_major]
    version.ordinary = [i for i in items if i.kind != "text" and not i.is_major]
    return version


# --- schedules ---------------------------------------------------------------------------------------

@dataclass
class ScheduleT:
    name: str
    checklist: str  # checklist key
    cadence: str
    targets: list[tuple[int, int | None]]  # (grid, place)
    roles: str = ""
    weekdays: str = ""
    nth: int | None = None
    weekday: int | None = None
    times_per_term: int = 1
    per_window: int = 1
    day_rule: str = "school_days"
    window: tuple[tuple[int, int], tuple[int, int]] | None = None
    grid_kind: str = ""
    grids: list[int] = field(default_factory=list)
    places: list[int] = field(default_factory=list)
    key_locations: bool = False
    by_safety_office: bool = False  # done by the safety office rather than the grid's own people

    def __post_init__(self):
        self.role_set = frozenset(r for r in self.roles.split(",") if r)


def schedules(t: SchoolTemplate) -> list[ScheduleT]:
    def by_kind(kind):
        return [(g.index, None) for g in t.grids if g.kind == kind]

    def at(places):
        return [(t.owner[p], p) for p in sorted(places, key=lambda p: t.places[p].code)]

    labs = [t.c_rooms[n] for n in ("物理实验室", "化学实验室", "危化品储存室", "生物实验室")]
    gate_room, gate = t.outdoor["校门区"][1], t.outdoor["校门区"][2]
    return [
        ScheduleT("班级安全日查", "class", "daily", by_kind("class"), roles="head_teacher", grid_kind="class",
                  window=((7, 30), (8, 20))),
        ScheduleT("楼层公共设施巡查", "floor", "daily", by_kind("floor"), grid_kind="floor", per_window=2),
        ScheduleT("室外区域巡查", "duty", "daily", by_kind("outdoor"), grid_kind="outdoor", per_window=2),
        ScheduleT("时段值班巡查", "duty", "daily", by_kind("time_axis"), grid_kind="time_axis", per_window=2),
        ScheduleT("食堂每日检查", "canteen", "daily", at(t.canteen[1:]), places=t.canteen[1:],
                  window=((10, 0), (11, 30))),
        ScheduleT("门卫每日检查", "gate", "daily", at([gate_room]), places=[gate_room], roles="specific",
                  day_rule="all_days", window=((7, 0), (8, 0))),
        ScheduleT("护学岗交通检查", "surroundings", "daily", at([gate]), places=[gate], roles="direct,specific",
                  per_window=2),
        ScheduleT("每周用电安全检查", "electricity", "weekdays", by_kind("building"), weekdays="1",
                  grid_kind="building", roles="building_head", window=((14, 0), (17, 0))),
        ScheduleT("实验室及危化品每周检查", "laboratory", "weekdays", at(labs), weekdays="3", places=labs,
                  window=((14, 0), (17, 0))),
        ScheduleT("学校每周安全检查", "buildings", "weekdays", [(t.root, None)], weekdays="5", grids=[t.root],
                  roles="first,direct,safety_officer", window=((14, 30), (17, 0))),
        ScheduleT("每月消防安全检查日", "fire", "monthly_nth", at(t.key_places), nth=1, weekday=2,
                  key_locations=True, window=((14, 0), (17, 30)), by_safety_office=True),
        ScheduleT("自然灾害防范月查", "disasters", "monthly_nth", by_kind("outdoor"), nth=-1, weekday=5,
                  grid_kind="outdoor"),
        ScheduleT("重点部位每学期两次检查", "buildings", "per_term", at(t.key_places), times_per_term=2,
                  key_locations=True, by_safety_office=True),
        ScheduleT("集体活动安全检查", "activities", "per_term", [(t.root, None)], times_per_term=2, grids=[t.root],
                  roles="direct,safety_officer"),
    ]


# --- the calendar ------------------------------------------------------------------------------------

def calendar_rows(start: datetime.date, today: datetime.date):
    """Terms and holidays of every school year that touches [start, today] (the district's calendar;
    the dates follow the usual pattern, not a particular year's official notice)."""
    first = start.year - 1 if start.month < 8 else start.year
    last = today.year - 1 if today.month < 8 else today.year
    terms, holidays = [], []
    for y in range(first, last + 1):
        terms += [(f"{y}-{y + 1}学年第一学期", datetime.date(y, 9, 1), datetime.date(y + 1, 1, 23)),
                  (f"{y}-{y + 1}学年第二学期", datetime.date(y + 1, 2, 23), datetime.date(y + 1, 7, 3))]
        make_up = datetime.date(y, 10, 8)
        while make_up.isoweekday() != 6:
            make_up += ONE_DAY
        holidays += [("国庆节", "holiday", datetime.date(y, 10, 1), datetime.date(y, 10, 7)),
                     ("国庆调休上课", "workday", make_up, make_up),
                     ("元旦", "holiday", datetime.date(y + 1, 1, 1), datetime.date(y + 1, 1, 3)),
                     ("清明节", "holiday", datetime.date(y + 1, 4, 4), datetime.date(y + 1, 4, 6)),
                     ("劳动节", "holiday", datetime.date(y + 1, 5, 1), datetime.date(y + 1, 5, 5)),
                     ("端午节", "holiday", datetime.date(y + 1, 6, 19), datetime.date(y + 1, 6, 21))]
    return terms, holidays


def school_year_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year if day.month >= 8 else day.year - 1, 9, 1)


# --- bulk writing ------------------------------------------------------------------------------------

class Table:
    """A table written in bulk: its columns in a fixed order (every concrete field, checked), the rows
    waiting to be written and the next id to give out."""

    def __init__(self, model, fields: str):
        meta = model._meta
        names = fields.split()
        by_name = {f.attname: f for f in meta.concrete_fields}
        if set(names) != set(by_name) or len(names) != len(by_name):
            raise ImproperlyConfigured(f"seed: {meta.label} has fields {sorted(by_name)}, the seed writes {names}")
        self.model = model
        self.fields = [by_name[n] for n in names]
        self.name = meta.db_table
        self.columns = [f.column for f in self.fields]
        self.rows: list[tuple] = []
        self.written = 0
        self.next_id = 1

    def take(self) -> int:
        self.next_id += 1
        return self.next_id - 1


def tables() -> dict[str, Table]:
    from campus.models import Place
    from grids.models import Assignment, Grid, TimeSlot
    from hazards.models import Hazard, HazardEvent
    from inspections.models import (
        Checklist,
        ChecklistItem,
        ChecklistVersion,
        Finding,
        Holiday,
        Inspection,
        Schedule,
        Term,
    )
    from orgs.models import Membership, Organisation, User
    from people.models import Person, Post, PostHolding, SchoolClass

    spec = {
        "org": (Organisation, "id name code kind parent_id path depth address phone is_boarding created_at updated_at"),
        "user": (User, "id password last_login is_superuser username first_name last_name email is_staff is_active "
                       "date_joined name phone language must_change_password password_changed_at"),
        "membership": (Membership, "id user_id organisation_id role created_at"),
        "place": (Place, "id organisation_id parent_id kind name code place_type is_key_location is_major_hazard "
                         "qr_token notes"),
        "person": (Person, "id organisation_id name staff_no category department title phone status left_on user_id"),
        "post": (Post, "id organisation_id name description"),
        "holding": (PostHolding, "id organisation_id post_id person_id start end"),
        "class": (SchoolClass, "id organisation_id grade name classroom_id"),
        "slot": (TimeSlot, "id organisation_id name weekdays start_time end_time"),
        "grid": (Grid, "id organisation_id parent_id name kind level school_class_id duties"),
        "grid_place": (Grid.places.through, "id grid_id place_id"),
        "grid_slot": (Grid.time_slots.through, "id grid_id timeslot_id"),
        "assignment": (Assignment, "id organisation_id grid_id person_id post_id role start end handed_over_from_id"),
        "checklist": (Checklist, "id organisation_id name topic description standard_key current_version_id "
                                 "is_active"),
        "version": (ChecklistVersion, "id organisation_id checklist_id number created_at created_by_id note"),
        "item": (ChecklistItem, "id version_id position key group text guidance kind unit min_value max_value "
                                "options fail_options is_major photo_on_fail note_on_fail"),
        "term": (Term, "id organisation_id name start end"),
        "holiday": (Holiday, "id organisation_id name kind start end"),
        "schedule": (Schedule, "id organisation_id name checklist_id cadence weekdays nth weekday times_per_term "
                               "per_window day_rule time_from time_to grid_kind key_locations roles start end "
                               "is_active"),
        "schedule_grid": (Schedule.grids.through, "id schedule_id grid_id"),
        "schedule_place": (Schedule.places.through, "id schedule_id place_id"),
        "inspection": (Inspection, "id organisation_id client_id schedule_id version_id grid_id place_id on_date "
                                   "inspector_id submitted_by_id device_time received_at answers notes failed_count "
                                   "major_count remark check_in_id"),
        "finding": (Finding, "id organisation_id inspection_id item_id grid_id place_id on_date answer note is_major"),
        "hazard": (Hazard, "id organisation_id place_id grid_id topic grade risk_colour source description "
                           "finding_id found_by_id found_at reported_by_id state level responsible_id deadline "
                           "measures funds contingency_plan fixed_by_id fixed_at fix_note verified_by_id "
                           "verified_at rejection_reason escalation_reason government_reference is_overdue "
                           "left_overnight version updated_at"),
        "event": (HazardEvent, "id organisation_id hazard_id action from_state to_state actor_id actor_name at "
                               "reason"),
    }
    return {key: Table(model, fields) for key, (model, fields) in spec.items()}


# Rows a school adds to each table, roughly: decides which tables load faster without their indexes.
ROWS_PER_SCHOOL = {"inspection": 15500, "event": 2500, "hazard": 700, "finding": 700, "person": 1650}


class Writer:
    """Writes rows: COPY on PostgreSQL (inside the caller's transaction), executemany on SQLite."""

    BATCH = 5000

    def __init__(self, tables: dict[str, Table]):
        self.tables = tables
        self.postgres = connection.vendor == "postgresql"
        self.cursor = connection.cursor()
        self._converters = {}

    def add(self, table: str, row: tuple) -> None:
        self.tables[table].rows.append(row)

    def flush(self, min_rows: int = 0) -> None:
        for table in self.tables.values():
            if table.rows and len(table.rows) >= min_rows:
                rows, table.rows = table.rows, []
                self.write(table, rows)

    def write(self, table: Table, rows) -> int:
        """Write an iterable of rows (consumed as it is written: a generator streams into COPY)."""
        count = 0
        if self.postgres:
            columns = ", ".join(f'"{c}"' for c in table.columns)
            with self.cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            convert = self._converter(table)
            sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(
                table.name, ", ".join(f'"{c}"' for c in table.columns), ", ".join(["%s"] * len(table.columns)))
            batch = []
            for row in rows:
                batch.append(tuple(f(v) for f, v in zip(convert, row, strict=True)))
                if len(batch) >= self.BATCH:
                    self.cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                self.cursor.executemany(sql, batch)
                count += len(batch)
        table.written += count
        return count

    def _converter(self, table: Table):
        """SQLite: each value as Django would store it (UUIDs as hex, aware datetimes as UTC text...);
        JSON is built as text already."""
        if table.name not in self._converters:
            def prep(f):
                if isinstance(f, models.JSONField):
                    return lambda v: v
                return lambda v: None if v is None else f.get_db_prep_save(v, connection)

            self._converters[table.name] = [prep(f) for f in table.fields]
        return self._converters[table.name]


# --- PostgreSQL bulk mode -------------------------------------------------------------------------------

def _pg_secondary(cursor, table: str) -> tuple[list[str], list[str]]:
    """(drop statements, re-create statements) for a table's foreign keys, unique constraints and indexes,
    its primary key aside. Unique constraints other foreign keys depend on are kept."""
    drops, creates = [], []
    cursor.execute("""
        SELECT c.conname, pg_get_constraintdef(c.oid), c.contype FROM pg_constraint c
        WHERE c.conrelid = %s::regclass AND c.contype IN ('f', 'u')
          AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid
                          AND c.contype = 'u')
        ORDER BY c.contype DESC, c.conname""", [table])
    constraints = cursor.fetchall()
    for name, definition, _kind in constraints:
        drops.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        creates.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("""
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = %s AND i.schemaname = current_schema()
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.conname = i.indexname)
        ORDER BY i.indexname""", [table, table])
    for name, definition in cursor.fetchall():
        drops.append(f'DROP INDEX "{name}"')
        creates.append(definition)
    # Unique constraints first (their indexes), then plain indexes, foreign keys last (they validate).
    creates.sort(key=lambda s: 2 if "FOREIGN KEY" in s else (0 if "UNIQUE" in s else 1))
    return drops, creates


# --- the run -------------------------------------------------------------------------------------------

@dataclass
class Options:
    schools: int
    days: int
    today: datetime.date = DEFAULT_TODAY
    seed: int = DEFAULT_SEED
    bureau_code: str = DEFAULT_BUREAU_CODE
    bureau_name: str = ""
    user_prefix: str = "d"
    password: str = DEFAULT_PASSWORD
    replace: bool = False
    rollups: bool = True
    bulk_rows: int = 100_000  # a table getting at least this many rows (and more than it has) loads unindexed


@dataclass
class Result:
    bureau_id: int = 0
    school_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)
    start: datetime.date | None = None
    end: datetime.date | None = None


class SeedError(Exception):
    pass


class District:
    """What every school shares: the template, the calendar, checklist versions, schedules and their
    task windows (the same district calendar gives every school the same windows)."""

    def __init__(self, options: Options):
        from inspections.cadence import SchoolCalendar, days, windows
        from inspections.checklists import standard_checklists
        from inspections.models import Schedule

        self.options = options
        self.today = options.today
        self.end = options.today - ONE_DAY
        self.start = options.today - datetime.timedelta(days=options.days)
        self.now = datetime.datetime.combine(options.today, datetime.time(8, 0), tzinfo=TZ)
        self.template = t = SchoolTemplate()
        self.terms, self.holidays = calendar_rows(self.start, self.today)
        holidays, workdays = set(), set()
        for _name, kind, lo, hi in self.holidays:
            (workdays if kind == "workday" else holidays).update(days(lo, hi))
        self.calendar = SchoolCalendar(terms=[(lo, hi) for _n, lo, hi in self.terms], holidays=holidays,
                                       workdays=workdays)
        self.assignments_start = school_year_start(self.start)

        # Checklists: the shipped standard ones plus the school's own class, floor and duty lists.
        self.checklists = [dict(c) for c in standard_checklists()] + [CLASS_CHECKLIST, FLOOR_CHECKLIST,
                                                                     DUTY_CHECKLIST]
        self.checklist_index = {c["key"]: i for i, c in enumerate(self.checklists)}
        self.versions = [build_version(i, 1, self.start, c) for i, c in enumerate(self.checklists)]
        # The floor list is revised at the start of the new school year, or halfway through a short run.
        revised = school_year_start(self.end)
        if not self.start < revised <= self.end:
            revised = self.start + datetime.timedelta(days=max(1, options.days // 2))
        self.floor_v2_from = revised
        if revised <= self.end:
            self.versions.append(build_version(self.checklist_index["floor"], 2, revised, FLOOR_CHECKLIST_V2))
        self.current = {}  # checklist → its newest version (index into self.versions)
        for i, v in enumerate(self.versions):
            self.current[v.checklist] = i

        self.schedules = schedules(t)
        self.day_tasks: dict[datetime.date, list] = {}  # day → [(schedule, target, required)]
        # Windows of several days (N times a term): (schedule, target, window, its days so far, their share).
        self.long_tasks: list = []
        self.day_is_school = {d: self.calendar.is_school_day(d) for d in days(self.start, self.end)}
        for s_index, spec in enumerate(self.schedules):
            schedule = Schedule(cadence=spec.cadence, weekdays=spec.weekdays, nth=spec.nth, weekday=spec.weekday,
                                times_per_term=spec.times_per_term, per_window=spec.per_window,
                                day_rule=spec.day_rule, start=self.start, end=None)
            for window in windows(schedule, self.calendar, self.start, self.end):
                counted = [day for day in days(window.start, window.end) if self.calendar.counts(day, spec.day_rule)]
                past = [day for day in counted if day <= self.end]
                for target in range(len(spec.targets)):
                    if window.start == window.end:
                        self.day_tasks.setdefault(window.start, []).append((s_index, target, window.required))
                    elif past:
                        # A window still open today is done by now in proportion to the part that has passed.
                        self.long_tasks.append((s_index, target, window, past, len(past) / len(counted)))
        self.days = list(days(self.start, self.end))

    def version_on(self, checklist: int, day: datetime.date) -> int:
        if checklist == self.checklist_index["floor"] and len(self.versions) > len(self.checklists) and (
                day >= self.floor_v2_from):
            return len(self.versions) - 1
        return checklist  # version 1 of checklist i is self.versions[i]


def _at(day: datetime.date, minute: int, second: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, minute // 60, minute % 60, second, tzinfo=TZ)


# --- one school -------------------------------------------------------------------------------------------

class School:
    """One school's rows: static ones (campus, people, grids, calendar, checklists, schedules) and its
    history (inspections, findings, hazards and their events)."""

    def __init__(self, district: District, writer: Writer, number: int, org_id: int, users: dict[str, int],
                 bureau_admin: tuple[int, str]):
        self.d = district
        self.tables = writer.tables
        self.number = number
        self.org = org_id
        self.users = users  # "safety"/"leader" → user id
        self.bureau_admin = bureau_admin
        self.rng = random.Random(f"{district.options.seed}/school/{number}")
        self.client_prefix = str(uuid.uuid5(NAMESPACE, f"{district.options.bureau_code}/{number}"))[:24]
        self.inspection_no = 0

    # --- static rows -------------------------------------------------------------------------------------
    def build(self) -> None:
        d, t, rng, org, take = self.d, self.d.template, self.rng, self.org, self._take

        self.place_ids = [take("place") for _ in t.places]
        token_ns = uuid.uuid5(NAMESPACE, f"{d.options.bureau_code}/{self.number}/places")
        for p in t.places:
            token = uuid.uuid5(token_ns, p.code).hex[:22]
            self._add("place", (self.place_ids[p.index], org, self._id(self.place_ids, p.parent), p.kind, p.name,
                                p.code, p.place_type, p.key, p.major, token, ""))

        # People: the staff, the successors the handovers bring, then the students class by class.
        titles = staff_titles()
        handovers = self._plan_handovers()
        self.staff_ids = [take("person") for _ in range(STAFF_COUNT + len(handovers))]
        self.names = [self._name() for _ in self.staff_ids]
        self.names[PRINCIPAL], self.names[SAFETY_HEAD] = leader_names(d.options.seed, self.number)
        left = {h["from_person"]: h["day"] for h in handovers}
        links = {PRINCIPAL: self.users.get("leader"), SAFETY_HEAD: self.users.get("safety")}
        for i, pid in enumerate(self.staff_ids):
            title, department, category = titles[i] if i < STAFF_COUNT else handovers[i - STAFF_COUNT]["title"]
            phone = f"1{rng.choice('3579')}{rng.randrange(10 ** 9):09d}"
            status, left_on = ("left", left[i]) if i in left else ("active", None)
            self._add("person", (pid, org, self.names[i], f"T{i + 1:04d}", category, department, title, phone, status,
                                 left_on, links.get(i)))
        self.monitors = []
        student_no = 0
        for grade, name, _room in t.classes:
            for k in range(rng.randrange(*STUDENTS_PER_CLASS)):
                pid = take("person")
                if k == 0:
                    self.monitors.append(pid)
                student_no += 1
                self._add("person", (pid, org, self._name(), f"S{student_no:05d}", "student", f"{grade}{name}", "学生",
                                     "", "active", None, None))

        self.class_ids = [take("class") for _ in t.classes]
        for c, (grade, name, room) in enumerate(t.classes):
            self._add("class", (self.class_ids[c], org, grade, name, self.place_ids[room]))
        self.post_ids = [take("post") for _ in POSTS]
        self.holdings = {p: [] for p in range(len(POSTS))}  # post → [(start, end, staff index)]
        for p, (name, duties, holders) in enumerate(POSTS):
            self._add("post", (self.post_ids[p], org, name, duties))
            for s in holders:
                self.holdings[p].append([d.assignments_start, None, s])
        self.slot_ids = [take("slot") for _ in TIME_SLOTS]
        for s, (name, weekdays, (h1, m1), (h2, m2)) in enumerate(TIME_SLOTS):
            self._add("slot", (self.slot_ids[s], org, name, weekdays, datetime.time(h1, m1), datetime.time(h2, m2)))

        self.grid_ids = [take("grid") for _ in t.grids]
        for g in t.grids:
            gid = self.grid_ids[g.index]
            self._add("grid", (gid, org, self._id(self.grid_ids, g.parent), g.name, g.kind, g.level,
                               self._id(self.class_ids, g.school_class), g.duties))
            for p in g.places:
                self._add("grid_place", (take("grid_place"), gid, self.place_ids[p]))
            for s in g.slots:
                self._add("grid_slot", (take("grid_slot"), gid, self.slot_ids[s]))

        # Assignments, with the handovers: the old holder up to the day, the successor from the next.
        self.grid_holders = {g.index: [] for g in t.grids}  # grid → [(role, start, end, staff index | -post-1)]
        monitor_of = {g.index: self.monitors[g.school_class] for g in t.grids if g.school_class is not None}
        by_assignment = {h["assignment"]: h for h in handovers if h["assignment"] is not None}
        for a_index, a in enumerate(t.assignments):
            aid = take("assignment")
            person = None if a.person is None else self.staff_ids[a.person]
            if a.role == "monitor":
                person = monitor_of[a.grid]
            post = None if a.post is None else self.post_ids[a.post]
            handover = by_assignment.get(a_index)
            end = handover["day"] if handover else None
            self._add("assignment", (aid, org, self.grid_ids[a.grid], person, post, a.role, d.assignments_start, end,
                                     None))
            holder = a.person if a.person is not None else (-a.post - 1 if a.post is not None else None)
            if holder is not None:
                self.grid_holders[a.grid].append((a.role, d.assignments_start, end, holder))
            if handover:
                successor = STAFF_COUNT + handovers.index(handover)
                self._add("assignment", (take("assignment"), org, self.grid_ids[a.grid], self.staff_ids[successor],
                                         None, a.role, handover["day"] + ONE_DAY, None, aid))
                self.grid_holders[a.grid].append((a.role, handover["day"] + ONE_DAY, None, successor))
        for h in handovers:
            if h["assignment"] is None:  # a guard's post holding
                post, holding = h["post"], self.holdings[h["post"]][h["holding"]]
                holding[1] = h["day"]
                self.holdings[post].append([h["day"] + ONE_DAY, None, STAFF_COUNT + handovers.index(h)])
        for p, rows in self.holdings.items():
            for start, end, s in rows:
                self._add("holding", (take("holding"), org, self.post_ids[p], self.staff_ids[s], start, end))

        for name, start, end in d.terms:
            self._add("term", (take("term"), org, name, start, end))
        for name, kind, start, end in d.holidays:
            self._add("holiday", (take("holiday"), org, name, kind, start, end))

        # Checklists and their versions; items as the app publishes them.
        self.checklist_ids = [take("checklist") for _ in d.checklists]
        self.version_ids = [take("version") for _ in d.versions]
        self.item_ids = []
        safety_user = self.users.get("safety")
        for v_index, v in enumerate(d.versions):
            vid = self.version_ids[v_index]
            published = datetime.datetime.combine(v.published, datetime.time(8, 0), tzinfo=TZ)
            note = "复制自标准排查表" if v.number == 1 else "新学年修订：增加电动自行车检查项"
            self._add("version", (vid, org, self.checklist_ids[v.checklist], v.number, published, safety_user, note))
            ids = {}
            for item in v.items:
                iid = take("item")
                ids[item.key] = iid
                self._add("item", (iid, vid, item.position, item.key, item.group, item.text, item.guidance, item.kind,
                                   item.unit, item.min_value, item.max_value,
                                   json.dumps(item.options, ensure_ascii=False),
                                   json.dumps(item.fail_options, ensure_ascii=False), item.is_major,
                                   item.photo_on_fail, item.note_on_fail))
            self.item_ids.append(ids)
        for c_index, c in enumerate(d.checklists):
            self._add("checklist", (self.checklist_ids[c_index], org, c["name"], c["topic"], c.get("description", ""),
                                    c["key"] if c_index < len(d.checklists) - 3 else "",
                                    self.version_ids[d.current[c_index]], True))

        self.schedule_ids = [take("schedule") for _ in d.schedules]
        for s_index, s in enumerate(d.schedules):
            sid = self.schedule_ids[s_index]
            (h1, m1), (h2, m2) = s.window or ((None, None), (None, None))
            self._add("schedule", (sid, org, s.name, self.checklist_ids[d.checklist_index[s.checklist]], s.cadence,
                                   s.weekdays, s.nth, s.weekday, s.times_per_term, s.per_window, s.day_rule,
                                   datetime.time(h1, m1) if s.window else None,
                                   datetime.time(h2, m2) if s.window else None, s.grid_kind, s.key_locations,
                                   s.roles, d.start, None, True))
            for g in s.grids:
                self._add("schedule_grid", (take("schedule_grid"), sid, self.grid_ids[g]))
            for p in s.places:
                self._add("schedule_place", (take("schedule_place"), sid, self.place_ids[p]))

    def _plan_handovers(self) -> list[dict]:
        """3–6 changes of staff in the period: a head teacher, floor or building head, or a guard leaves and
        a new colleague takes over from the next day."""
        d, t, rng = self.d, self.d.template, self.rng
        span = (d.end - d.start).days
        if span < 10:
            return []
        candidates = [i for i, a in enumerate(t.assignments)
                      if a.role in ("head_teacher", "grid_head", "building_head") and a.person is not None]
        chosen = rng.sample(candidates, rng.randint(2, 5))
        plans = []
        titles = staff_titles()
        for a_index in chosen:
            a = t.assignments[a_index]
            day = d.start + datetime.timedelta(days=rng.randrange(3, span - 3))
            plans.append({"assignment": a_index, "from_person": a.person, "day": day, "title": titles[a.person]})
        guard = rng.randrange(len(GUARDS))
        plans.append({"assignment": None, "post": GUARD_POST, "holding": guard, "from_person": GUARDS[guard],
                      "day": d.start + datetime.timedelta(days=rng.randrange(3, span - 3)),
                      "title": titles[GUARDS[guard]]})
        return sorted(plans, key=lambda h: (h["day"], h["from_person"]))

    # --- history --------------------------------------------------------------------------------------------
    def history(self):
        """Inspections, day by day (a generator: streamed into COPY); findings, hazards and events are
        added to the writer's buffers on the way."""
        d, t, rng = self.d, self.d.template, self.rng
        total_days = max(1, len(d.days))
        # How diligent this school is, and each person: completion varies by school and inspector.
        base = min(0.975, max(0.8, rng.gauss(0.915, 0.035)))
        self.fail_rate = min(0.06, max(0.025, rng.gauss(0.04, 0.008)))
        person_factor = {}
        long_done = {}
        for s_index, target, window, counted, share in d.long_tasks:
            if rng.random() < base * min(1.0, share * 1.3):
                long_done.setdefault(rng.choice(counted), []).append((s_index, target, window.required))
        for n, day in enumerate(d.days):
            trend = 0.03 * (n / total_days - 0.5)  # schools get a little better over the year
            tasks = d.day_tasks.get(day, [])
            for s_index, target, required in tasks + long_done.get(day, []):
                spec = d.schedules[s_index]
                grid, place = spec.targets[target]
                for k in range(required):
                    inspector = self._inspector(spec, grid, day)
                    factor = person_factor.get(inspector)
                    if factor is None:
                        roll = rng.random()
                        factor = person_factor[inspector] = 0.86 if roll < 0.1 else (1.04 if roll > 0.9 else 1.0)
                    if rng.random() < min(0.995, (base + trend) * factor):
                        yield self._inspection(day, s_index, spec, grid, place, inspector, k, required)
            if d.day_is_school[day] and rng.random() < 0.6:
                # An unplanned check (不定期) by the safety office at a key location.
                place = rng.choice(t.key_places)
                yield self._inspection(day, None, None, t.owner[place], place, rng.choice((SAFETY_HEAD, SAFETY_CLERK)),
                                       0, 1)

    def _inspector(self, spec: ScheduleT, grid: int, day: datetime.date) -> int | None:
        if spec.by_safety_office:
            return SAFETY_HEAD if self.rng.random() < 0.5 else SAFETY_CLERK
        return self.holder(grid, day, spec.role_set)

    def holder(self, grid: int, day: datetime.date, roles: frozenset = frozenset()) -> int | None:
        """A person answering for the grid on the day in one of the roles (staff index), as Plan would."""
        people = []
        for role, start, end, holder in self.grid_holders[grid]:
            if start <= day and (end is None or day <= end) and (not roles or role in roles):
                if holder >= 0:
                    people.append(holder)
                else:
                    people += [s for lo, hi, s in self.holdings[-holder - 1] if lo <= day and (hi is None or day <= hi)]
        if not people:
            return None
        return people[0] if len(people) == 1 else self.rng.choice(people)

    def _inspection(self, day, s_index, spec, grid, place, inspector, k, required):
        d, rng = self.d, self.rng
        if spec is None:
            checklist = d.checklist_index[rng.choice(("fire", "buildings", "electricity"))]
            minute = rng.randrange(9 * 60, 16 * 60)
        else:
            checklist = d.checklist_index[spec.checklist]
            if spec.window:
                (h1, m1), (h2, m2) = spec.window
                minute = rng.randrange(h1 * 60 + m1, h2 * 60 + m2)
            elif required > 1:
                minute = rng.randrange(8 * 60, 11 * 60 + 30) if k == 0 else rng.randrange(14 * 60, 17 * 60)
            else:
                minute = rng.randrange(8 * 60, 17 * 60)
        v_index = d.version_on(checklist, day)
        version = d.versions[v_index]
        device_time = _at(day, minute, rng.randrange(60))
        delay = rng.randrange(1, 40) if rng.random() < 0.97 else rng.randrange(600, 4 * 3600)  # offline now and then
        received = device_time + datetime.timedelta(seconds=delay)
        self.inspection_no += 1
        iid = self.tables["inspection"].take()
        answers, answers_json = version.passing[rng.randrange(len(version.passing))]
        notes_json, failed, major = "{}", 0, 0
        if rng.random() < self.fail_rate:
            failing = self._failing(version)
            answers = dict(answers)
            notes = {}
            for item in failing:
                value, is_failed = item.evaluate(answer(item, rng, True))
                assert is_failed
                answers[item.key] = value
                if item.note_on_fail or rng.random() < 0.5:
                    notes[item.key] = rng.choice(NOTES)
            answers_json = json.dumps(answers, ensure_ascii=False, separators=(",", ":"))
            notes_json = json.dumps(notes, ensure_ascii=False, separators=(",", ":"))
            failed, major = len(failing), sum(1 for i in failing if i.is_major)
            self._findings(iid, v_index, version, failing, answers, notes, grid, place, day, inspector, device_time,
                           checklist)
        person = None if inspector is None else self.staff_ids[inspector]
        submitted_by = {PRINCIPAL: self.users.get("leader"), SAFETY_HEAD: self.users.get("safety")}.get(inspector)
        place_id = None if place is None else self.place_ids[place]
        if place is None and self.d.template.grids[grid].places and spec is not None and rng.random() < 0.7:
            # Opened from the QR plate of the grid's place (a classroom, a floor, an area).
            place_id = self.place_ids[self.d.template.grids[grid].places[0]]
        return (iid, self.org, f"{self.client_prefix}{self.inspection_no:012x}",
                None if s_index is None else self.schedule_ids[s_index], self.version_ids[v_index],
                self.grid_ids[grid], place_id, day, person, submitted_by, device_time, received, answers_json,
                notes_json, failed, major, "", None)

    def _failing(self, version: VersionT) -> list:
        rng = self.rng
        if version.major and rng.random() < 0.025:
            return [rng.choice(version.major)]
        count = 1 if rng.random() < 0.85 else (2 if rng.random() < 0.8 else 3)
        return rng.sample(version.ordinary, min(count, len(version.ordinary)))

    def _findings(self, iid, v_index, version, failing, answers, notes, grid, place, day, inspector, device_time,
                  checklist):
        from hazards.choices import FROM_CHECKLIST_TOPIC

        topic = FROM_CHECKLIST_TOPIC.get(self.d.checklists[checklist]["topic"], "other")
        place_id = None if place is None else self.place_ids[place]
        for item in failing:
            fid = self.tables["finding"].take()
            with translation.override("zh-hans"):
                label = item.answer_label(answers[item.key])[:60]
            note = notes.get(item.key, "")
            self._add("finding", (fid, self.org, iid, self.item_ids[v_index][item.key], self.grid_ids[grid], place_id,
                                  day, label, note, item.is_major))
            description = item.text + (f"：{note}" if note else f"（{label}）")
            self._hazard(fid, grid, place_id, topic, item.is_major, description, inspector, device_time)

    # --- hazards ----------------------------------------------------------------------------------------------
    def _hazard(self, finding_id, grid, place_id, topic, is_major, description, inspector, found_at):
        reporter = {PRINCIPAL: self.users.get("leader"), SAFETY_HEAD: self.users.get("safety")}.get(inspector)
        h = HazardStory(self, grid, is_major, inspector, reporter, found_at)
        h.play()
        hid = self.tables["hazard"].take()
        colour = ("red" if self.rng.random() < 0.5 else "orange") if is_major else self.rng.choice(
            ("yellow", "blue", "blue", ""))
        self._add("hazard", (
            hid, self.org, place_id, self.grid_ids[h.grid], topic, "major" if is_major else "general", colour,
            "inspection", description, finding_id, None if inspector is None else self.staff_ids[inspector],
            found_at, reporter, h.state, h.level, h.responsible, h.deadline, h.measures, h.funds, h.contingency,
            None, h.fixed_at, h.fix_note, h.verified_by, h.verified_at, h.rejection_reason, h.escalation_reason,
            h.government_reference, h.is_overdue, h.left_overnight, h.version, h.updated_at))
        for action, from_state, to_state, actor, actor_name, at, reason in h.events:
            self._add("event", (self.tables["event"].take(), self.org, hid, action, from_state, to_state, actor,
                                actor_name[:150], at, reason))

    # --- helpers ------------------------------------------------------------------------------------------------
    def _take(self, table: str) -> int:
        return self.tables[table].take()

    def _add(self, table: str, row: tuple) -> None:
        self.tables[table].rows.append(row)

    @staticmethod
    def _id(ids: list[int], index: int | None) -> int | None:
        return None if index is None else ids[index]

    def _name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given


def _days(start, end):
    day = start
    while day <= end:
        yield day
        day += ONE_DAY


MEASURES = ["立即维修更换，整改前设置警示标识", "联系维保单位检修，期间安排专人看护", "清理通道杂物，落实每日检查",
            "更换损坏器材，补充配置", "加固处理，暂停使用相关设施"]
FIX_NOTES = ["已按要求整改到位", "已维修更换，经检查正常", "已清理完毕并落实专人管理", "已加固，恢复使用"]
REJECTIONS = ["整改不彻底，仍有隐患", "缺少整改后照片和说明", "与整改措施不符，请重新整改"]
ESCALATIONS = ["超出网格处理能力，需学校统筹", "需专项资金，报学校研究解决", "涉及校外单位，需上级协调"]


class HazardStory:
    """A hazard's life from its finding to `now`, as the workflow and the daily job would have written it:
    the transitions (assign, fix on the spot, submit the fix, verify, reject, escalate) with their
    HazardEvent rows, the daily job's 隐患不过夜 flag and its automatic escalation once overdue."""

    OPEN = ("reported", "rectifying")

    def __init__(self, school: School, grid: int, is_major: bool, inspector: int | None, reporter: int | None,
                 found_at):
        self.s = school
        self.rng = school.rng
        self.grid = grid
        self.is_major = is_major
        self.found_at = found_at
        self.state, self.level, self.version = "reported", "grid", 1
        self.responsible = self.responsible_staff = self.deadline = None
        self.measures = self.funds = self.contingency = ""
        self.fixed_at = self.verified_by = self.verified_at = None
        self.fix_note = self.rejection_reason = self.escalation_reason = self.government_reference = ""
        self.is_overdue = self.left_overnight = False
        self.updated_at = found_at
        self.inspector = inspector
        finder = school.names[inspector] if inspector is not None else SYSTEM
        self.events = [("report", "", "reported", reporter, finder, found_at, "")]
        self.next_job = found_at.date() + ONE_DAY

    # who acts: the safety office, or the bureau once the hazard is with it
    def _office(self):
        if self.level in ("bureau", "government"):
            return self.s.bureau_admin
        user = self.s.users.get("safety") if self.rng.random() < 0.8 else self.s.users.get("leader")
        return user, self.s.names[SAFETY_HEAD] if user == self.s.users.get("safety") else self.s.names[PRINCIPAL]

    def _person(self, staff):
        return None, self.s.names[staff] if staff is not None else SYSTEM

    def _event(self, action, to_state, actor, at, reason=""):
        to_state = to_state or self.state
        self.events.append((action, self.state, to_state, actor[0], actor[1], at, reason))
        self.state = to_state
        self.version += 1
        self.updated_at = at

    def _escalate(self, at, reason, actor):
        if self.level == "grid":
            parent = self.s.d.template.grids[self.grid].parent
            if parent is not None:
                self.grid = parent
            else:
                self.level = "school"
        elif self.level == "school":
            self.level = "bureau"
        else:
            self.level = "government"
            self.government_reference = f"〔{at.year}〕安字第{self.rng.randint(1, 99)}号"
        self.escalation_reason = reason
        self._event("escalate", None, actor, at, reason)

    def _jobs_until(self, moment) -> None:
        """The daily job (06:00) on each day up to `moment`: flag a hazard nobody acted on since the day it
        was found; escalate an overdue one a level a day until the bureau holds it."""
        limit = min(moment, self.s.d.now)
        while True:
            job = _at(self.next_job, 6 * 60)
            if job > limit:
                return
            day = self.next_job
            if self.state == "reported" and self.version == 1 and self.level in ("grid", "school"):
                self.left_overnight = True
            if self.state in self.OPEN and self.deadline is not None and self.deadline < day and self.level not in (
                    "bureau", "government"):
                self._escalate(job, f"逾期未整改，自动上报（期限：{self.deadline}）", (None, SYSTEM))
                self.is_overdue = True
                self.next_job += ONE_DAY
                continue
            # Nothing will happen until the deadline passes (or ever, once closed or at the bureau).
            if self.state not in self.OPEN or self.level in ("bureau", "government") or self.deadline is None:
                self.next_job = max(self.next_job + ONE_DAY, limit.date() + ONE_DAY)
            else:
                self.next_job = max(self.next_job + ONE_DAY, self.deadline + ONE_DAY)

    def _do(self, at) -> bool:
        """Run the daily jobs up to `at`; False when `at` is after now (the story stops there)."""
        if at > self.s.d.now:
            self._jobs_until(self.s.d.now)
            return False
        self._jobs_until(at)
        return True

    @staticmethod
    def _later(moment, rng, days_lo, days_hi, hours=(9, 17)):
        day = moment.date() + datetime.timedelta(days=rng.randint(days_lo, days_hi))
        candidate = _at(day, rng.randrange(hours[0] * 60, hours[1] * 60))
        return candidate if candidate > moment else moment + datetime.timedelta(minutes=rng.randint(20, 180))

    def play(self) -> None:
        rng, s = self.rng, self.s
        found = self.found_at
        if not self.is_major and rng.random() < 0.4:
            at = found + datetime.timedelta(minutes=rng.randint(5, 60))
            if not self._do(at):
                return
            self.fixed_at, self.fix_note = at, rng.choice(FIX_NOTES)
            self._event("fix_on_spot", "awaiting", self._person(self.inspector), at)
            self._verify(at)
            return
        roll = rng.random()
        if roll < 0.75:
            at = found + datetime.timedelta(minutes=rng.randint(30, 240))
        elif roll < 0.95:
            at = _at(found.date() + ONE_DAY, rng.randrange(8 * 60, 10 * 60))
        else:
            at = _at(found.date() + datetime.timedelta(days=rng.randint(2, 3)), rng.randrange(8 * 60, 17 * 60))
        if not self._do(at):
            return
        day = at.date()
        responsible = s.holder(self.grid, day) if self.level == "grid" else None
        if responsible is None:
            responsible = GENERAL
        self.responsible, self.responsible_staff = s.staff_ids[responsible], responsible
        if self.is_major:
            self.deadline = day + datetime.timedelta(days=rng.choice((15, 20, 30, 45, 60)))
            self.measures, self.funds = rng.choice(MEASURES), f"学校公用经费{rng.choice((2, 5, 8, 12, 20))}万元"
            self.contingency = "设置警戒区域，暂停使用，安排专人值守并制定应急处置方案"
        else:
            self.deadline = day + datetime.timedelta(days=rng.choice((1, 2, 3, 3, 5, 5, 7, 7, 10, 14)))
            self.measures = rng.choice(MEASURES)
            if rng.random() < 0.3:
                self.funds = "学校公用经费"
        self._event("assign", "rectifying", self._office(), at)
        if self.is_major or rng.random() < 0.025:
            # Beyond the grid's means: escalated step by step, a level a day, to the school (some to the bureau),
            # which then sets the work and a new deadline (交办 again).
            target = "bureau" if rng.random() < 0.3 else "school"
            reason = rng.choice(ESCALATIONS)
            while self.level != target and self.state in self.OPEN:
                at = self._later(at, rng, 0, 1)
                if not self._do(at):
                    return
                if self.level == target or self.state not in self.OPEN:
                    break
                self._escalate(at, reason, self._office())
            at = self._later(at, rng, 0, 2)
            if not self._do(at) or self.state not in self.OPEN:
                return
            self.deadline = max(self.deadline, at.date() + datetime.timedelta(days=rng.choice((15, 20, 30))))
            self._event("assign", "rectifying", self._office(), at)
        outcome = rng.random()
        if outcome < 0.90:
            fix_at = self._later(at, rng, 0, max(0, (self.deadline - at.date()).days))
        elif outcome < 0.99:
            late = rng.randint(1, 3) if rng.random() < 0.7 else rng.randint(4, 10)
            fix_at = self._later(_at(self.deadline, 17 * 60), rng, late, late)
        else:
            self._do(s.d.now)  # never fixed so far: overdue once the deadline passes
            return
        if not self._do(fix_at):
            return
        self.fixed_at, self.fix_note, self.rejection_reason = fix_at, rng.choice(FIX_NOTES), ""
        actor = s.bureau_admin if self.level in ("bureau", "government") else self._person(self.responsible_staff)
        self._event("submit_fix", "awaiting", actor, fix_at)
        if rng.random() < 0.04:
            at = self._later(fix_at, rng, 0, 2)
            if not self._do(at):
                return
            self.rejection_reason = rng.choice(REJECTIONS)
            self.fixed_at = None
            self._event("reject", "rectifying", self._office(), at, self.rejection_reason)
            fix_at = self._later(at, rng, 1, 3)
            if not self._do(fix_at):
                return
            self.fixed_at, self.fix_note, self.rejection_reason = fix_at, rng.choice(FIX_NOTES), ""
            self._event("submit_fix", "awaiting", actor, fix_at)
        self._verify(fix_at)

    def _verify(self, after) -> None:
        """Checked by the safety office: the same day, the next working day or within five."""
        roll = self.rng.random()
        day = after.date()
        for _ in range(0 if roll < 0.2 else (1 if roll < 0.6 else self.rng.randint(2, 5))):
            day += ONE_DAY
            while day.isoweekday() > 5:
                day += ONE_DAY
        at = max(_at(day, self.rng.randrange(9 * 60, 17 * 60)), after + datetime.timedelta(minutes=20))
        if not self._do(at):
            return
        actor = self._office()
        self.verified_by, self.verified_at, self.is_overdue = actor[0], at, False
        self._event("verify", "closed", actor, at)
        self._do(self.s.d.now)


# --- the whole run -------------------------------------------------------------------------------------------

def leader_names(seed: int, number: int) -> tuple[str, str]:
    """The principal's and the safety office head's names: their accounts carry them too."""
    rng = random.Random(f"{seed}/leaders/{number}")
    return tuple(rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(2))


def org_plan(n: int) -> list[tuple[int, str, int | None]]:
    """(number, kind, parent number) for each school: central schools (中心校) with four schools under each
    first, then schools directly under the bureau (one in ten a 市直学校)."""
    central = 0 if n < 2 else max(1, n // 15)
    plan = []
    number = 1
    for _ in range(central):
        head = number
        plan.append((number, "central_school", None))
        number += 1
        for _ in range(4):
            if number > n:
                break
            plan.append((number, "school", head))
            number += 1
    direct = 0
    while number <= n:
        direct += 1
        plan.append((number, "direct_school" if direct % 10 == 0 else "school", None))
        number += 1
    return plan


def school_names(plan, rng: random.Random) -> dict[int, str]:
    towns = [a + b for a in TOWNS_A for b in TOWNS_B]
    rng.shuffle(towns)
    names, town_of = {}, {}
    suffixes = ("第一初级中学", "第二初级中学", "实验学校", "育才学校")
    direct = 0
    for number, kind, parent in plan:
        if kind == "central_school":
            town = towns[len(town_of) % len(towns)] + ("镇" if len(town_of) < len(towns) else f"{len(town_of)}镇")
            town_of[number] = town
            names[number] = f"{town}中心学校"
        elif parent is not None:
            siblings = sum(1 for other, _k, p in plan if p == parent and other < number)
            names[number] = f"{town_of[parent]}{suffixes[siblings % len(suffixes)]}"
        else:
            direct += 1
            names[number] = (f"第{chinese_number(direct)}中学" if kind == "school" else f"市直属第{direct}中学")
    return names


def seed(options: Options, log=print) -> Result:
    """Generate the district (see the module docstring). Raises SeedError when the bureau exists already
    and `replace` is not set."""
    from orgs.models import Organisation

    result = Result()
    clock = [time.monotonic()]

    def phase(name):
        now = time.monotonic()
        result.timings.append((name, now - clock[0]))
        log(f"  {name}: {now - clock[0]:.1f} s")
        clock[0] = now

    existing = Organisation.objects.filter(code=options.bureau_code).first()
    if existing is not None and not options.replace:
        raise SeedError(f"a bureau with code {options.bureau_code!r} exists already: use --replace to rebuild it "
                        "or --bureau-code for another one")
    district = District(options)
    result.start, result.end = district.start, district.end
    phase("template")
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if existing is not None:
            deleted = delete_bureau(existing)
            phase(f"replace: deleted {deleted:,} rows")
        all_tables = tables()
        _check_users_free(options)
        writer = Writer(all_tables)
        cursor = writer.cursor
        if postgres:
            # A --replace just deleted rows: their deferred foreign-key checks must run before any table is
            # altered below (PostgreSQL refuses ALTER TABLE with pending trigger events).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # the rows written below reference each other
            cursor.execute("SET LOCAL synchronous_commit TO off")
            cursor.execute("SET LOCAL maintenance_work_mem TO '512MB'")
            names = ", ".join(f'"{t.name}"' for t in all_tables.values())
            cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
        for table in all_tables.values():
            table.next_id = _next_id(cursor, table.name, postgres)
        rebuild = []
        if postgres:
            # Big tables load without their indexes and foreign keys, which are then rebuilt and validated
            # in one pass each (faster than maintaining them row by row) — when what is added outweighs
            # what is there.
            for key, per_school in ROWS_PER_SCHOOL.items():
                table = all_tables[key]
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table.name])
                present = max(0, cursor.fetchone()[0])
                if per_school * options.schools >= max(options.bulk_rows, present):
                    drops, creates = _pg_secondary(cursor, table.name)
                    for statement in drops:
                        cursor.execute(statement)
                    rebuild += creates
        phase("prepare")

        bureau, schools, users = _organisations(district, writer, result)
        writer.flush()
        phase(f"organisations and {len(users) * 2 + 1} accounts")
        t_static = t_history = 0.0
        for number, org_id in schools:
            t0 = time.monotonic()
            school = School(district, writer, number, org_id, users[number], bureau)
            school.build()
            t1 = time.monotonic()
            writer.write(all_tables["inspection"], school.history())
            writer.flush(min_rows=20_000)
            t_static += t1 - t0
            t_history += time.monotonic() - t1
            if number % 25 == 0 or number == len(schools):
                log(f"    {number}/{len(schools)} schools, {all_tables['inspection'].written:,} inspections")
        writer.flush()
        result.timings += [("schools: static rows", t_static), ("schools: history", t_history)]
        log(f"    static rows {t_static:.1f} s, history (inspections, findings, hazards) {t_history:.1f} s")
        phase("schools (generated and written)")
        if rebuild:
            for statement in rebuild:
                cursor.execute(statement)
            phase(f"indexes and foreign keys rebuilt ({len(rebuild)})")
        if postgres:
            for table in all_tables.values():
                if table.written:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                   f"(SELECT MAX(id) FROM \"{table.name}\"))")
        _summary_entry(result.bureau_id, options, all_tables)
        cursor.close()
    phase("commit")
    if postgres:
        # VACUUM too: it sets the hint bits and the visibility map now, rather than the first queries (and
        # an autovacuum in the middle of a benchmark) doing it later.
        # (Inside a caller's transaction, as in tests, VACUUM cannot run: ANALYZE alone.)
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in all_tables.values():
                if table.written:
                    cursor.execute(f'{command} "{table.name}"')
        phase("vacuum and analyze")
    result.counts = {t.name: t.written for t in all_tables.values()}
    from core import versions

    with versions.deferred():  # rows written without signals: what is kept from them no longer holds
        for organisation_id in [result.bureau_id, *result.school_ids]:
            for topic in (versions.PLAN, versions.COVERAGE, versions.ROLLUP, versions.INSPECTIONS,
                          versions.HAZARDS, versions.LETTERS):
                versions.changed(organisation_id, topic)
    if options.rollups:
        from dashboards import rollups

        orgs = list(Organisation.objects.filter(pk__in=result.school_ids))
        rollups.rebuild(orgs, district.start, district.end, today=district.today)
        phase("roll-ups rebuilt")
    return result


def _next_id(cursor, table: str, postgres: bool) -> int:
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
    top = cursor.fetchone()[0]
    if postgres:
        cursor.execute("SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id'))", [f'"{table}"'])
    else:
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    row = cursor.fetchone()
    return max(top, (row[0] or 0) if row else 0) + 1


def _check_users_free(options: Options) -> None:
    from orgs.models import User

    prefix = options.user_prefix
    taken = User.objects.filter(username__regex=rf"^{prefix}([0-9]+_(safety|leader)|_admin)$")
    if taken.exists():
        raise SeedError(f"accounts named {prefix}…_safety/_leader/_admin exist already (another bureau?): "
                        "choose another --user-prefix")


def _organisations(district: District, writer: Writer, result: Result):
    options = district.options
    t = writer.tables
    created = datetime.datetime.combine(district.assignments_start, datetime.time(8), tzinfo=TZ)
    bureau_id = t["org"].take()
    bureau_path = f"/{bureau_id}/"
    name = options.bureau_name or ("示范区教育局" if options.bureau_code == DEFAULT_BUREAU_CODE
                                   else f"示范区教育局（{options.bureau_code}）")
    writer.add("org", (bureau_id, name, options.bureau_code, "bureau", None, bureau_path, 0, "示范区人民路1号",
                       "0571-88000000", False, created, created))
    result.bureau_id = bureau_id
    plan = org_plan(options.schools)
    names = school_names(plan, random.Random(f"{options.seed}/names"))
    ids, paths = {}, {}
    schools = []
    for number, kind, parent in plan:
        org_id = t["org"].take()
        ids[number] = org_id
        parent_id = ids[parent] if parent else bureau_id
        path = (paths[parent] if parent else bureau_path) + f"{org_id}/"
        paths[number] = path
        code = f"{options.bureau_code}-s{number:04d}"[:40]
        writer.add("org", (org_id, names[number], code, kind, parent_id, path, path.count("/") - 2, "",
                           f"0571-8{number:07d}", False, created, created))
        schools.append((number, org_id))
    result.school_ids = [org_id for _n, org_id in schools]

    password = make_password(options.password)
    users = {}
    prefix = options.user_prefix

    def account(username, name, org_id, role):
        uid = t["user"].take()
        writer.add("user", (uid, password, None, False, username, "", "", "", False, True, created, name, "",
                            "zh-hans", False, None))
        writer.add("membership", (t["membership"].take(), uid, org_id, role, created))
        return uid

    admin = account(f"{prefix}_admin", "教育局安全科", bureau_id, "bureau_admin")
    for number, org_id in schools:
        principal, safety = leader_names(options.seed, number)  # the persons these accounts are linked to
        users[number] = {"safety": account(f"{prefix}{number}_safety", safety, org_id, "safety_office"),
                         "leader": account(f"{prefix}{number}_leader", principal, org_id, "school_leader")}
    return (admin, "教育局安全科"), schools, users


def _summary_entry(bureau_id: int, options: Options, all_tables) -> None:
    """The one audit entry: seeding is not a user action, so its rows are not logged one by one."""
    from core.audit import Actor, AuditAction, record
    from orgs.models import Organisation

    bureau = Organisation.objects.get(pk=bureau_id)
    counts = {t.name: t.written for t in all_tables.values() if t.written}
    record(Actor.system(), AuditAction.IMPORT, organisation=bureau, object_type="seed_district",
           object_repr=f"seed_district: {options.schools} schools × {options.days} days",
           changes={"options": [None, {"schools": options.schools, "days": options.days,
                                       "today": options.today.isoformat(), "seed": options.seed}],
                    "rows": [None, counts]})


def delete_bureau(bureau) -> int:
    """Remove a seeded bureau and everything under it, in bulk (a district is millions of rows: the ORM's
    cascade would take hours). Every table that belongs to an organisation is emptied of the subtree's rows;
    rows elsewhere that point at them are deleted (cascades, many-to-many links) or unlinked (SET_NULL), as
    their foreign keys say; the subtree's accounts go too; the audit log keeps its entries, unlinked."""
    from django.apps import apps

    from core.models import AuditEvent
    from orgs.models import Membership, Organisation, User

    org_ids = list(Organisation.objects.filter(path__startswith=bureau.path).values_list("pk", flat=True))
    if not org_ids:
        return 0
    user_ids = list(User.objects.filter(memberships__organisation__in=org_ids).exclude(
        memberships__in=Membership.objects.exclude(organisation__in=org_ids)).values_list("pk", flat=True).distinct())
    qn = connection.ops.quote_name
    orgs = ", ".join(str(i) for i in org_ids)
    owned = [m for m in apps.get_models(include_auto_created=True)
             if m is not Organisation and m is not AuditEvent and any(
                 f.is_relation and f.many_to_one and f.name == "organisation" and f.related_model is Organisation
                 for f in m._meta.concrete_fields)]
    owned_set = set(owned)
    deleted = 0
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model in owned_set or model is Organisation:
                continue
            for f in model._meta.concrete_fields:
                if not (f.is_relation and f.many_to_one and f.related_model in owned_set):
                    continue
                target = f.related_model._meta.db_table
                inner = f"SELECT id FROM {qn(target)} WHERE organisation_id IN ({orgs})"
                if f.remote_field.on_delete is models.SET_NULL:
                    cursor.execute(f"UPDATE {qn(model._meta.db_table)} SET {qn(f.column)} = NULL "
                                   f"WHERE {qn(f.column)} IN ({inner})")
                else:
                    cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE {qn(f.column)} IN ({inner})")
                    deleted += cursor.rowcount
        for model in owned:
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE organisation_id IN ({orgs})")
            deleted += cursor.rowcount
        cursor.execute(f"UPDATE {qn(AuditEvent._meta.db_table)} SET organisation_id = NULL "
                       f"WHERE organisation_id IN ({orgs})")
    if user_ids:
        deleted += User.objects.filter(pk__in=user_ids).delete()[0]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {qn(Organisation._meta.db_table)} WHERE id IN ({orgs})")
        deleted += cursor.rowcount
    return deleted
