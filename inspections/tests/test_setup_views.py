"""Setting up inspections on the web: checklists and their versions, schedules, the school calendar."""

from __future__ import annotations

import datetime
import decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.actions import create_object
from core.audit import Actor
from core.models import AuditEvent
from core.testing.inspections import ITEMS, do_inspection, make_checklist, make_schedule
from core.testing.school import make_school
from core.testing.views import ViewCase, check_view
from inspections import checklists
from inspections.models import Checklist, ChecklistVersion, Holiday, Schedule, Term

D = datetime.date
pytestmark = pytest.mark.django_db

# Two standard tables in the shipped file's format: the pages are tested on these, whatever the file holds.
STANDARDS = [
    {"key": "fire", "name": "消防安全检查表", "topic": "fire", "description": "教学楼、宿舍的消防设施和疏散通道",
     "items": [
         {"key": "fire-01", "group": "消防设施", "text": "灭火器配置齐全、压力正常", "kind": "pass_fail",
          "photo_on_fail": True},
         {"key": "fire-02", "group": "疏散", "text": "安全出口、疏散通道畅通", "kind": "pass_fail", "major": True,
          "guidance": "逐层查看，不得锁闭或堆放杂物"},
         {"key": "fire-03", "group": "疏散", "text": "应急照明", "kind": "choice", "options": ["完好", "损坏"],
          "fail_options": ["损坏"]},
     ]},
    {"key": "canteen", "name": "食堂食品安全检查表", "topic": "canteen",
     "items": [
         {"key": "canteen-01", "group": "冷藏", "text": "冷藏温度", "kind": "number", "unit": "℃", "max": 8},
         {"key": "canteen-02", "group": "留样", "text": "每餐留样48小时", "kind": "pass_fail", "major": True},
     ]},
]


@pytest.fixture(autouse=True)
def standards(monkeypatch):
    monkeypatch.setattr(checklists, "standard_checklists", lambda: STANDARDS)
    return STANDARDS


def _setup(cast) -> SimpleNamespace:
    """school1's grid, a checklist with a schedule, a term and a holiday: built once per cast."""
    if not hasattr(cast, "_setup_objects"):
        school = make_school(cast.school1)
        checklist = make_checklist(cast.school1)
        schedule = make_schedule(cast.school1, checklist, name="班级日查", grids=[school.class_grid],
                                 roles="head_teacher")
        term = create_object(Actor(), Term(organisation=cast.school1, name="2026-2027学年第一学期",
                                           start=D(2026, 9, 1), end=D(2027, 1, 22)))
        holiday = create_object(Actor(), Holiday(organisation=cast.school1, name="国庆节", start=D(2026, 10, 1),
                                                 end=D(2026, 10, 7)))
        cast._setup_objects = SimpleNamespace(school=school, checklist=checklist, schedule=schedule, term=term,
                                              holiday=holiday)
    return cast._setup_objects


@pytest.fixture
def setup(cast):
    return _setup(cast)


def item_data(checklist, *, prefix="items", note="", base=None, extra=3, change=None, delete=(), add=()):
    """The editor's POST for a checklist's current items: `change` maps a key to new field values,
    `delete` lists keys to remove, `add` gives new items (dicts of field values)."""
    items = list(checklist.current_version.items.all()) if checklist.current_version else []
    data = {f"{prefix}-TOTAL_FORMS": str(len(items) + extra), f"{prefix}-INITIAL_FORMS": str(len(items)),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000", "note": note,
            "base_version": str(base if base is not None else (checklist.current_version.number
                                                               if checklist.current_version else 0))}

    def put(index, values):
        for name, value in values.items():
            if isinstance(value, bool):
                if value:
                    data[f"{prefix}-{index}-{name}"] = "on"
            elif isinstance(value, list):
                data[f"{prefix}-{index}-{name}"] = "\n".join(value)
            elif value is not None:
                data[f"{prefix}-{index}-{name}"] = str(value)

    for index, item in enumerate(items):
        values = {"position": item.position, "group": item.group, "text": item.text, "guidance": item.guidance,
                  "kind": item.kind, "unit": item.unit, "min_value": item.min_value, "max_value": item.max_value,
                  "options": item.options, "fail_options": item.fail_options, "is_major": item.is_major,
                  "photo_on_fail": item.photo_on_fail, "note_on_fail": item.note_on_fail}
        values.update((change or {}).get(item.key, {}))
        if item.key in delete:
            values["DELETE"] = True
        put(index, values)
    for offset in range(extra):
        index = len(items) + offset
        put(index, {"kind": "pass_fail", **(add[offset] if offset < len(add) else {})})
    return data


