"""Roster import: every mistake of a workbook is reported (sheet, row, column, reason), nothing written."""

import datetime

import pytest

from campus.models import Place
from core.models import AuditEvent
from grids.models import Grid
from grids.roster import apply, reader
from grids.roster.testing import grid, person, place, school_class, slot, workbook
from grids.roster.writer import write_workbook
from people.models import Person

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 9, 1)


def errors_of(data, organisation):
    plan = apply.prepare(data, organisation, DAY)
    return {(e.sheet, e.row, e.column): e.reason for e in plan.errors}


# Each row below holds one mistake; the expected error is (sheet, row as Excel shows it, column, words).
MISTAKES = workbook(
    people=[
        person("周校长", "T001"),                                   # 2: fine
        person("", "T002"),                                         # 3: no name
        person("李老师", "T003", category="教工"),                  # 4: unknown category
        person("赵老师", "T001"),                                   # 5: staff number used twice
        person("钱老师", "T005", status="休假"),                    # 6: unknown status
        person("张伟", "T006"),                                     # 7: fine
        person("张伟", "T007"),                                     # 8: fine (same name, own number)
        person("孙老师", "T008"),                                   # 9: fine
        person("孙老师", "T008"),                                   # 10: a duplicate row
        person("小明", category="学生"),                            # 11: fine
        person("小明", category="学生"),                            # 12: same row again: duplicate
        person("小红", category="学生", department="一班"),         # 13: fine
        person("小红", category="学生", department="二班"),         # 14: same name, no number
    ],
    places=[
        place("教学楼", holders="周校长"),                           # 2: fine
        place("教学楼", "一层", holders="张伟"),                     # 3: ambiguous name
        place("教学楼", "一层", "101教室", key="也许"),              # 4: not 是/否
        place("教学楼", "一层", "101教室"),                          # 5: duplicate place
        place("操场", holders="王不存在"),                           # 6: unknown person
        place("操场", "", "器材室", duties="检查器材"),              # 7: duties without a person in charge
    ],
    classes=[
        school_class("一年级", "1班", "", classroom="教学楼/一层/101教室"),  # 2: no head teacher
        school_class("一年级", "2班", "周校长", classroom="实验楼/一层/201"),  # 3: unknown classroom
    ],
    grids=[
        grid("领导小组", "", "一级", "领导网格", "周校长", "第一责任人"),  # 2: fine
        grid("后勤网格", "不存在的网格", "", "", "周校长", "直接责任人"),  # 3: unknown parent grid
        grid("保卫网格", "领导小组", "", "", "周校长", "队长"),             # 4: unknown role
        grid("食堂网格", "领导小组", "", "饭堂网格", "周校长", "直接责任人"),  # 5: unknown grid kind
        grid("宣传网格", "领导小组", "", "", "周校长", "直接责任人", start="2026-13-01"),  # 6: bad date
        grid("卫生网格", "领导小组", "", "", "周校长", "直接责任人", places="图书馆"),  # 7: unknown place
        grid("心理网格", "领导小组", "", "", "周校长"),                     # 8: person without a role
        grid("夜间网格", "领导小组", "", "", "周校长", "直接责任人", slots="深夜"),  # 9: unknown slot
        grid("团委网格", "领导小组", "三级", "", "周校长", "直接责任人"),   # 10: level does not match
        grid("领导小组", "", "一级", "领导网格", "周校长", "第一责任人"),  # 11: a duplicate row
    ],
    slots=[
        slot("早间", "一至五", "07:00", "08:00", "周校长"),           # 2: fine
        slot("午间", "周八", "11:00", "13:00", "周校长"),             # 3: weekday unreadable
        slot("下午", "一至五", "25:00", "18:00", "周校长"),           # 4: bad time
        slot("晚间", "一至五", "18:00", "22:00", ""),                 # 5: no one in charge
        slot("放学", "一至五", "16:00", "17:00", "周校长", "不存在的区域"),  # 6: unknown place
        slot("早间", "六、日", "07:00", "08:00", "周校长"),           # 7: duplicate slot
    ],
)

