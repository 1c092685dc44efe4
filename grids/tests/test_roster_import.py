"""Roster import: building a school from a workbook, re-importing, edits, removals, names."""

import copy
import datetime

import pytest

from campus.models import Place
from core.models import AuditEvent
from grids import coverage
from grids.models import Assignment, Grid, TimeSlot
from grids.roster import apply, examples
from grids.roster.testing import grid, person, place, school_class, slot, workbook
from grids.roster.writer import write_workbook
from people.models import Person, Post, PostHolding, SchoolClass

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 9, 1)
LATER = DAY + datetime.timedelta(days=10)


def imported(data, organisation, today=DAY, **kwargs):
    plan, counts = apply.import_roster(data, organisation, today=today, **kwargs)
    assert not plan.errors, [str(e) for e in plan.errors]
    return plan, counts


def edited(**changes) -> bytes:
    """The example workbook with some sheets' rows replaced."""
    sheets = copy.deepcopy(examples.example_sheets())
    sheets.update(changes)
    return write_workbook(sheets)


def summary(plan):
    return [(c.action, c.model, c.subject) for c in plan.changes]


def test_the_example_imports_into_an_empty_school_with_no_coverage_finding(cast):
    imported(examples.example(), cast.school1)
    assert Person.objects.filter(organisation=cast.school1).count() == 40
    assert Place.objects.filter(organisation=cast.school1).count() == 38
    assert SchoolClass.objects.filter(organisation=cast.school1).count() == 6
    assert TimeSlot.objects.filter(organisation=cast.school1).count() == 7
    assert set(Post.objects.filter(organisation=cast.school1).values_list("name", flat=True)) == {
        "保安", "保洁人员", "宿管", "食堂从业人员"}
    assert coverage.compute(cast.school1, DAY, 30).findings == []


def test_the_example_builds_the_grids_its_rows_imply(cast):
    imported(examples.example(), cast.school1)
    lab = Grid.objects.get(organisation=cast.school1, name="综合楼二层化学品储存室网格")
    assert lab.kind == "department" and lab.level == 4 and lab.parent.name == "综合楼二层网格"
    assert lab.parent.parent.name == "综合楼网格" and lab.parent.parent.parent.name == "学校安全工作领导小组"
    assert {(a.person.name, a.role) for a in lab.assignments.all()} == {
        ("胡明", "point_head"), ("陈立新", "point_head")}
    store = Place.objects.get(organisation=cast.school1, name="化学品储存室")
    assert store.is_major_hazard and store.is_key_location and store.full_name == "综合楼/二层/化学品储存室"
    class_grid = Grid.objects.get(organisation=cast.school1, name="一年级1班")
    assert class_grid.school_class.classroom.full_name == "教学楼/一层/101教室"
    assert class_grid.parent.name == "教学楼一层网格"
    assert {(a.person.name, a.role) for a in class_grid.assignments.all()} == {
        ("赵丽", "head_teacher"), ("李子涵", "monitor")}
    gate = Grid.objects.get(organisation=cast.school1, name="校门网格")
    assert {(a.holder.name, a.role) for a in gate.assignments.all()} == {
        ("保安", "specific"), ("钱国庆", "safety_officer")}
    night = TimeSlot.objects.get(organisation=cast.school1, name="夜间值守")
    assert night.weekdays == "1234567" and night.start_time == datetime.time(18)


def test_reimporting_the_same_workbook_changes_nothing_and_writes_no_audit_event(cast):
    imported(examples.example(), cast.school1)
    before = AuditEvent.objects.count()
    plan, counts = imported(examples.example(), cast.school1, today=LATER, prune=True)
    assert plan.changes == [] and counts == {}
    assert AuditEvent.objects.count() == before


def test_an_import_records_one_summary_event_besides_each_objects_own(cast):
    _plan, counts = imported(examples.example(), cast.school1)
    event = AuditEvent.objects.get(object_type="grids.roster")
    assert event.organisation == cast.school1 and event.action == "import"
    assert {k: v[1] for k, v in event.changes.items() if k != "prune"} == counts
    assert counts["person_create"] == 40
    assert AuditEvent.objects.filter(object_type="people.person", action="create").count() == 40


