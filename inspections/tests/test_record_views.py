"""Inspection records pages: list and export, detail, photos, missed checks, rates, findings, check-ins."""

import datetime
import decimal
import io

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.audit import Actor
from core.models import AuditEvent
from core.testing.inspections import ALL_PASS, do_inspection, make_checklist, make_schedule
from core.testing.personas import make_user
from core.testing.school import make_school
from core.testing.views import ViewCase, check_view
from inspections.models import CheckIn, Inspection, Photo, Term
from orgs.roles import Role
from people.models import Person

D = datetime.date
TODAY = D(2026, 9, 30)  # a Wednesday of the test school's first term
pytestmark = pytest.mark.django_db

NIGHT_ITEMS = [
    {"key": "n1", "group": "宿舍", "text": "疏散通道畅通", "kind": "pass_fail", "is_major": True},
    {"key": "n2", "group": "宿舍", "text": "违规电器", "kind": "pass_fail"},
]


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def now():
    with time_machine.travel(at(TODAY), tick=False):
        yield


def records(cast):
    """School1 with checklists, schedules and a grid leader's account, built once per cast."""
    if hasattr(cast, "_records"):
        return cast._records
    school = make_school(cast.school1)
    Term.objects.create(organisation=cast.school1, name="2026-2027学年第一学期", start=D(2026, 9, 1),
                        end=D(2027, 1, 22))
    school.checklist = make_checklist(cast.school1)
    school.night_checklist = make_checklist(cast.school1, name="宿舍夜查", items=NIGHT_ITEMS)
    school.class_daily = make_schedule(cast.school1, school.checklist, name="班级日查", grids=[school.class_grid],
                                       roles="head_teacher")
    school.playground_daily = make_schedule(cast.school1, school.checklist, name="操场日查",
                                            grids=[school.playground_grid])
    school.night_check = make_schedule(cast.school1, school.night_checklist, name="宿舍夜查",
                                       places=[school.room102])
    # 王老师 leads the floor grid (and the class below it) and has an account.
    school.wang_user = make_user("wang", cast.school1, Role.GRID_LEADER, name="王老师")
    Person.objects.filter(pk=school.wang.pk).update(user=school.wang_user)
    school.wang.refresh_from_db()
    school.inspection, _ = do_inspection(school.class_daily, grid=school.class_grid, on=D(2026, 9, 28),
                                         answers={**ALL_PASS, "f4": "无"}, notes={"f4": "走廊应急灯不亮"},
                                         inspector=school.wang, actor=Actor(user=cast.alice))
    school.photo = add_photo(school.inspection, "f4")
    cast._records = school
    return school


def add_photo(inspection, item_key: str = "", data: bytes = b"\xff\xd8\xff\xe0 full", thumb: bytes = b"\xff\xd8 thumb"):
    photo = Photo(organisation_id=inspection.organisation_id, inspection=inspection, item_key=item_key,
                  content_type="image/jpeg", size=len(data), width=40, height=30, sha256="0" * 64,
                  original_name="现场.jpg")
    photo.image.save("p.jpg", ContentFile(data), save=False)
    photo.thumbnail.save("p.thumb.jpg", ContentFile(thumb), save=False)
    photo.save()
    return photo


def ids(response) -> set[int]:
    return {obj.pk for obj in response.context["page"]}