EXPECTED = {
    ("人员", 3, "姓名"): "必填",
    ("人员", 4, "类别"): "无法识别的类别“教工”",
    ("人员", 5, "工号"): "工号“T001”与第2行重复",
    ("人员", 6, "状态"): "无法识别的状态“休假”",
    ("人员", 10, ""): "与第9行完全相同",
    ("人员", 12, ""): "与第11行完全相同",
    ("人员", 14, "姓名"): "同名人员须填写工号",
    ("场所", 3, "负责人"): "“张伟”有2人同名（工号：T006、T007），请改填工号",
    ("场所", 4, "重点部位"): "应填“是”或“否”",
    ("场所", 5, "场所"): "场所“教学楼/一层/101教室”重复",
    ("场所", 6, "负责人"): "未找到人员或岗位“王不存在”",
    ("场所", 7, "职责"): "没有负责人",
    ("班级", 2, "班主任"): "必填",
    ("班级", 3, "教室"): "未在“场所”表中找到场所“实验楼/一层/201”",
    ("网格", 3, "上级网格"): "上级网格“不存在的网格”不在本清单中",
    ("网格", 4, "角色"): "无法识别的角色“队长”",
    ("网格", 5, "类型"): "无法识别的网格类型“饭堂网格”",
    ("网格", 6, "开始日期"): "日期“2026-13-01”无法识别",
    ("网格", 7, "覆盖场所"): "未在“场所”表中找到场所“图书馆”",
    ("网格", 8, "角色"): "须填写角色",
    ("网格", 9, "时段"): "未在“时段”表中找到时段“深夜”",
    ("网格", 10, "层级"): "层级应为“二级”",
    ("网格", 11, ""): "与第2行完全相同",
    ("时段", 3, "星期"): "无法识别“周八”",
    ("时段", 4, "开始"): "时间“25:00”无法识别",
    ("时段", 5, "负责人"): "必填",
    ("时段", 6, "负责区域"): "未在“场所”表中找到场所“不存在的区域”",
    ("时段", 7, "时段"): "时段“早间”重复",
}


def test_every_mistake_is_reported_with_its_sheet_row_column_and_reason(cast):
    errors = errors_of(MISTAKES, cast.school1)
    assert set(errors) == set(EXPECTED)
    for where, words in EXPECTED.items():
        assert words in errors[where], (where, errors[where])


def test_a_workbook_with_mistakes_writes_nothing(cast):
    before = AuditEvent.objects.count()
    plan, counts = apply.import_roster(MISTAKES, cast.school1, today=DAY)
    assert plan.errors and not plan.changes and counts == {}
    assert not Person.objects.filter(organisation=cast.school1).exists()
    assert not Place.objects.filter(organisation=cast.school1).exists()
    assert not Grid.objects.filter(organisation=cast.school1).exists()
    assert AuditEvent.objects.count() == before


def test_errors_are_listed_in_sheet_and_row_order(cast):
    errors = apply.prepare(MISTAKES, cast.school1, DAY).errors
    sheets = ["人员", "场所", "班级", "网格", "时段"]
    keys = [(sheets.index(e.sheet), e.row) for e in errors]
    assert keys == sorted(keys)


def test_a_missing_sheet_or_column_is_an_error(cast):
    data = write_workbook({"人员": [["姓名", "类别"], ["周校长", "在编"]], "场所": [], "班级": [], "网格": []},
                          headers=False, help_sheet=False)
    errors = errors_of(data, cast.school1)
    assert ("时段", None, "") in errors and "缺少工作表" in errors[("时段", None, "")]
    assert "缺少列“工号”" in errors[("人员", 1, "工号")]


def test_a_file_that_is_not_a_workbook_is_an_error(cast):
    errors = apply.prepare(b"name,category\n", cast.school1, DAY).errors
    assert [e.reason for e in errors] == ["无法读取文件：请上传 Excel 工作簿（.xlsx）。"]


def test_a_parent_grid_cycle_is_an_error(cast):
    data = workbook(people=[person("周校长", "T001")], grids=[
        grid("甲网格", "乙网格", "", "", "周校长", "直接责任人"),
        grid("乙网格", "甲网格", "", "", "周校长", "直接责任人")])
    errors = errors_of(data, cast.school1)
    assert "形成循环" in errors[("网格", 2, "上级网格")] and "形成循环" in errors[("网格", 3, "上级网格")]


def test_an_assignment_written_twice_is_a_duplicate_not_merged(cast):
    data = workbook(people=[person("周校长", "T001")], places=[place("操场", holders="周校长")], grids=[
        grid("操场网格", "", "", "", "周校长", "具体责任人/网格员")])
    errors = errors_of(data, cast.school1)
    assert "重复：场所第2行已把“周校长”设为“操场网格”的具体责任人/网格员" in errors[("网格", 2, "负责人")]


def test_an_end_date_before_the_start_is_an_error(cast):
    data = workbook(people=[person("周校长", "T001")], grids=[
        grid("领导小组", "", "", "", "周校长", "第一责任人", start="2026-09-10", end="2026-09-01")])
    assert "结束日期早于开始日期" in errors_of(data, cast.school1)[("网格", 2, "结束日期")]


def test_an_end_date_before_the_import_date_needs_a_start_date(cast):
    data = workbook(people=[person("周校长", "T001")], grids=[
        grid("安全组", "", "", "", "周校长", "第一责任人", end="2026-08-01")])
    assert "导入日期2026-09-01" in errors_of(data, cast.school1)[("网格", 2, "结束日期")]


def test_reading_stops_at_nothing_every_sheet_is_checked(cast):
    sheets, errors = reader.read(MISTAKES)
    assert not errors and {name: len(rows) for name, rows in sheets.items()} == {
        "人员": 13, "场所": 6, "班级": 2, "网格": 10, "时段": 6}
