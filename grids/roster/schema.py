"""The workbook's shape: sheet and column names (the file format, never translated), the Chinese
labels of choices, how cells are read (dates, times, weekdays, lists, 是/否), and the names the
import gives the grids the 场所/班级/时段 sheets imply.
"""

from __future__ import annotations

import dataclasses
import datetime
import re

from django.utils import translation

from campus.choices import PlaceKind
from grids.choices import LEVEL_LABELS, WEEKDAY_LABELS, AssignmentRole, GridKind
from people.choices import PersonCategory, PersonStatus


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    width: int = 12
    note: str = ""          # shown as a comment on the header of the template
    choices: tuple = ()     # a drop-down list in the written workbook


@dataclasses.dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def labels(choices) -> tuple[str, ...]:
    with translation.override("zh-hans"):
        return tuple(str(label) for _value, label in choices.choices)


YES, NO = "是", "否"
ROOT_PARENT = "无"  # 上级网格 = 无: the grid is a root even where the import would hang it under another

PEOPLE = Sheet("人员", (
    Column("姓名", True, 10),
    Column("工号", False, 10, "同一学校内唯一；同名人员须填写工号，并在其他表中用工号或“姓名（工号）”指明"),
    Column("类别", True, 10, "", labels(PersonCategory)),
    Column("部门", False, 14),
    Column("职务", False, 14),
    Column("手机", False, 14),
    Column("岗位", False, 16, "所任岗位，多个用“、”分隔，如：保安、宿管"),
    Column("状态", False, 8, "留空为在职", labels(PersonStatus)),
))
PLACES = Sheet("场所", (
    Column("区域", True, 12, "楼宇或室外区域，如：教学楼、操场、校门"),
    Column("楼层", False, 8, "只填区域：区域本身；区域+楼层：楼层；区域+楼层+场所（或区域+场所）：具体场所"),
    Column("场所", False, 14),
    Column("类型", False, 10, "如：教室、实验室、办公室；区域可填“楼宇”或“室外区域”"),
    Column("重点部位", False, 8, "是/否", (YES, NO)),
    Column("重大危险源", False, 10, "是/否", (YES, NO)),
    Column("负责人", False, 16, "人员姓名（或工号）或岗位名称，多个用“、”分隔；填写后建立该区域/楼层/场所的网格"),
    Column("职责", False, 30),
))
CLASSES = Sheet("班级", (
    Column("年级", True, 8),
    Column("班级", True, 8),
    Column("班主任", True, 10),
    Column("班长", False, 10, "须列在“人员”表中（类别可为学生）"),
    Column("教室", False, 22, "区域/楼层/场所，如：教学楼/一层/101教室"),
))
GRIDS = Sheet("网格", (
    Column("网格", True, 18, "网格名称；可写其他表生成的网格名称，为其补充上级网格、责任人等"),
    Column("上级网格", False, 18, "留空为顶层网格（其他表生成的网格按场所自动挂接）；“无”表示顶层"),
    Column("层级", False, 6, "可留空；填写时须与上级网格一致"),
    Column("类型", False, 12, "", labels(GridKind)),
    Column("负责人", False, 16, "人员姓名（或工号）或岗位名称，多个用“、”分隔"),
    Column("角色", False, 16, "", labels(AssignmentRole)),
    Column("覆盖场所", False, 26, "区域/楼层/场所，多个用“、”分隔"),
    Column("时段", False, 14, "“时段”表中的时段名称，多个用“、”分隔"),
    Column("开始日期", False, 12, "如 2026-09-01；留空为导入当天"),
    Column("结束日期", False, 12, "留空为长期"),
))
SLOTS = Sheet("时段", (
    Column("时段", True, 12),
    Column("星期", False, 10, "如：一至五、六、日、每天；留空为一至五"),
    Column("开始", True, 8, "如 07:00"),
    Column("结束", True, 8, "结束早于开始表示跨越午夜，如 22:00–06:00"),
    Column("负责人", True, 14, "该时段的负责领导；也可在“网格”表中把时段分给某个网格"),
    Column("负责区域", False, 26, "留空为全校"),
))
SHEETS = (PEOPLE, PLACES, CLASSES, GRIDS, SLOTS)