CASES = [
    ViewCase("inspection_records:inspection_list"),
    ViewCase("inspection_records:inspection_export", writes=True),
    ViewCase("inspection_records:inspection_detail", args=lambda c: [records(c).inspection.pk]),
    ViewCase("inspection_records:photo", args=lambda c: [records(c).photo.pk]),
    ViewCase("inspection_records:photo_thumb", args=lambda c: [records(c).photo.pk]),
    ViewCase("inspection_records:missed"),
    ViewCase("inspection_records:rates"),
    ViewCase("inspection_records:rates_export", writes=True),
    ViewCase("inspection_records:findings"),
    ViewCase("inspection_records:checkins"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_page_checks_access(cast, client, case):
    records(cast)
    check_view(client, cast, case)


# --- the list ----------------------------------------------------------------------------------------------


@pytest.fixture
def many(cast, now):
    """Inspections of several days, targets and results."""
    s = records(cast)
    s.day29, _ = do_inspection(s.class_daily, grid=s.class_grid, on=D(2026, 9, 29), inspector=s.wang)
    s.playground, _ = do_inspection(s.playground_daily, grid=s.playground_grid, on=D(2026, 9, 29),
                                    answers={**ALL_PASS, "f3": "2"})
    s.night, _ = do_inspection(s.night_check, grid=s.class_grid, place=s.room102, on=D(2026, 9, 30),
                               answers={"n1": "fail", "n2": "pass"})
    s.old, _ = do_inspection(s.class_daily, grid=s.class_grid, on=D(2026, 9, 14))
    return s


def test_the_list_shows_the_last_seven_days_by_default(cast, client_for, many):
    response = client_for(cast.alice).get(reverse("inspection_records:inspection_list"))
    assert ids(response) == {many.inspection.pk, many.day29.pk, many.playground.pk, many.night.pk}
    assert many.old.pk not in ids(response)


@pytest.mark.parametrize("params, expected", [
    ({"grid": "class_grid"}, {"inspection", "day29", "night"}),
    ({"place": "room102"}, {"night"}),
    ({"schedule": "playground_daily"}, {"playground"}),
    ({"checklist": "night_checklist"}, {"night"}),
    ({"inspector": "wang"}, {"inspection", "day29"}),
    ({"result": "zero"}, {"day29"}),
    ({"result": "failed"}, {"inspection", "playground", "night"}),
    ({"result": "major"}, {"night"}),
    ({"since": "2026-09-29", "until": "2026-09-29"}, {"day29", "playground"}),
    ({"since": "2026-09-01", "until": "2026-09-14"}, {"old"}),
])
def test_list_filters_filter(cast, client_for, many, params, expected):
    query = {}
    for key, value in params.items():
        obj = getattr(many, value, None)
        query[key] = obj.pk if obj is not None and key not in ("since", "until", "result") else value
    response = client_for(cast.alice).get(reverse("inspection_records:inspection_list"), query)
    assert ids(response) == {getattr(many, name).pk for name in expected}


def test_via_qr_filter_and_offline_badge(cast, client_for, many):
    scan = CheckIn.objects.create(organisation=cast.school1, place=many.room101, user=cast.alice)
    Inspection.objects.filter(pk=many.day29.pk).update(check_in=scan)
    client = client_for(cast.alice)
    assert ids(client.get(reverse("inspection_records:inspection_list"), {"via_qr": "yes"})) == {many.day29.pk}
    assert many.day29.pk not in ids(client.get(reverse("inspection_records:inspection_list"), {"via_qr": "no"}))
    # do_inspection's phone clock says 09:00; the server received it at the same moment: not offline.
    Inspection.objects.filter(pk=many.night.pk).update(received_at=at(D(2026, 9, 30), 12))
    page = client.get(reverse("inspection_records:inspection_list")).content.decode()
    assert page.count("离线补传") == 1 and "零报告" in page and 'class="badge major"' in page


def test_a_sibling_school_sees_none_of_the_records(cast, client_for, many):
    response = client_for(cast.charlie).get(reverse("inspection_records:inspection_list"),
                                            {"organisation": cast.school1.pk})
    assert ids(response) == set()


def test_a_bureau_picks_a_school_and_then_its_grids(cast, client_for, many):
    client = client_for(cast.bureau_admin)
    response = client.get(reverse("inspection_records:inspection_list"))
    assert "grid" not in response.context["form"].fields and len(ids(response)) == 4
    response = client.get(reverse("inspection_records:inspection_list"),
                          {"organisation": cast.school2.pk, "grid": many.class_grid.pk})
    assert ids(response) == set()  # school2 has no records; school1's grid is not a choice there
    response = client.get(reverse("inspection_records:inspection_list"),
                          {"organisation": cast.school1.pk, "grid": many.playground_grid.pk})
    assert ids(response) == {many.playground.pk}


def test_htmx_requests_get_the_results_or_the_whole_form(cast, client_for, many):
    client = client_for(cast.alice)
    url = reverse("inspection_records:inspection_list")
    results = client.get(url, headers={"HX-Request": "true", "HX-Target": "results"}).content.decode()
    assert results.lstrip().startswith('<div id="results">') and "<form" not in results
    whole = client.get(url, headers={"HX-Request": "true", "HX-Target": "records"}).content.decode()
    assert whole.lstrip().startswith('<div id="records">') and "<form" in whole


def test_the_export_has_a_row_per_inspection_and_a_sheet_of_findings(cast, client_for, many):
    from python_calamine import CalamineWorkbook

    before = AuditEvent.objects.filter(action="export").count()
    response = client_for(cast.alice).get(reverse("inspection_records:inspection_export"), {"result": "failed"})
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    inspections, findings = (book.get_sheet_by_index(i).to_python() for i in (0, 1))
    assert len(inspections) == 1 + 3 and len(findings) == 1 + 3
    assert {row[5] for row in findings[1:]} == {"应急照明", "未归寝人数", "疏散通道畅通"}
    assert AuditEvent.objects.filter(action="export").count() == before + 1


def test_the_list_runs_a_fixed_number_of_queries(cast, client_for, many):
    client = client_for(cast.bureau_admin)
    url = reverse("inspection_records:inspection_list")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for day in (D(2026, 9, 25), D(2026, 9, 26)):
        do_inspection(many.night_check, grid=many.class_grid, place=many.room102, on=day,
                      answers={"n1": "pass", "n2": "fail"}, inspector=many.wang)
        do_inspection(many.playground_daily, grid=many.playground_grid, on=day)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


# --- one record and its photos -----------------------------------------------------------------------------


def test_the_detail_shows_answers_failures_notes_and_photos(cast, client_for, many):
    response = client_for(cast.alice).get(reverse("inspection_records:inspection_detail", args=[many.inspection.pk]))
    page = response.content.decode()
    groups = dict(response.context["groups"])
    assert list(groups) == ["消防设施", "疏散", "其他"]
    rows = {r.item.key: r for rows in groups.values() for r in rows}
    assert rows["f1"].label == "合格" and not rows["f1"].failed
    assert rows["f3"].label == "0人"
    assert rows["f4"].failed and rows["f4"].note == "走廊应急灯不亮" and rows["f4"].photos == [many.photo]
    assert 'class="failed"' in page and "走廊应急灯不亮" in page
    assert reverse("inspection_records:photo_thumb", args=[many.photo.pk]) in page
    assert "艾丽" in page  # submitted by


def test_the_detail_runs_a_fixed_number_of_queries(cast, client_for, many):
    client = client_for(cast.alice)
    url = reverse("inspection_records:inspection_detail", args=[many.inspection.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        add_photo(many.inspection, "f4")
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more.captured_queries) == len(few.captured_queries)


def test_a_photo_streams_privately_with_its_type(cast, client_for):
    s = records(cast)
    client = client_for(cast.duty1)
    response = client.get(reverse("inspection_records:photo", args=[s.photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff\xe0 full"
    thumb = client.get(reverse("inspection_records:photo_thumb", args=[s.photo.pk]))
    assert b"".join(thumb.streaming_content) == b"\xff\xd8 thumb"


def test_another_schools_photo_is_not_found(cast, client_for):
    s = records(cast)
    assert client_for(cast.charlie).get(reverse("inspection_records:photo", args=[s.photo.pk])).status_code == 404
    assert client_for(cast.charlie).get(
        reverse("inspection_records:photo_thumb", args=[s.photo.pk])).status_code == 404


def test_a_grid_member_sees_photos_of_their_own_inspections_only(cast, client_for):
    s = records(cast)
    member = make_user("zhou", cast.school1, Role.GRID_MEMBER, name="周老师")
    mine, _ = do_inspection(s.class_daily, grid=s.class_grid, on=D(2026, 9, 29), actor=Actor(user=member))
    my_photo = add_photo(mine)
    client = client_for(member)
    assert client.get(reverse("inspection_records:photo", args=[my_photo.pk])).status_code == 200
    assert client.get(reverse("inspection_records:photo", args=[s.photo.pk])).status_code == 403
    # bob's membership is a division's: he sees no school records, yet his own inspection's photos.
    bobs, _ = do_inspection(s.class_daily, grid=s.class_grid, on=D(2026, 9, 30), actor=Actor(user=cast.bob))
    bobs_photo = add_photo(bobs)
    assert client_for(cast.bob).get(reverse("inspection_records:photo_thumb", args=[bobs_photo.pk])).status_code == 200


def test_a_photo_whose_file_is_gone_is_not_found(cast, client_for):
    s = records(cast)
    s.photo.image.delete(save=False)
    assert client_for(cast.alice).get(reverse("inspection_records:photo", args=[s.photo.pk])).status_code == 404


# --- missed checks and rates -------------------------------------------------------------------------------


def test_missed_checks_default_to_yesterday_with_who_was_responsible(cast, client_for, now):
    s = records(cast)
    response = client_for(cast.alice).get(reverse("inspection_records:missed"))
    tasks = list(response.context["page"])
    assert {(t.schedule.name, t.target_label, t.window.start) for t in tasks} == {
        ("班级日查", "一年级1班", D(2026, 9, 29)), ("操场日查", "操场网格", D(2026, 9, 29)),
        ("宿舍夜查", "教学楼/一层/102教室", D(2026, 9, 29))}
    by_schedule = {t.schedule.name: [p.name for p in t.people] for t in tasks}
    assert by_schedule["班级日查"] == ["王老师"] and by_schedule["操场日查"] == ["赵保安"]
    assert "赵保安" in response.content.decode()
    del s


def test_a_grid_leader_sees_only_the_misses_of_their_grids(cast, client_for, now):
    s = records(cast)
    response = client_for(s.wang_user).get(reverse("inspection_records:missed"),
                                           {"since": "2026-09-28", "until": "2026-09-29"})
    tasks = list(response.context["page"])
    # The class grid's daily check on the 29th (the 28th was done) and the night check of room 102,
    # which the class grid covers; not the playground.
    assert {(t.schedule.name, t.window.start) for t in tasks} == {
        ("班级日查", D(2026, 9, 29)), ("宿舍夜查", D(2026, 9, 28)), ("宿舍夜查", D(2026, 9, 29))}
    assert "仅显示您负责的网格" in response.content.decode()


def test_a_grid_leader_without_a_person_is_told_why(cast, client_for, now):
    records(cast)
    leader = make_user("nobody", cast.school1, Role.GRID_LEADER)
    response = client_for(leader).get(reverse("inspection_records:missed"))
    assert "尚未关联人员档案" in response.content.decode()


def test_a_bureau_picks_a_school_for_missed_checks(cast, client_for, now):
    records(cast)
    client = client_for(cast.bureau_admin)
    page = client.get(reverse("inspection_records:missed")).content.decode()
    assert "请选择学校" in page and cast.school2.name in page
    response = client.get(reverse("inspection_records:missed"), {"organisation": cast.school1.pk})
    assert len(list(response.context["page"])) == 3


def test_missed_checks_run_a_fixed_number_of_queries(cast, client_for, now):
    s = records(cast)
    client = client_for(cast.alice)
    url = reverse("inspection_records:missed")
    params = {"since": "2026-09-21", "until": "2026-09-22"}
    client.get(url, params)
    with CaptureQueriesContext(connection) as small:
        client.get(url, params)
    params["until"] = "2026-09-29"
    make_schedule(cast.school1, s.checklist, name="楼层日查", grids=[s.floor_grid, s.building_grid])
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, params)
    assert response.context["page"].paginator.count > 10
    assert len(large.captured_queries) == len(small.captured_queries)


def rate_rows(response):
    return {r.label: (r.required, r.done, r.missed, r.percent) for r in response.context["rows"]}


def test_rates_by_grid_person_and_school(cast, client_for, now):
    s = records(cast)
    do_inspection(s.playground_daily, grid=s.playground_grid, on=D(2026, 9, 29))
    client = client_for(cast.alice)
    period = {"period": "custom", "since": "2026-09-28", "until": "2026-09-29"}
    by_grid = client.get(reverse("inspection_records:rates"), {**period, "by": "grid"})
    # The night check of room 102 counts for the class grid, which covers it.
    assert rate_rows(by_grid) == {"一年级1班": (4, 1, 3, 25.0), "操场网格": (2, 1, 1, 50.0)}
    assert [r.label for r in by_grid.context["rows"]] == ["一年级1班", "操场网格"]  # worst first
    by_person = rate_rows(client.get(reverse("inspection_records:rates"), {**period, "by": "person"}))
    assert by_person["王老师"] == (4, 1, 3, 25.0) and by_person["赵保安"] == (2, 1, 1, 50.0)
    assert rate_rows(client.get(reverse("inspection_records:rates"), {**period, "by": "school"})) == {
        cast.school1.name: (6, 2, 4, 33.3)}


def test_rate_presets_cover_today_the_week_the_month_and_the_term(cast, client_for, now):
    records(cast)
    client = client_for(cast.alice)
    periods = {p: client.get(reverse("inspection_records:rates"), {"period": p}).context["period"]
               for p in ("today", "week", "month", "term")}
    assert periods == {"today": "2026-09-30", "week": "2026-09-28 – 2026-09-30",
                       "month": "2026-09-01 – 2026-09-30", "term": "2026-09-01 – 2026-09-30"}


def test_a_bureau_sees_one_row_per_school_and_drills_down(cast, client_for, now):
    records(cast)
    client = client_for(cast.bureau_admin)
    response = client.get(reverse("inspection_records:rates"), {"period": "custom", "since": "2026-09-28",
                                                               "until": "2026-09-29"})
    rows = {r.label: r for r in response.context["rows"]}
    assert set(rows) == {cast.central.name, cast.school1.name, cast.school2.name}
    assert (rows[cast.school1.name].required, rows[cast.school1.name].done) == (6, 1)
    assert rows[cast.school2.name].percent is None
    drill = client.get(reverse("inspection_records:rates") + rows[cast.school1.name].url)
    assert set(rate_rows(drill)) == {"一年级1班", "操场网格"}


def test_the_rates_export_has_the_rows(cast, client_for, now):
    from python_calamine import CalamineWorkbook

    records(cast)
    response = client_for(cast.alice).get(reverse("inspection_records:rates_export"), {
        "period": "custom", "since": "2026-09-28", "until": "2026-09-29", "by": "grid"})
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "网格" and [row[0] for row in sheet[1:]] == ["操场网格", "一年级1班"]
    assert AuditEvent.objects.filter(action="export", object_type="inspections.rate").exists()


def test_rates_run_a_fixed_number_of_queries(cast, client_for, now):
    s = records(cast)
    client = client_for(cast.alice)
    url = reverse("inspection_records:rates")
    client.get(url, {"by": "person"})
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"by": "person"})
    make_schedule(cast.school1, s.checklist, name="楼层日查", grids=[s.floor_grid, s.building_grid])
    for day in (D(2026, 9, 21), D(2026, 9, 22)):
        do_inspection(s.class_daily, grid=s.class_grid, on=day)
    with CaptureQueriesContext(connection) as large:
        client.get(url, {"by": "person"})
    assert len(large.captured_queries) == len(small.captured_queries)


# --- findings and check-ins --------------------------------------------------------------------------------


def test_findings_filter_by_major_grid_and_place(cast, client_for, many):
    client = client_for(cast.alice)
    url = reverse("inspection_records:findings")

    def answers(params):
        return {f.answer for f in client.get(url, params).context["page"]}

    assert answers({}) == {"无", "2人", "不合格"}
    assert answers({"major": "on"}) == {"不合格"}
    assert answers({"grid": many.playground_grid.pk}) == {"2人"}
    assert answers({"place": many.room102.pk}) == {"不合格"}
    page = client.get(url).content.decode()
    assert reverse("inspection_records:inspection_detail", args=[many.night.pk]) in page


def test_findings_run_a_fixed_number_of_queries(cast, client_for, many):
    client = client_for(cast.alice)
    url = reverse("inspection_records:findings")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for day in (D(2026, 9, 25), D(2026, 9, 26)):
        do_inspection(many.night_check, grid=many.class_grid, place=many.room102, on=day,
                      answers={"n1": "fail", "n2": "fail"})
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def scan(cast, place, *, flagged=False, user=None, person=None):
    return CheckIn.objects.create(organisation=cast.school1, place=place, user=user or cast.alice, person=person,
                                  device_time=at(TODAY, 8), latitude=decimal.Decimal("30.123456"),
                                  longitude=decimal.Decimal("120.654321"), accuracy=12.4, flagged=flagged,
                                  flag_reason="不在规定巡查时段（21:30–22:00）" if flagged else "")


def test_check_ins_flagged_only_by_default_for_grid_leaders(cast, client_for, now):
    s = records(cast)
    odd = scan(cast, s.room101, flagged=True, person=s.wang)
    fine = scan(cast, s.playground)
    url = reverse("inspection_records:checkins")
    assert ids(client_for(cast.alice).get(url)) == {odd.pk, fine.pk}
    assert ids(client_for(s.wang_user).get(url)) == {odd.pk}
    assert ids(client_for(s.wang_user).get(url, {"since": "2026-09-30", "until": "2026-09-30"})) == {odd.pk, fine.pk}
    page = client_for(cast.alice).get(url, {"flagged": "on"}).content.decode()
    assert "不在规定巡查时段" in page and "±12米" in page and "30.123456" in page
    assert ids(client_for(cast.alice).get(url, {"since": "2026-09-01", "until": "2026-09-29"})) == set()


def test_check_ins_run_a_fixed_number_of_queries(cast, client_for, now):
    s = records(cast)
    scan(cast, s.room101, person=s.wang)
    client = client_for(cast.alice)
    url = reverse("inspection_records:checkins")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for place in (s.room102, s.playground, s.floor):
        scan(cast, place, flagged=True, person=s.li)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)