def schedule_data(setup, **values):
    data = {"name": "消防周查", "checklist": setup.checklist.pk, "cadence": "daily", "times_per_term": "1",
            "per_window": "1", "day_rule": "school_days", "grids": [setup.school.class_grid.pk],
            "start": "2026-09-01", "is_active": "on"}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def VC(*args, **kwargs):
    return ViewCase(*args, **kwargs)


def _checklist(c):
    return [_setup(c).checklist.pk]


def _schedule(c):
    return [_setup(c).schedule.pk]


def _term(c):
    return [_setup(c).term.pk]


def _holiday(c):
    return [_setup(c).holiday.pk]


CASES = [
    VC("inspection_setup:checklist_list"),
    VC("inspection_setup:standard_list"),
    VC("inspection_setup:standard_copy", method="post", writes=True, ok=(302,), data=lambda c: {"key": "fire"}),
    VC("inspection_setup:checklist_create"),
    VC("inspection_setup:checklist_create", method="post", writes=True, ok=(302,),
       data=lambda c: {"name": "食堂日查", "topic": "canteen", "description": "每天开餐前"}),
    VC("inspection_setup:checklist_detail", args=_checklist),
    VC("inspection_setup:version_detail", args=lambda c: [_setup(c).checklist.current_version_id]),
    VC("inspection_setup:checklist_edit", args=_checklist),
    VC("inspection_setup:checklist_edit", args=_checklist, method="post", writes=True, ok=(302,),
       data=lambda c: {"name": "消防日查（修订）", "topic": "fire", "description": "", "is_active": "on"}),
    VC("inspection_setup:checklist_items", args=_checklist),
    VC("inspection_setup:checklist_items", args=_checklist, method="post", writes=True, ok=(302,),
       data=lambda c: item_data(_setup(c).checklist, change={"f1": {"text": "灭火器压力正常"}})),
    VC("inspection_setup:schedule_list"),
    VC("inspection_setup:schedule_create"),
    VC("inspection_setup:schedule_create", method="post", writes=True, ok=(302,), data=lambda c: schedule_data(
        _setup(c))),
    VC("inspection_setup:schedule_detail", args=_schedule),
    VC("inspection_setup:schedule_edit", args=_schedule),
    VC("inspection_setup:schedule_edit", args=_schedule, method="post", writes=True, ok=(302,),
       data=lambda c: schedule_data(_setup(c), name="班级日查", cadence="weekdays", weekdays=["1", "3", "5"])),
    VC("inspection_setup:calendar"),
    VC("inspection_setup:term_create"),
    VC("inspection_setup:term_create", method="post", writes=True, ok=(302,),
       data=lambda c: {"name": "2026-2027学年第二学期", "start": "2027-02-22", "end": "2027-07-09"}),
    VC("inspection_setup:term_edit", args=_term),
    VC("inspection_setup:term_edit", args=_term, method="post", writes=True, ok=(302,),
       data=lambda c: {"name": "2026-2027学年第一学期", "start": "2026-09-01", "end": "2027-01-24"}),
    VC("inspection_setup:term_delete", args=_term),
    VC("inspection_setup:term_delete", args=_term, method="post", writes=True, ok=(302,)),
    VC("inspection_setup:holiday_create"),
    VC("inspection_setup:holiday_create", method="post", writes=True, ok=(302,),
       data=lambda c: {"name": "元旦", "kind": "holiday", "start": "2027-01-01", "end": "2027-01-01"}),
    VC("inspection_setup:holiday_edit", args=_holiday),
    VC("inspection_setup:holiday_edit", args=_holiday, method="post", writes=True, ok=(302,),
       data=lambda c: {"name": "国庆节", "kind": "holiday", "start": "2026-10-01", "end": "2026-10-08"}),
    VC("inspection_setup:holiday_delete", args=_holiday),
    VC("inspection_setup:holiday_delete", args=_holiday, method="post", writes=True, ok=(302,)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}-{c.name}")
def test_view_access_rules(cast, client, case):
    _setup(cast)
    check_view(client, cast, case)


WRITE_PAGES = ["checklist_edit", "checklist_items", "schedule_edit", "term_edit", "term_delete", "holiday_edit"]


@pytest.mark.parametrize("name", WRITE_PAGES)
def test_a_duty_leader_and_the_bureau_read_but_do_not_manage(cast, setup, client_for, name):
    obj = {"checklist_edit": setup.checklist, "checklist_items": setup.checklist, "schedule_edit": setup.schedule,
           "term_edit": setup.term, "term_delete": setup.term, "holiday_edit": setup.holiday}[name]
    for user in (cast.duty1, cast.bureau_admin):
        client = client_for(user)
        assert client.get(reverse(f"inspection_setup:{name}", args=[obj.pk])).status_code == 403
        assert client.post(reverse(f"inspection_setup:{name}", args=[obj.pk]), {}).status_code == 403


def test_the_bureau_reads_a_schools_checklists_and_schedules_but_creates_nothing(cast, setup, client_for):
    client = client_for(cast.bureau_admin)
    page = client.get(reverse("inspection_setup:checklist_list")).content.decode()
    assert "消防日查" in page and cast.school1.name in page
    assert client.get(reverse("inspection_setup:checklist_detail", args=[setup.checklist.pk])).status_code == 200
    assert client.get(reverse("inspection_setup:schedule_detail", args=[setup.schedule.pk])).status_code == 200
    assert client.get(reverse("inspection_setup:checklist_create")).status_code == 403
    assert client.get(reverse("inspection_setup:schedule_create")).status_code == 403
    calendar = client.get(reverse("inspection_setup:calendar")).content.decode()
    assert cast.school1.name in calendar  # a school to pick
    calendar = client.get(reverse("inspection_setup:calendar") + f"?org={cast.school1.pk}").content.decode()
    assert "2026-2027学年第一学期" in calendar and "新增学期" not in calendar


def test_a_sibling_schools_officer_does_not_see_our_checklists(cast, setup, client_for):
    page = client_for(cast.charlie).get(reverse("inspection_setup:checklist_list")).content.decode()
    assert "消防日查" not in page


# --- checklists ------------------------------------------------------------------------------------

def test_copying_a_standard_checklist_creates_version_1_with_its_items(cast, client_for):
    standard = STANDARDS[0]
    response = client_for(cast.alice).post(reverse("inspection_setup:standard_copy"), {"key": standard["key"]})
    checklist = Checklist.objects.get(organisation=cast.school1, name=standard["name"])
    assert response.status_code == 302
    assert response["Location"] == reverse("inspection_setup:checklist_detail", args=[checklist.pk])
    version = checklist.current_version
    assert version.number == 1
    assert [i.text for i in version.items.all()] == [i["text"] for i in standard["items"]]
    assert checklist.standard_key == standard["key"]


def test_copying_a_standard_checklist_twice_says_the_school_has_one(cast, client_for):
    standard = STANDARDS[0]
    client = client_for(cast.alice)
    url = reverse("inspection_setup:standard_copy")
    client.post(url, {"key": standard["key"]})
    page = client.post(url, {"key": standard["key"]}, follow=True).content.decode()
    assert f"本校已有名为“{standard['name']}”的排查表" in page
    assert Checklist.objects.filter(organisation=cast.school1, name=standard["name"]).count() == 1


def test_the_standard_list_shows_every_standard_with_counts_and_marks_those_the_school_has(cast, client_for):
    standards = STANDARDS
    client = client_for(cast.alice)
    client.post(reverse("inspection_setup:standard_copy"), {"key": standards[0]["key"]})
    page = client.get(reverse("inspection_setup:standard_list")).content.decode()
    for standard in standards:
        assert standard["name"] in page
        assert f"{len(standard['items'])}项" in page
    assert page.count("本校已有同名排查表") == 1
    assert page.count("复制到本校") == len(standards) - 1


def test_the_standard_list_marks_major_items(cast, client_for):
    page = client_for(cast.alice).get(reverse("inspection_setup:standard_list")).content.decode()
    assert "重大隐患项 1" in page and "安全出口、疏散通道畅通" in page and "每餐留样48小时" in page


def test_a_copied_standard_item_keeps_its_key_and_a_new_item_continues_the_numbering(cast, client_for):
    client = client_for(cast.alice)
    client.post(reverse("inspection_setup:standard_copy"), {"key": "fire"})
    checklist = Checklist.objects.get(organisation=cast.school1, standard_key="fire")
    client.post(reverse("inspection_setup:checklist_items", args=[checklist.pk]), item_data(
        checklist, add=[{"group": "疏散", "text": "疏散指示标志完好"}]))
    checklist.refresh_from_db()
    assert [i.key for i in checklist.current_version.items.all()] == ["fire-01", "fire-02", "fire-03", "fire-04"]


@pytest.mark.skipif(not checklists.STANDARD_FILE.exists(), reason="standard_checklists.json is not there yet")
def test_the_standard_list_shows_the_shipped_checklists(cast, client_for, monkeypatch):
    monkeypatch.undo()
    shipped = checklists.standard_checklists()
    page = client_for(cast.alice).get(reverse("inspection_setup:standard_list")).content.decode()
    assert all(data["name"] in page for data in shipped)
    assert page.count("复制到本校") == len(shipped)


def test_an_unknown_standard_is_not_found(cast, client_for):
    assert client_for(cast.alice).post(reverse("inspection_setup:standard_copy"), {"key": "nope"}).status_code == 404


def test_a_new_checklist_lands_on_the_item_editor_and_its_first_save_publishes_version_1(cast, client_for):
    client = client_for(cast.alice)
    response = client.post(reverse("inspection_setup:checklist_create"), {"name": "食堂日查", "topic": "canteen"})
    checklist = Checklist.objects.get(organisation=cast.school1, name="食堂日查")
    assert response["Location"] == reverse("inspection_setup:checklist_items", args=[checklist.pk])
    assert client.get(response["Location"]).status_code == 200
    response = client.post(response["Location"], item_data(checklist, add=[
        {"group": "后厨", "text": "生熟分开", "is_major": True},
        {"group": "后厨", "text": "冷藏温度", "kind": "number", "unit": "℃", "max_value": "8"}]))
    assert response.status_code == 302
    checklist.refresh_from_db()
    items = list(checklist.current_version.items.all())
    assert checklist.current_version.number == 1
    assert [(i.position, i.key, i.text, i.is_major) for i in items] == [
        (1, "item-01", "生熟分开", True), (2, "item-02", "冷藏温度", False)]
    assert items[1].max_value == decimal.Decimal("8")


def test_a_checklist_name_is_unique_in_the_school(cast, setup, client_for):
    response = client_for(cast.alice).post(reverse("inspection_setup:checklist_create"),
                                           {"name": "消防日查", "topic": "fire"})
    assert response.status_code == 200
    assert "本校已有名为“消防日查”的排查表" in response.content.decode()


def test_editing_items_publishes_version_2_and_version_1_stays_as_it_was(cast, setup, client_for):
    checklist = setup.checklist
    inspection, _created = do_inspection(setup.schedule, grid=setup.school.class_grid, on=D(2026, 9, 28))
    v1 = checklist.current_version
    before = [(i.key, i.text) for i in v1.items.all()]
    client = client_for(cast.alice)
    response = client.post(reverse("inspection_setup:checklist_items", args=[checklist.pk]), item_data(
        checklist, note="压力表单列", change={"f1": {"text": "灭火器压力表指针在绿区"}}))
    assert response.status_code == 302
    checklist.refresh_from_db()
    assert checklist.current_version.number == 2
    assert checklist.current_version.note == "压力表单列"
    assert checklist.current_version.items.get(key="f1").text == "灭火器压力表指针在绿区"
    assert [(i.key, i.text) for i in ChecklistVersion.objects.get(pk=v1.pk).items.all()] == before
    inspection.refresh_from_db()
    assert inspection.version_id == v1.pk
    record = client.get(reverse("inspection_records:inspection_detail", args=[inspection.pk])).content.decode()
    assert "灭火器压力正常、在有效期内" in record and "灭火器压力表指针在绿区" not in record
    old = client.get(reverse("inspection_setup:version_detail", args=[v1.pk])).content.decode()
    assert "灭火器压力正常、在有效期内" in old and "灭火器压力表指针在绿区" not in old
    assert "这是历史版本" in old and "用这一版完成的排查 1 次" in old
    detail = client.get(reverse("inspection_setup:checklist_detail", args=[checklist.pk])).content.decode()
    assert "第2版" in detail and "压力表单列" in detail
    assert reverse("inspection_setup:version_detail", args=[v1.pk]) in detail


def test_removing_one_item_and_adding_another(cast, setup, client_for):
    checklist = setup.checklist
    client_for(cast.alice).post(reverse("inspection_setup:checklist_items", args=[checklist.pk]), item_data(
        checklist, delete=["f4"], add=[{"group": "疏散", "text": "疏散通道畅通", "is_major": True,
                                        "photo_on_fail": True, "position": "3"}]))
    checklist.refresh_from_db()
    items = list(checklist.current_version.items.all())
    assert [i.key for i in items] == ["f1", "f2", "item-01", "f3", "f5"]
    assert [i.position for i in items] == [1, 2, 3, 4, 5]
    assert items[2].text == "疏散通道畅通" and items[2].is_major and items[2].photo_on_fail
    assert checklist.current_version.number == 2


def test_a_new_items_key_never_reuses_one_of_an_earlier_version(cast, setup, client_for):
    checklist = setup.checklist
    client = client_for(cast.alice)
    url = reverse("inspection_setup:checklist_items", args=[checklist.pk])
    client.post(url, item_data(checklist, add=[{"group": "其他", "text": "新项一"}]))
    checklist.refresh_from_db()
    client.post(url, item_data(checklist, delete=["item-01"]))
    checklist.refresh_from_db()
    client.post(url, item_data(checklist, add=[{"group": "其他", "text": "新项二"}]))
    checklist.refresh_from_db()
    assert checklist.current_version.number == 4
    assert checklist.current_version.items.get(text="新项二").key == "item-02"


def test_a_number_item_without_limits_is_refused_naming_the_item_and_nothing_is_published(cast, setup, client_for):
    checklist = setup.checklist
    response = client_for(cast.alice).post(reverse("inspection_setup:checklist_items", args=[checklist.pk]),
                                           item_data(checklist, change={"f3": {"max_value": None}}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "第3项" in page and "数值项须至少设下限或上限" in page
    checklist.refresh_from_db()
    assert checklist.current_version.number == 1
    assert ChecklistVersion.objects.filter(checklist=checklist).count() == 1


def test_saving_without_changes_publishes_nothing(cast, setup, client_for):
    checklist = setup.checklist
    response = client_for(cast.alice).post(reverse("inspection_setup:checklist_items", args=[checklist.pk]),
                                           item_data(checklist), follow=True)
    assert "没有改动" in response.content.decode()
    assert ChecklistVersion.objects.filter(checklist=checklist).count() == 1


def test_a_bad_row_is_shown_on_that_row(cast, setup, client_for):
    checklist = setup.checklist
    response = client_for(cast.alice).post(reverse("inspection_setup:checklist_items", args=[checklist.pk]),
                                           item_data(checklist, change={"f2": {"text": ""}, "f3": {"max_value": "x"}}))
    formset = response.context["formset"]
    assert formset.forms[1].errors["text"] and formset.forms[2].errors["max_value"]
    assert not formset.forms[0].errors
    assert ChecklistVersion.objects.filter(checklist=checklist).count() == 1


def test_an_edit_made_from_an_outdated_version_is_refused(cast, setup, client_for):
    checklist = setup.checklist
    client = client_for(cast.alice)
    url = reverse("inspection_setup:checklist_items", args=[checklist.pk])
    stale = item_data(checklist, change={"f1": {"text": "甲的修改"}})
    client.post(url, item_data(checklist, change={"f1": {"text": "乙的修改"}}))
    response = client.post(url, stale)
    assert response.status_code == 200 and "已被他人修改为第2版" in response.content.decode()
    checklist.refresh_from_db()
    assert checklist.current_version.items.get(key="f1").text == "乙的修改"


def test_the_editor_shows_every_item_as_a_card_with_three_blank_ones(cast, setup, client_for):
    page = client_for(cast.alice).get(reverse("inspection_setup:checklist_items",
                                              args=[setup.checklist.pk])).content.decode()
    assert page.count('class="item-card') == len(ITEMS) + 3
    assert "自动消防设施完好有效" in page and 'name="note"' in page


def test_the_checklist_page_groups_items_and_marks_them(cast, setup, client_for):
    page = client_for(cast.duty1).get(reverse("inspection_setup:checklist_detail",
                                              args=[setup.checklist.pk])).content.decode()
    assert page.index("消防设施") < page.index("疏散") < page.index("其他")
    assert "重大隐患项" in page and "须拍照" in page and "须说明" in page
    assert "≤0人" in page and "部分损坏" in page
    assert "班级日查" in page
    assert "编辑排查项" not in page  # a duty leader reads only


def test_deactivating_a_checklist_is_audited(cast, setup, client_for):
    client_for(cast.alice).post(reverse("inspection_setup:checklist_edit", args=[setup.checklist.pk]),
                                {"name": "消防日查", "topic": "fire", "description": ""})
    setup.checklist.refresh_from_db()
    assert not setup.checklist.is_active
    event = AuditEvent.objects.filter(object_type="inspections.checklist").first()
    assert event.changes == {"is_active": [True, False]}


def test_the_checklist_list_shows_counts_without_a_query_per_row(cast, setup, client_for, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.alice)
    url = reverse("inspection_setup:checklist_list")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(8):
        checklist = make_checklist(cast.school1, name=f"排查表{n}")
        make_schedule(cast.school1, checklist, name=f"计划{n}", grids=[setup.school.class_grid])
    with django_assert_num_queries(len(one)):
        page = client.get(url).content.decode()
    assert "排查表7" in page
    row = page[page.index("消防日查"):]
    assert ">5<" in row and ">1<" in row  # five items, one major, one schedule


# --- schedules -------------------------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    ({"cadence": "daily"}, {"cadence": "daily", "weekdays": "", "nth": None, "weekday": None}),
    ({"cadence": "weekdays", "weekdays": ["5", "1", "3"]}, {"weekdays": "135", "cadence_label": "每周一、周三、周五"}),
    ({"cadence": "monthly_nth", "nth": "1", "weekday": "2"}, {"nth": 1, "weekday": 2,
                                                              "cadence_label": "每月第一个周二"}),
    ({"cadence": "monthly_nth", "nth": "-1", "weekday": "5"}, {"nth": -1, "cadence_label": "每月最后一个周五"}),
    ({"cadence": "per_term", "times_per_term": "2", "grids": [], "key_locations": "on"},
     {"times_per_term": 2, "key_locations": True, "cadence_label": "每学期2次"}),
    ({"cadence": "ad_hoc", "grids": []}, {"cadence": "ad_hoc"}),
    ({"cadence": "daily", "time_from": "21:30", "time_to": "01:00", "per_window": "2", "day_rule": "all_days",
      "roles": ["head_teacher", "safety_officer"], "end": "2027-01-22"},
     {"time_from": datetime.time(21, 30), "roles": "head_teacher,safety_officer", "end": D(2027, 1, 22),
      "cadence_label": "每天，每次2遍 21:30–01:00"}),
])
def test_the_schedule_form_round_trips_each_cadence(cast, setup, client_for, values, expected):
    client = client_for(cast.alice)
    response = client.post(reverse("inspection_setup:schedule_create"), schedule_data(setup, **values))
    assert response.status_code == 302, response.context["form"].errors
    schedule = Schedule.objects.get(name="消防周查")
    for name, value in expected.items():
        assert getattr(schedule, name) == value, name
    form = client.get(reverse("inspection_setup:schedule_edit", args=[schedule.pk])).context["form"]
    if schedule.weekdays:
        assert form.initial["weekdays"] == list(schedule.weekdays)
    # Saving the edit form with what it shows changes nothing.
    again = {**schedule_data(setup, **values)}
    before = AuditEvent.objects.count()
    assert client.post(reverse("inspection_setup:schedule_edit", args=[schedule.pk]), again).status_code == 302
    assert AuditEvent.objects.count() == before


def test_the_weekday_checkboxes_show_the_schedules_days(cast, setup, client_for):
    schedule = make_schedule(cast.school1, setup.checklist, name="周查", cadence="weekdays", weekdays="135",
                             grids=[setup.school.class_grid])
    page = client_for(cast.alice).get(reverse("inspection_setup:schedule_edit", args=[schedule.pk])).content.decode()
    for value in "1234567":
        box = page[page.index(f'name="weekdays" value="{value}"'):]
        assert ("checked" in box[:box.index(">")]) == (value in "135")


def test_a_monthly_schedule_without_nth_is_refused_on_that_field(cast, setup, client_for):
    response = client_for(cast.alice).post(reverse("inspection_setup:schedule_create"),
                                           schedule_data(setup, cadence="monthly_nth", weekday="2"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "nth" in form.errors and "weekday" not in form.errors
    assert not Schedule.objects.filter(name="消防周查").exists()


def test_a_weekday_schedule_without_days_is_refused_on_that_field(cast, setup, client_for):
    response = client_for(cast.alice).post(reverse("inspection_setup:schedule_create"),
                                           schedule_data(setup, cadence="weekdays"))
    assert "weekdays" in response.context["form"].errors


def test_a_schedule_without_any_target_is_refused(cast, setup, client_for):
    response = client_for(cast.alice).post(reverse("inspection_setup:schedule_create"),
                                           schedule_data(setup, grids=[]))
    assert response.status_code == 200
    assert "请至少选择一个检查对象" in response.content.decode()
    assert not Schedule.objects.filter(name="消防周查").exists()


def test_a_time_window_needs_both_ends(cast, setup, client_for):
    response = client_for(cast.alice).post(reverse("inspection_setup:schedule_create"),
                                           schedule_data(setup, time_from="07:30"))
    assert "time_to" in response.context["form"].errors


def test_the_schedule_form_offers_only_our_schools_checklists_grids_and_places(cast, setup, client_for):
    other = make_school(cast.school2)
    foreign = make_checklist(cast.school2, name="别校排查表")
    client = client_for(cast.alice)
    form = client.get(reverse("inspection_setup:schedule_create")).context["form"]
    assert list(form.fields["checklist"].queryset) == [setup.checklist]
    assert other.class_grid not in form.fields["grids"].queryset
    assert other.room101 not in form.fields["places"].queryset
    response = client.post(reverse("inspection_setup:schedule_create"), schedule_data(
        setup, checklist=foreign.pk, grids=[other.class_grid.pk]))
    assert response.status_code == 200
    assert {"checklist", "grids"} <= set(response.context["form"].errors)


def test_a_schedule_name_is_unique_in_the_school(cast, setup, client_for):
    response = client_for(cast.alice).post(reverse("inspection_setup:schedule_create"),
                                           schedule_data(setup, name="班级日查"))
    assert "本校已有名为“班级日查”的排查计划" in response.content.decode()


def test_changing_a_schedules_grids_is_audited_with_before_and_after(cast, setup, client_for):
    client_for(cast.alice).post(reverse("inspection_setup:schedule_edit", args=[setup.schedule.pk]), schedule_data(
        setup, name="班级日查", roles=["head_teacher"], grids=[setup.school.floor_grid.pk]))
    event = AuditEvent.objects.filter(object_type="inspections.schedule", object_id=str(setup.schedule.pk)).first()
    assert event.changes == {"grids": [["一年级1班"], ["一层网格"]]}


def test_the_schedule_page_shows_the_next_two_weeks_and_todays_tasks_with_who_is_responsible(cast, setup,
                                                                                               client_for):
    do_inspection(setup.schedule, grid=setup.school.class_grid, on=D(2026, 9, 28))
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 9, 28, 10)), tick=False):
        page = client_for(cast.alice).get(reverse("inspection_setup:schedule_detail",
                                                  args=[setup.schedule.pk])).content.decode()
    # 28–30 Sep and 8–9 Oct: the National Day week and the weekends are off.
    for day in ("2026-09-28", "2026-09-30", "2026-10-08", "2026-10-09"):
        assert day in page
    assert "2026-10-05" not in page and "2026-10-03" not in page
    tasks = page[page.index("今天的任务"):]
    assert "一年级1班" in tasks and "王老师" in tasks and "已完成" in tasks
    assert "小明" not in tasks  # the monitor is not asked (roles=head_teacher)