def test_an_edited_workbook_gives_exactly_its_differences(cast):
    imported(examples.example(), cast.school1)
    base = examples.example_sheets()
    people = [*base["人员"], person("邓新", "T040", "在编", "综合组", "音乐教师", "13905710040")]
    people = [[*p[:3], "教务处", *p[4:]] if p[0] == "吴静" else p for p in people]
    places = [[*p[:4], "否", *p[5:]] if p[2] == "图书室" else p for p in base["场所"]]
    places = [[*p[:6], "邓新", *p[7:]] if p[2] == "音乐教室" else p for p in places]
    slots = [["上午教学", "一至五", "08:00", "11:50", "王志强", ""] if s[0] == "上午教学" else
             ["午餐午休", "一至五", "11:50", "14:00", "杨帆", s[5]] if s[0] == "午餐午休" else s for s in base["时段"]]
    plan, _counts = imported(edited(人员=people, 场所=places, 时段=slots), cast.school1, today=LATER)
    assert summary(plan) == [
        ("update", "person", "吴静"),
        ("create", "person", "邓新"),
        ("update", "place", "教学楼/三层/图书室"),
        ("update", "slot", "上午教学"),
        ("update", "slot", "午餐午休"),
        ("create", "assignment", "综合楼三层音乐教室网格 · 网点长 · 邓新"),
        ("end", "assignment", "综合楼三层音乐教室网格 · 网点长 · 何静"),
    ]
    assert plan.changes[0].detail == "部门：二年级组 → 教务处"
    assert plan.changes[3].detail == "时间：一至五 08:00–11:40 → 一至五 08:00–11:50"
    assert Person.objects.get(organisation=cast.school1, staff_no="T013").department == "教务处"
    new = Assignment.objects.get(grid__name="综合楼三层音乐教室网格", person__name="邓新")
    assert new.start == LATER and new.end is None


def test_removals_are_applied_only_with_prune_and_nothing_is_deleted(cast):
    imported(examples.example(), cast.school1)
    base = examples.example_sheets()
    people = [p for p in base["人员"] if p[0] != "蒋文"]
    grids = [g for g in base["网格"] if g[4] != "蒋文"]
    data = edited(人员=people, 网格=grids)
    counts_before = (Person.objects.count(), Assignment.objects.count(), Grid.objects.count())

    plan, _counts = imported(data, cast.school1, today=LATER)
    assert summary(plan) == [("end", "assignment", "德育与心理健康网格 · 具体责任人/网格员 · 蒋文"),
                             ("leave", "person", "蒋文")]
    jiang = Person.objects.get(organisation=cast.school1, staff_no="T031")
    assert jiang.status == "active" and jiang.assignments.get().end is None

    imported(data, cast.school1, today=LATER, prune=True)
    jiang.refresh_from_db()
    yesterday = LATER - datetime.timedelta(days=1)
    assert (jiang.status, jiang.left_on) == ("left", yesterday)
    assert jiang.assignments.get().end == yesterday
    assert (Person.objects.count(), Assignment.objects.count(), Grid.objects.count()) == counts_before
    assert imported(data, cast.school1, today=LATER, prune=True)[0].changes == []


def test_a_student_no_longer_listed_is_marked_graduated(cast):
    imported(examples.example(), cast.school1)
    base = examples.example_sheets()
    people = [p for p in base["人员"] if p[0] != "杨一诺"]
    classes = [[*c[:3], "", c[4]] if c[3] == "杨一诺" else c for c in base["班级"]]
    imported(edited(人员=people, 班级=classes), cast.school1, today=LATER, prune=True)
    assert Person.objects.get(organisation=cast.school1, name="杨一诺").status == "graduated"


def test_places_grids_and_posts_no_longer_listed_are_only_reported(cast):
    imported(examples.example(), cast.school1)
    base = examples.example_sheets()
    places = [p for p in base["场所"] if p[2] != "美术教室"]
    plan, _counts = imported(edited(场所=places), cast.school1, today=LATER, prune=True)
    assert ("keep", "place", "综合楼/三层/美术教室") in summary(plan)
    assert ("keep", "grid", "综合楼三层美术教室网格") in summary(plan)
    assert ("end", "assignment", "综合楼三层美术教室网格 · 网点长 · 罗刚") in summary(plan)
    assert Place.objects.filter(organisation=cast.school1, name="美术教室").exists()


def test_an_ambiguous_name_must_be_given_by_staff_number(cast):
    people = [person("王静", "T017"), person("王静", "K002", "聘用")]
    ambiguous = workbook(people=people, places=[place("操场", holders="王静")])
    errors = apply.prepare(ambiguous, cast.school1, DAY).errors
    assert [e.reason for e in errors] == ["“王静”有2人同名（工号：T017、K002），请改填工号。"]
    by_number = workbook(people=people, places=[place("操场", holders="K002"), place("校门", holders="王静（T017）")])
    imported(by_number, cast.school1)
    assert Grid.objects.get(name="操场网格").assignments.get().person.staff_no == "K002"
    assert Grid.objects.get(name="校门网格").assignments.get().person.staff_no == "T017"


