"""API of inspections: records, submissions, tasks, missed checks, rates, checklists, schedules, check-ins."""

import datetime
import json
import uuid

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.testing.inspections import ALL_PASS, do_inspection, make_checklist, make_schedule
from core.testing.personas import make_user
from core.testing.school import make_school
from inspections.models import CheckIn, Inspection, Photo, Term
from orgs.roles import Role
from people.models import Person

D = datetime.date
TODAY = D(2026, 9, 30)
pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture(autouse=True)
def now(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(at(TODAY), tick=False):
        yield


@pytest.fixture
def school(cast):
    school = make_school(cast.school1)
    Term.objects.create(organisation=cast.school1, name="2026-2027学年第一学期", start=D(2026, 9, 1),
                        end=D(2027, 1, 22))
    school.checklist = make_checklist(cast.school1)
    school.class_daily = make_schedule(cast.school1, school.checklist, name="班级日查", grids=[school.class_grid],
                                       roles="head_teacher", time_from=datetime.time(7, 30),
                                       time_to=datetime.time(8, 0))
    school.playground_daily = make_schedule(cast.school1, school.checklist, name="操场日查",
                                            grids=[school.playground_grid])
    school.wang_user = make_user("wang", cast.school1, Role.GRID_LEADER, name="王老师")
    Person.objects.filter(pk=school.wang.pk).update(user=school.wang_user)
    school.wang.refresh_from_db()
    return school


@pytest.fixture
def other(cast):
    other = make_school(cast.school2)
    other.checklist = make_checklist(cast.school2)
    other.schedule = make_schedule(cast.school2, other.checklist, grids=[other.class_grid])
    return other


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def submission(school, **changes):
    return {"client_id": str(uuid.uuid4()), "version": school.checklist.current_version_id,
            "schedule": school.class_daily.pk, "grid": school.class_grid.pk, "answers": dict(ALL_PASS),
            "device_time": at(TODAY, 9).isoformat(), **changes}


# --- submitting ------------------------------------------------------------------------------------------


def test_a_submission_is_recorded_once_whatever_the_retries(cast, school, client_for):
    client = client_for(school.wang_user)
    body = submission(school, answers={**ALL_PASS, "f4": "无"}, notes={"f4": "应急灯坏了"}, remark="走廊")
    first = post(client, "/api/v1/inspections", body)
    assert first.status_code == 201, first.json()
    again = post(client, "/api/v1/inspections", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Inspection.objects.filter(client_id=body["client_id"]).count() == 1
    data = first.json()
    assert data["inspector_id"] == school.wang.pk and data["failed_count"] == 1 and data["on_date"] == "2026-09-30"
    answer = next(a for a in data["answers"] if a["key"] == "f4")
    assert answer == {"key": "f4", "position": 4, "group": "疏散", "text": "应急照明", "answer": "无", "label": "无",
                      "failed": True, "is_major": False, "note": "应急灯坏了"}
    assert [f["item_key"] for f in data["findings"]] == ["f4"]
    assert data["target_label"] == "一年级1班" and data["url"].endswith(f"/inspections/records/{data['id']}/")


def test_any_member_of_the_school_may_submit_and_read_their_own(cast, school, client_for):
    member = make_user("zhou", cast.school1, Role.GRID_MEMBER)
    client = client_for(member)
    response = post(client, "/api/v1/inspections", submission(school))
    assert response.status_code == 201 and response.json()["inspector_id"] is None
    assert client.get(f"/api/v1/inspections/{response.json()['id']}").status_code == 200
    assert client.get("/api/v1/inspections").status_code == 403  # records need VIEW_INSPECTIONS


def test_an_invalid_answer_is_refused_naming_the_item(cast, school, client_for):
    response = post(client_for(cast.alice), "/api/v1/inspections",
                    submission(school, answers={**ALL_PASS, "f3": "很多"}))
    assert response.status_code == 422
    assert response.json()["detail"].startswith("第3项“未归寝人数”") and "数字" in response.json()["detail"]
    assert not Inspection.objects.exists()


def test_a_failure_needing_a_photo_must_go_through_the_web_form(cast, school, client_for):
    response = post(client_for(cast.alice), "/api/v1/inspections",
                    submission(school, answers={**ALL_PASS, "f1": "fail"}))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("第1项") and "拍照" in detail and "网页" in detail


def test_numbers_in_json_are_answers_too(cast, school, client_for):
    response = post(client_for(cast.alice), "/api/v1/inspections", submission(school, answers={**ALL_PASS, "f3": 2}))
    assert response.status_code == 201 and response.json()["failed_count"] == 1


@pytest.mark.parametrize("field", ["version", "schedule", "grid", "place"])
def test_another_schools_objects_are_not_found(cast, school, other, client_for, field):
    value = {"version": other.checklist.current_version_id, "schedule": other.schedule.pk,
             "grid": other.class_grid.pk, "place": other.room101.pk}[field]
    response = post(client_for(cast.alice), "/api/v1/inspections", submission(school, **{field: value}))
    assert response.status_code == 404 and response.json()["detail"] == "未找到。"


def test_a_sibling_schools_user_cannot_submit_on_our_checklist(cast, school, client_for):
    response = post(client_for(cast.charlie), "/api/v1/inspections", submission(school))
    assert response.status_code == 404


def test_a_schedule_of_another_checklist_is_refused(cast, school, client_for):
    night = make_schedule(cast.school1, make_checklist(cast.school1, name="宿舍夜查"), name="宿舍夜查",
                          places=[school.room102])
    response = post(client_for(cast.alice), "/api/v1/inspections", submission(school, schedule=night.pk))
    assert response.status_code == 422 and "schedule" in response.json()["errors"]


# --- reading -------------------------------------------------------------------------------------------------


@pytest.fixture
def done(cast, school):
    school.ok, _ = do_inspection(school.class_daily, grid=school.class_grid, on=D(2026, 9, 28), inspector=school.wang)
    school.bad, _ = do_inspection(school.playground_daily, grid=school.playground_grid, on=D(2026, 9, 29),
                                  answers={**ALL_PASS, "f3": "2"})
    return school


def listed(client, **params) -> set[int]:
    response = client.get("/api/v1/inspections", params)
    assert response.status_code == 200, response.json()
    return {i["id"] for i in response.json()["items"]}


def test_inspections_are_listed_and_filtered(cast, done, client_for):
    client = client_for(cast.duty1)
    assert listed(client) == {done.ok.pk, done.bad.pk}
    assert listed(client, failed="true") == {done.bad.pk}
    assert listed(client, failed="false") == {done.ok.pk}
    assert listed(client, major="true") == set()
    assert listed(client, grid=done.class_grid.pk) == {done.ok.pk}
    assert listed(client, schedule=done.playground_daily.pk) == {done.bad.pk}
    assert listed(client, checklist=done.checklist.pk) == {done.ok.pk, done.bad.pk}
    assert listed(client, inspector=done.wang.pk) == {done.ok.pk}
    assert listed(client, since="2026-09-29") == {done.bad.pk}
    assert listed(client, until="2026-09-28") == {done.ok.pk}
    assert listed(client_for(cast.charlie)) == set()


def test_one_inspection_with_its_answers_and_photo_urls(cast, done, client_for):
    photo = Photo(organisation=cast.school1, inspection=done.bad, item_key="f3", content_type="image/jpeg", size=4,
                  width=40, height=30, sha256="0" * 64)
    photo.image.save("p.jpg", ContentFile(b"\xff\xd8ab"), save=False)
    photo.thumbnail.save("p.thumb.jpg", ContentFile(b"\xff\xd8a"), save=False)
    photo.save()
    data = client_for(cast.alice).get(f"/api/v1/inspections/{done.bad.pk}").json()
    assert [a["key"] for a in data["answers"]] == ["f1", "f2", "f3", "f4", "f5"]
    assert next(a for a in data["answers"] if a["key"] == "f3")["label"] == "2人"
    assert data["photos"] == [{"id": photo.pk, "item_key": "f3", "url": f"/inspections/photos/{photo.pk}/",
                               "thumbnail_url": f"/inspections/photos/{photo.pk}/thumb/", "content_type": "image/jpeg",
                               "width": 40, "height": 30}]
    assert data["check_in"] is None


def test_another_schools_inspection_is_not_found_and_a_member_is_refused(cast, done, client_for):
    assert client_for(cast.charlie).get(f"/api/v1/inspections/{done.ok.pk}").status_code == 404
    assert client_for(cast.bob).get(f"/api/v1/inspections/{done.ok.pk}").status_code == 403


@pytest.mark.parametrize("url", ["/api/v1/inspections", "/api/v1/checklists", "/api/v1/schedules",
                                 "/api/v1/check-ins", "/api/v1/tasks/missed?since=2026-09-01&until=2026-09-29"])
def test_list_endpoints_run_a_fixed_number_of_queries(cast, done, client_for, url):
    client = client_for(cast.alice)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for day in (D(2026, 9, 21), D(2026, 9, 22), D(2026, 9, 23)):
        do_inspection(done.class_daily, grid=done.class_grid, on=day, answers={**ALL_PASS, "f4": "无"})
    for n in range(3):
        checklist = make_checklist(cast.school1, name=f"表{n}")
        make_schedule(cast.school1, checklist, name=f"计划{n}", grids=[done.floor_grid], places=[done.room101])
        CheckIn.objects.create(organisation=cast.school1, place=done.room101, user=cast.alice, person=done.li,
                               flagged=True, flag_reason="当天该场所没有排查任务")
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# --- tasks, missed checks and rates ------------------------------------------------------------------------


def test_todays_tasks_of_a_person(cast, school, client_for):
    tasks = client_for(school.wang_user).get("/api/v1/tasks/today").json()
    assert [(t["schedule_name"], t["target_type"], t["target_id"], t["state"]) for t in tasks] == [
        ("班级日查", "grid", school.class_grid.pk, "due")]
    task = tasks[0]
    assert task["version_id"] == school.checklist.current_version_id and task["time_from"] == "07:30:00"
    assert task["url"] == f"/patrol/task/{school.class_daily.pk}/g{school.class_grid.pk}/"
    post(client_for(school.wang_user), "/api/v1/inspections", submission(school))
    assert client_for(school.wang_user).get("/api/v1/tasks/today").json()[0]["state"] == "done"


def test_no_tasks_without_a_linked_person(cast, school, client_for):
    assert client_for(cast.alice).get("/api/v1/tasks/today").json() == []


def test_missed_tasks_follow_the_web_pages_rules(cast, done, client_for):
    def missed(user, **params):
        response = client_for(user).get("/api/v1/tasks/missed", params)
        assert response.status_code == 200, response.json()
        return {(t["schedule_name"], t["window_start"]) for t in response.json()["items"]}

    period = {"since": "2026-09-28", "until": "2026-09-29"}
    assert missed(cast.alice, **period) == {("班级日查", "2026-09-29"), ("操场日查", "2026-09-28")}
    assert missed(done.wang_user, **period) == {("班级日查", "2026-09-29")}  # only the grids he leads
    item = client_for(cast.alice).get("/api/v1/tasks/missed", period).json()["items"]
    assert {t["schedule_name"]: [p["name"] for p in t["responsible"]] for t in item} == {
        "班级日查": ["王老师"], "操场日查": ["赵保安"]}
    response = client_for(cast.bureau_admin).get("/api/v1/tasks/missed", period)
    assert response.status_code == 422 and "学校" in response.json()["detail"]
    assert missed(cast.bureau_admin, organisation_id=cast.school1.pk, **period) == missed(cast.alice, **period)
    assert client_for(cast.charlie).get("/api/v1/tasks/missed", {"organisation_id": cast.school1.pk}).status_code == 404
    assert client_for(cast.bob).get("/api/v1/tasks/missed").status_code == 403


def test_rates_by_grid_and_per_school_for_a_bureau(cast, done, client_for):
    period = {"since": "2026-09-28", "until": "2026-09-29"}
    rows = client_for(cast.alice).get("/api/v1/inspection-rates", {"by": "grid", **period}).json()
    assert [(r["label"], r["required"], r["done"], r["missed"], r["percent"]) for r in rows] == [
        ("一年级1班", 2, 1, 1, 50.0), ("操场网格", 2, 1, 1, 50.0)]
    rows = client_for(cast.bureau_admin).get("/api/v1/inspection-rates", {"by": "school", **period}).json()
    assert {r["label"]: r["required"] for r in rows} == {cast.central.name: 0, cast.school1.name: 4,
                                                         cast.school2.name: 0}
    assert client_for(cast.bureau_admin).get("/api/v1/inspection-rates", {"by": "grid"}).status_code == 422
    too_long = client_for(cast.alice).get("/api/v1/inspection-rates", {"since": "2026-01-01", "until": "2026-09-29"})
    assert too_long.status_code == 422


# --- checklists, schedules, check-ins ----------------------------------------------------------------------


def test_checklists_and_their_items(cast, school, other, client_for):
    client = client_for(cast.alice)
    listed_ids = {c["id"] for c in client.get("/api/v1/checklists").json()["items"]}
    assert listed_ids == {school.checklist.pk}
    data = client.get(f"/api/v1/checklists/{school.checklist.pk}").json()
    assert data["current_version_number"] == 1 and [i["key"] for i in data["items"]] == ["f1", "f2", "f3", "f4", "f5"]
    f3 = data["items"][2]
    assert f3["max_value"] == 0.0 and f3["limits_label"] == "≤0人"
    assert client.get(f"/api/v1/checklists/{other.checklist.pk}").status_code == 404


def test_schedules_with_their_cadence(cast, school, client_for):
    items = client_for(cast.bob).get("/api/v1/schedules").json()["items"]
    assert items == []  # bob's membership is a division's
    items = client_for(cast.alice).get("/api/v1/schedules").json()["items"]
    labels = {s["name"]: s["cadence_label"] for s in items}
    assert labels == {"班级日查": "每天 07:30–08:00", "操场日查": "每天"}
    assert next(s for s in items if s["name"] == "班级日查")["grid_ids"] == [school.class_grid.pk]


def test_a_check_in_by_qr_token_is_recorded_once(cast, school, client_for):
    client = client_for(school.wang_user)
    body = {"client_id": str(uuid.uuid4()), "place_token": school.room101.qr_token,
            "device_time": at(TODAY, 7).isoformat(), "latitude": 30.1234567, "longitude": 120.5, "accuracy": 8}
    first = post(client, "/api/v1/check-ins", body)
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["flagged"] and "时段" in data["flag_reason"]  # 07:00 is before the 07:30–08:00 check
    assert data["person_id"] == school.wang.pk and data["latitude"] == 30.123457
    assert post(client, "/api/v1/check-ins", body).status_code == 200
    assert CheckIn.objects.count() == 1
    flagged = client_for(cast.alice).get("/api/v1/check-ins", {"flagged": "true"}).json()
    assert [c["id"] for c in flagged["items"]] == [data["id"]]
    assert client_for(cast.alice).get("/api/v1/check-ins", {"flagged": "false"}).json()["count"] == 0


def test_a_check_in_needs_a_place_of_ones_own_school(cast, school, other, client_for):
    client = client_for(cast.alice)
    assert post(client, "/api/v1/check-ins", {"client_id": str(uuid.uuid4())}).status_code == 422
    assert post(client, "/api/v1/check-ins", {"client_id": str(uuid.uuid4()),
                                              "place_token": other.room101.qr_token}).status_code == 404
    assert post(client, "/api/v1/check-ins", {"client_id": str(uuid.uuid4()),
                                              "place": other.room101.pk}).status_code == 404


def test_an_inspection_links_its_check_in(cast, school, client_for):
    client = client_for(school.wang_user)
    scan = post(client, "/api/v1/check-ins", {"client_id": str(uuid.uuid4()), "place": school.room101.pk}).json()
    response = post(client, "/api/v1/inspections", submission(school, place=school.room101.pk,
                                                              check_in=scan["client_id"]))
    assert response.status_code == 201
    assert response.json()["check_in"]["id"] == scan["id"]
    assert response.json()["target_label"] == "教学楼/一层/101教室"


def test_only_people_of_the_school_submit_its_inspections(cast, school, client_for):
    response = post(client_for(cast.bureau_admin), "/api/v1/inspections", submission(school))
    assert response.status_code == 403 and not Inspection.objects.exists()