def test_the_schedule_list_shows_targets_and_roles_without_a_query_per_row(cast, setup, client_for,
                                                                           django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.alice)
    url = reverse("inspection_setup:schedule_list")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    school = setup.school
    for n in range(8):
        make_schedule(cast.school1, setup.checklist, name=f"计划{n}", grids=[school.class_grid, school.floor_grid],
                      places=[school.playground], grid_kind="class", key_locations=True)
    with django_assert_num_queries(len(one)):
        page = client.get(url).content.decode()
    assert "计划7" in page and "网格：一层网格、一年级1班" in page and "全部班级网格" in page
    assert "场所：操场" in page and "全部重点部位" in page and "班主任" in page


# --- the school calendar ---------------------------------------------------------------------------

def test_the_calendar_counts_school_days_per_term(cast, setup, client_for):
    page = client_for(cast.alice).get(reverse("inspection_setup:calendar")).content.decode()
    # 1 Sep 2026 – 22 Jan 2027: 104 weekdays, less 5 in the National Day holiday.
    assert "2026-2027学年第一学期" in page and "99天" in page
    assert "国庆节" in page and "新增学期" in page


def test_a_make_up_day_adds_a_school_day(cast, setup, client_for):
    client = client_for(cast.alice)
    client.post(reverse("inspection_setup:holiday_create"), {"name": "国庆调休", "kind": "workday",
                                                             "start": "2026-10-10", "end": "2026-10-10"})
    assert "100天" in client.get(reverse("inspection_setup:calendar")).content.decode()