def test_a_name_with_the_wrong_staff_number_is_an_error(cast):
    data = workbook(people=[person("王静", "T017"), person("李明", "T018")],
                    places=[place("操场", holders="王静（T018）")])
    assert "工号“T018”是李明，不是王静" in apply.prepare(data, cast.school1, DAY).errors[0].reason


def test_a_post_can_be_in_charge(cast):
    data = workbook(people=[person("赵保安", "B001", "聘用", posts="保安")], places=[place("校门", holders="保安")])
    imported(data, cast.school1)
    assignment = Grid.objects.get(name="校门网格").assignments.get()
    assert assignment.post.name == "保安" and assignment.role == "specific"
    assert PostHolding.objects.get(post=assignment.post).person.name == "赵保安"


def test_new_assignments_start_on_the_grid_sheet_date_or_else_the_import_date(cast):
    data = workbook(people=[person("周校长", "T001"), person("李副校长", "T002")], grids=[
        grid("领导小组", "", "", "领导网格", "周校长", "第一责任人", start="2026-08-25"),
        grid("领导小组", "", "", "", "李副校长", "直接责任人", end="2026-12-31")])
    imported(data, cast.school1)
    direct, first = Grid.objects.get(name="领导小组").assignments.order_by("role")
    assert (direct.role, direct.start, direct.end) == ("direct", DAY, datetime.date(2026, 12, 31))
    assert (first.role, first.start, first.end) == ("first", datetime.date(2026, 8, 25), None)


def test_excel_dates_and_times_are_read_like_text(cast):
    data = workbook(people=[person("周校长", "T001")], grids=[
        grid("领导小组", "", "一级", "领导网格", "周校长", "第一责任人", slots="早间",
             start=datetime.date(2026, 8, 25))],
        slots=[slot("早间", "周一至周五", datetime.time(7), datetime.time(8))])
    imported(data, cast.school1)
    assert Assignment.objects.get().start == datetime.date(2026, 8, 25)
    early = TimeSlot.objects.get(name="早间")
    assert (early.weekdays, early.start_time, early.end_time) == ("12345", datetime.time(7), datetime.time(8))


def test_a_staff_number_added_later_updates_the_same_person(cast):
    imported(workbook(people=[person("周校长"), person("小明", category="学生")]), cast.school1)
    plan, _counts = imported(workbook(people=[person("周校长", "T001"), person("小明", category="学生")]),
                             cast.school1, today=LATER)
    assert summary(plan) == [("update", "person", "周校长")]
    assert Person.objects.get(organisation=cast.school1, name="周校长").staff_no == "T001"


def test_a_person_listed_as_left_gets_a_leaving_date(cast):
    imported(workbook(people=[person("周校长", "T001")]), cast.school1)
    imported(workbook(people=[person("周校长", "T001", status="离职")]), cast.school1, today=LATER)
    principal = Person.objects.get(organisation=cast.school1)
    assert (principal.status, principal.left_on) == ("left", LATER - datetime.timedelta(days=1))


def test_an_area_with_floors_is_a_building_unless_its_type_says_otherwise(cast):
    data = workbook(people=[person("周校长", "T001")], places=[
        place("教学楼", "一层", "101教室"), place("操场", "", "器材室"), place("风雨操场", kind="楼宇")])
    imported(data, cast.school1)
    kinds = dict(Place.objects.filter(organisation=cast.school1, parent=None).values_list("name", "kind"))
    assert kinds == {"教学楼": "building", "操场": "outdoor", "风雨操场": "building"}
    assert Place.objects.get(name="器材室").parent.name == "操场"


def test_place_codes_are_generated_stable_and_unique(cast):
    data = workbook(places=[place("教学楼", "一层", "101教室"), place("实验楼", "一层", "101教室")])
    imported(data, cast.school1)
    imported(data, cast.school2)
    codes = {p.full_name: p.code for p in Place.objects.filter(organisation=cast.school1)}
    assert len(set(codes.values())) == 6
    assert codes == {p.full_name: p.code for p in Place.objects.filter(organisation=cast.school2)}


def test_a_class_grid_hangs_under_its_classrooms_floor_grid(cast):
    data = workbook(people=[person("王老师", "T001"), person("李主任", "T002")],
                    places=[place("教学楼", holders="李主任"), place("教学楼", "一层", holders="李主任"),
                            place("教学楼", "一层", "101教室")],
                    classes=[school_class("一年级", "1班", "王老师", classroom="101教室")])
    imported(data, cast.school1)
    class_grid = Grid.objects.get(name="一年级1班")
    assert class_grid.parent.name == "教学楼一层网格" and class_grid.level == 3
    assert list(class_grid.places.values_list("name", flat=True)) == ["101教室"]