# --- choices by their Chinese label (the value and the English label are accepted too) ------------

def choice_lookup(choices, aliases: dict[str, str] | None = None) -> dict[str, str]:
    lookup = {}
    for language in ("en", "zh-hans"):  # Chinese last: it wins any clash
        with translation.override(language):
            for value, label in choices.choices:
                lookup[str(label).strip().lower()] = value
    for value, _label in choices.choices:
        lookup[value.lower()] = value
    for alias, value in (aliases or {}).items():
        lookup[alias.lower()] = value
    return lookup


_ZH_LABELS: dict = {}


def zh_label(choices, value: str) -> str:
    """A choice's Chinese label (the file format's word), whatever the language of the request."""
    key = (choices, value)
    if key not in _ZH_LABELS:  # switching the language costs more than all else a row does: once each
        with translation.override("zh-hans"):
            _ZH_LABELS[key] = str(choices(value).label)
    return _ZH_LABELS[key]


ROLE_ALIASES = {"具体责任人": AssignmentRole.SPECIFIC, "网格员": AssignmentRole.SPECIFIC}
GRID_KIND_ALIASES = {"领导": GridKind.LEADERSHIP, "部室": GridKind.DEPARTMENT, "班级": GridKind.CLASS,
                     "楼宇": GridKind.BUILDING, "楼层": GridKind.FLOOR, "室外": GridKind.OUTDOOR,
                     "时间轴": GridKind.TIME_AXIS, "自定义": GridKind.CUSTOM}
AREA_KIND_ALIASES = {"室外": PlaceKind.OUTDOOR, "楼": PlaceKind.BUILDING}


# --- what the 场所/班级/时段 sheets imply -------------------------------------------------------------

PLACE_GRID_KIND = {PlaceKind.BUILDING: GridKind.BUILDING, PlaceKind.OUTDOOR: GridKind.OUTDOOR,
                   PlaceKind.FLOOR: GridKind.FLOOR, PlaceKind.ROOM: GridKind.DEPARTMENT}
# 方案11 三横一纵: 区域楼长 → 网格长 (floor) → 网点长 (room); an outdoor area has a 具体责任人.
PLACE_ROLE = {PlaceKind.BUILDING: AssignmentRole.BUILDING_HEAD, PlaceKind.OUTDOOR: AssignmentRole.SPECIFIC,
              PlaceKind.FLOOR: AssignmentRole.GRID_HEAD, PlaceKind.ROOM: AssignmentRole.POINT_HEAD}
SLOT_ROLE = AssignmentRole.DIRECT


def place_grid_name(path: tuple[str, ...]) -> str:
    """教学楼 → 教学楼网格; 教学楼/一层/101教室 → 教学楼一层101教室网格 (unique in the school, like the path)."""
    return "".join(path) + "网格"


def class_grid_name(grade: str, name: str) -> str:
    return f"{grade}{name}"


def slot_grid_name(slot: str) -> str:
    """午餐 → 午餐时段网格; 教学时段 → 教学时段网格."""
    return (slot[:-2] if slot.endswith("时段") and len(slot) > 2 else slot) + "时段网格"


# --- cells ------------------------------------------------------------------------------------------

SPLIT = re.compile(r"[、，,;；\n]+")


def text(value) -> str:
    """A cell as the text a person typed: 1001.0 → "1001", dates as 2026-09-01, spaces trimmed."""
    if type(value) is str:  # most cells: straight to the last line
        return value.replace("\u3000", " ").strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ", "minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value).replace("\u3000", " ").strip()


def split(value) -> list[str]:
    """Several names in one cell, separated by 、 ， , ; (duplicates kept: the reader reports them)."""
    return [part.strip() for part in SPLIT.split(text(value)) if part.strip()]