def test_a_term_overlapping_another_is_refused(cast, setup, client_for):
    response = client_for(cast.alice).post(reverse("inspection_setup:term_create"), {
        "name": "秋季学期", "start": "2027-01-10", "end": "2027-06-30"})
    assert response.status_code == 200
    assert "学期时间与已有学期重叠" in response.content.decode()
    assert not Term.objects.filter(name="秋季学期").exists()


def test_a_holiday_ending_before_it_starts_is_refused_on_the_end_date(cast, setup, client_for):
    response = client_for(cast.alice).post(reverse("inspection_setup:holiday_create"), {
        "name": "春节", "kind": "holiday", "start": "2027-02-10", "end": "2027-02-01"})
    assert "end" in response.context["form"].errors


def test_deleting_a_holiday_asks_first_then_deletes_with_an_audit_entry(cast, setup, client_for):
    client = client_for(cast.alice)
    url = reverse("inspection_setup:holiday_delete", args=[setup.holiday.pk])
    assert "确定删除假日“国庆节”吗" in client.get(url).content.decode()
    assert Holiday.objects.filter(pk=setup.holiday.pk).exists()
    client.post(url)
    assert not Holiday.objects.filter(pk=setup.holiday.pk).exists()
    assert AuditEvent.objects.filter(object_type="inspections.holiday", action="delete").exists()


def test_the_calendar_query_count_does_not_grow_with_rows(cast, setup, client_for, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.alice)
    url = reverse("inspection_setup:calendar")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for year in range(2027, 2032):
        Term.objects.create(organisation=cast.school1, name=f"{year}春", start=D(year, 2, 20), end=D(year, 7, 10))
        Holiday.objects.create(organisation=cast.school1, name=f"{year}劳动节", start=D(year, 5, 1),
                               end=D(year, 5, 5))
    with django_assert_num_queries(len(one)):
        page = client.get(url).content.decode()
    assert "2031春" in page and "2031劳动节" in page