def parse_bool(value) -> bool | None:
    """是/否 (blank = 否); None when unreadable."""
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in ("", "否", "n", "no", "false", "0", "×", "x"):
        return False
    if word in ("是", "y", "yes", "true", "1", "√", "✓"):
        return True
    return None


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(value) -> datetime.date | None:
    """2026-09-01, 2026/9/1, 2026年9月1日 or a real Excel date; None when unreadable."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))  # an Excel serial number
    match = _DATE.match(text(value))
    if not match:
        return None
    try:
        return datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


_TIME = re.compile(r"^(\d{1,2})\s*(?:[:：点时]\s*(\d{1,2})?\s*分?)?(?:[:：]\s*(\d{1,2}))?$")


def parse_time(value) -> datetime.time | None:
    """07:00, 7:00, 7点30, 24:00 (= midnight) or a real Excel time; None when unreadable."""
    if isinstance(value, datetime.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, datetime.timedelta):
        minutes = round(value.total_seconds() / 60)
        return datetime.time(*divmod(minutes % 1440, 60)) if 0 <= minutes <= 1440 else None
    if isinstance(value, float) and 0 <= value <= 1:  # a fraction of a day
        minutes = round(value * 1440)
        return datetime.time(*divmod(minutes % 1440, 60))
    match = _TIME.match(text(value))
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour == 24 and minute == 0:
        return datetime.time(0, 0)
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def format_time(value: datetime.time) -> str:
    return value.strftime("%H:%M")


_DAY = {label: str(i + 1) for i, label in enumerate(WEEKDAY_LABELS)} | {"天": "7", "七": "7"}
_DAY.update({str(i): str(i) for i in range(1, 8)})
_WORDS = {"每天": "1234567", "每日": "1234567", "全周": "1234567", "天天": "1234567", "全天": "1234567",
          "工作日": "12345", "周末": "67", "双休日": "67"}
_RANGE = re.compile(r"^(.)(?:至|到|~|～|-|—|－|–)(.)$")


def parse_weekdays(value) -> str | None:
    """一至五 → "12345"; 六、日 → "67"; 每天 → "1234567"; blank → "12345". None when unreadable."""
    raw = text(value)
    if not raw:
        return "12345"
    days: set[str] = set()
    for part in re.split(r"[、，,;；/\s]+", raw):
        if not part:
            continue
        if part in _WORDS:
            days.update(_WORDS[part])
            continue
        part = re.sub(r"星期|礼拜|周", "", part)
        if part in _DAY:
            days.add(_DAY[part])
            continue
        match = _RANGE.match(part)
        if not match or match.group(1) not in _DAY or match.group(2) not in _DAY:
            return None
        first, last = int(_DAY[match.group(1)]), int(_DAY[match.group(2)])
        if first > last:
            return None
        days.update(str(d) for d in range(first, last + 1))
    return "".join(sorted(days)) or None


def format_weekdays(weekdays: str) -> str:
    """The inverse of parse_weekdays: "12345" → 一至五, "67" → 六、日, "1234567" → 每天."""
    digits = sorted({int(d) for d in weekdays})
    if digits == list(range(1, 8)):
        return "每天"
    runs: list[list[int]] = []
    for d in digits:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAY_LABELS[run[0] - 1]}至{WEEKDAY_LABELS[run[-1] - 1]}")
        else:
            parts.extend(WEEKDAY_LABELS[d - 1] for d in run)
    return "、".join(parts)


_NUMERALS = "一二三四五六七八九十"


def parse_level(value) -> int | None:
    """一级, 二级, 3, 3级 → the level number; None when unreadable."""
    word = text(value).removesuffix("级")
    if word.isdigit() and int(word) > 0:
        return int(word)
    if len(word) == 1 and word in _NUMERALS:
        return _NUMERALS.index(word) + 1
    return None


def level_label(level: int) -> str:
    with translation.override("zh-hans"):
        return str(LEVEL_LABELS[level]) if level in LEVEL_LABELS else f"{level}级"


def place_path(value: str) -> tuple[str, ...]:
    """教学楼/一层/101教室 → ("教学楼", "一层", "101教室")."""
    return tuple(part.strip() for part in re.split(r"[/／\\]", value) if part.strip())


def format_path(path: tuple[str, ...]) -> str:
    return "/".join(path)


PERSON_WITH_NUMBER = re.compile(r"^(.+?)\s*[（(]\s*([^（）()]+?)\s*[）)]$")
