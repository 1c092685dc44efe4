"""Patrol pages on the phone: today's tasks, doing an inspection, QR plates and check-ins."""

import datetime
import json
import uuid

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.actions import update_object
from core.audit import Actor
from core.models import AuditAction, AuditEvent
from core.testing.inspections import ALL_PASS, ITEMS, make_checklist, make_schedule
from core.testing.personas import make_user
from core.testing.photos import jpeg_bytes
from core.testing.school import make_school
from inspections import checklists
from inspections.models import CheckIn, Finding, Inspection, Photo, Term
from orgs.roles import Role

D = datetime.date
pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def at(day: datetime.date, hour: int, minute: int = 0):
    return time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute))),
                               tick=False)


@pytest.fixture
def school(cast):
    school = make_school(cast.school1)
    Term.objects.create(organisation=cast.school1, name="第一学期", start=D(2026, 9, 1), end=D(2027, 1, 22))
    school.checklist = make_checklist(cast.school1)
    school.daily = make_schedule(cast.school1, school.checklist, name="班级日查", grids=[school.class_grid],
                                 roles="head_teacher")
    school.user = make_user("wang", cast.school1, Role.GRID_MEMBER, name="王老师")
    update_object(Actor(), school.wang, user=school.user)
    return school


@pytest.fixture(autouse=True)
def _sessions_outlive_time_travel(settings):
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600  # the tests travel to 2026-09 and back


@pytest.fixture
def phone(client, school):
    client.force_login(school.user, backend="orgs.backends.Backend")
    return client


def task_url(school, schedule=None, target=None):
    return reverse("inspections:task", args=[(schedule or school.daily).pk, target or f"g{school.class_grid.pk}"])


def answers(values=None, **extra):
    data = {f"item-{k}": v for k, v in {**ALL_PASS, **(values or {})}.items()}
    data.update(extra)
    return data


def post(phone, school, data, *, url=None, version=None, **headers):
    data = {"version": (version or school.checklist.current_version).pk, **data}
    data.setdefault("client_id", str(uuid.uuid4()))
    return phone.post(url or task_url(school), data, **{**JSON, **headers})


def test_today_lists_my_due_tasks_with_a_start_button_and_precache_links(phone, school):
    with at(D(2026, 9, 28), 7, 40):
        page = phone.get(reverse("inspections:today")).content.decode()
    assert "消防日查" in page and "一年级1班" in page
    assert f'href="{task_url(school)}" data-precache' in page
    assert "还有1项待检查" in page


def test_today_without_a_linked_person_says_so(client, cast, school):
    client.force_login(cast.alice, backend="orgs.backends.Backend")
    assert "尚未关联人员档案" in client.get(reverse("inspections:today")).content.decode()


def test_a_zero_report_is_recorded_audited_and_a_resent_submission_is_recognised(phone, school):
    client_id = str(uuid.uuid4())
    with at(D(2026, 9, 28), 7, 45):
        page = phone.get(task_url(school)).content.decode()
        assert f'name="version" value="{school.checklist.current_version.pk}"' in page
        first = post(phone, school, answers(client_id=client_id))
        second = post(phone, school, answers(client_id=client_id))
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["ok"] and not first.json()["duplicate"] and second.json()["duplicate"]
    inspection = Inspection.objects.get()
    assert second.json()["redirect"] == first.json()["redirect"] == reverse("inspections:done", args=[inspection.pk])
    assert (inspection.on_date, inspection.failed_count, inspection.inspector, inspection.submitted_by) == (
        D(2026, 9, 28), 0, school.wang, school.user)
    assert inspection.is_zero_report and inspection.answers == {"f1": "pass", "f2": "pass", "f3": "0", "f4": "完好"}
    event = AuditEvent.objects.get(object_type="inspections.inspection")
    assert event.action == AuditAction.CREATE and event.changes["failed_count"] == [None, 0]
    with at(D(2026, 9, 28), 8):
        today = phone.get(reverse("inspections:today")).content.decode()
    assert "已完成" in today and "零报告" in today


def test_a_failure_needs_its_photo_and_note_and_nothing_is_saved_until_it_has_them(phone, school):
    with at(D(2026, 9, 28), 8):
        response = post(phone, school, answers({"f2": "fail"}))
    assert response.status_code == 422
    error = response.json()["error"]
    assert "第2项“自动消防设施完好有效”：不合格时须拍照" in error and "须填写说明" in error
    assert not Inspection.objects.exists() and not Finding.objects.exists()


def test_a_failed_major_item_with_photo_becomes_a_major_finding_with_a_thumbnail(phone, school):
    photo = SimpleUploadedFile("IMG_0001.JPG", jpeg_bytes((800, 600)), content_type="image/jpeg")
    with at(D(2026, 9, 28), 8):
        response = post(phone, school, answers({"f2": "fail", "f3": "3"}, **{"note-f2": "报警主机故障灯亮",
                                                                              "photo-f2": photo}))
    assert response.status_code == 201, response.content
    inspection = Inspection.objects.get()
    assert (inspection.failed_count, inspection.major_count) == (2, 1)
    findings = {f.item.key: f for f in Finding.objects.all()}
    assert findings["f2"].is_major and findings["f2"].note == "报警主机故障灯亮" and findings["f2"].answer == "不合格"
    assert findings["f3"].answer == "3人" and not findings["f3"].is_major
    assert findings["f2"].grid == school.class_grid and findings["f2"].on_date == D(2026, 9, 28)
    stored = Photo.objects.get()
    assert (stored.item_key, stored.content_type, stored.width, stored.height) == ("f2", "image/jpeg", 800, 600)
    assert stored.original_name == "IMG_0001.JPG" and not stored.image.name.endswith("IMG_0001.JPG")
    with stored.thumbnail.open("rb") as thumb:
        assert thumb.read(3) == b"\xff\xd8\xff"


def test_a_renamed_document_is_refused_as_a_photo_with_a_clear_message(phone, school):
    fake = SimpleUploadedFile("照片.jpg", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", content_type="image/jpeg")
    with at(D(2026, 9, 28), 8):
        response = post(phone, school, answers({"f1": "fail"}, **{"photo-f1": fake}))
    assert response.status_code == 422
    assert "“照片.jpg”不是照片" in response.json()["error"] and "JPEG、PNG 或 HEIC" in response.json()["error"]
    assert not Inspection.objects.exists() and not Photo.objects.exists()


def test_the_version_the_phone_showed_is_the_one_recorded_even_after_the_checklist_changes(phone, school):
    shown = school.checklist.current_version
    checklists.publish(Actor(), school.checklist, [{**i, "text": i["text"] + "（修订）"} for i in ITEMS[:3]])
    school.checklist.refresh_from_db()
    assert school.checklist.current_version.number == 2
    with at(D(2026, 9, 28), 8):
        response = post(phone, school, answers(), version=shown)
    assert response.status_code == 201
    inspection = Inspection.objects.get()
    assert inspection.version == shown and set(inspection.answers) == {"f1", "f2", "f3", "f4"}
    assert shown.items.count() == 5  # the old version is untouched


def test_an_offline_inspection_synced_the_next_morning_counts_for_the_day_it_was_done(phone, school):
    done_at = timezone.make_aware(datetime.datetime(2026, 9, 28, 17, 30))
    with at(D(2026, 9, 29), 7, 10):
        response = post(phone, school, answers(device_time=done_at.isoformat()))
    assert response.status_code == 201
    assert Inspection.objects.get().on_date == D(2026, 9, 28)


def test_a_night_check_after_midnight_counts_for_the_night_before(phone, school, cast):
    night = make_schedule(cast.school1, school.checklist, name="就寝后检查", grids=[school.class_grid],
                          time_from=datetime.time(21, 30), time_to=datetime.time(1), day_rule="all_days")
    with at(D(2026, 9, 29), 0, 20):
        response = post(phone, school, answers(device_time=timezone.now().isoformat()),
                        url=task_url(school, night))
    assert response.status_code == 201
    assert Inspection.objects.get().on_date == D(2026, 9, 28)


def test_without_javascript_errors_rerender_the_form_and_success_redirects(phone, school):
    with at(D(2026, 9, 28), 8):
        page = phone.post(task_url(school), {"version": school.checklist.current_version.pk,
                                             **answers({"f3": "abc"})})
        assert page.status_code == 422
        assert "第3项“未归寝人数”：须填写数字" in page.content.decode()
        ok = phone.post(task_url(school), {"version": school.checklist.current_version.pk, **answers()})
    assert ok.status_code == 302 and ok["Location"].startswith("/patrol/done/")


def test_a_qr_scan_opens_the_places_checks_and_records_a_check_in(phone, school):
    with at(D(2026, 9, 28), 7, 50):
        page = phone.get(reverse("inspections:scan", args=[school.room102.qr_token])).content.decode()
        assert "一年级1班" in page and f"{task_url(school)}?place={school.room102.pk}" in page
        client_id = str(uuid.uuid4())
        data = {"client_id": client_id, "device_time": timezone.now().isoformat(), "latitude": "31.230416",
                "longitude": "121.473701", "accuracy": "12"}
        url = reverse("inspections:check_in", args=[school.room102.qr_token])
        first = phone.post(url, data, **JSON)
        again = phone.post(url, data, **JSON)
    assert first.json()["ok"] and not first.json()["flagged"] and again.json()["duplicate"]
    scan = CheckIn.objects.get()
    assert (scan.place, scan.person, str(scan.latitude), scan.accuracy, scan.flagged) == (
        school.room102, school.wang, "31.230416", 12.0, False)
    # The inspection started from that scan is done at the place and linked to the check-in.
    with at(D(2026, 9, 28), 7, 55):
        response = post(phone, school, answers(check_in=client_id), url=f"{task_url(school)}?place={school.room102.pk}")
    assert response.status_code == 201
    inspection = Inspection.objects.get()
    assert (inspection.place, inspection.grid, inspection.check_in) == (school.room102, school.class_grid, scan)


def test_a_scan_outside_the_time_window_is_flagged_not_refused(phone, school, cast):
    morning = make_schedule(cast.school1, school.checklist, name="晨检", places=[school.playground],
                            time_from=datetime.time(7, 30), time_to=datetime.time(8))
    url = reverse("inspections:check_in", args=[school.playground.qr_token])
    with at(D(2026, 9, 28), 9, 15):
        late = phone.post(url, {"client_id": str(uuid.uuid4()), "device_time": timezone.now().isoformat()}, **JSON)
    assert late.status_code == 200 and late.json()["flagged"]
    assert "不在规定巡查时段（07:30–08:00）" in late.json()["message"]
    with at(D(2026, 9, 28), 7, 40):
        on_time = phone.post(url, {"client_id": str(uuid.uuid4())}, **JSON)
    assert not on_time.json()["flagged"]
    with at(D(2026, 10, 3), 10):  # a Saturday: nothing due here
        weekend = phone.post(url, {"client_id": str(uuid.uuid4())}, **JSON)
    assert weekend.json()["flagged"] and "当天该场所没有排查任务" in weekend.json()["message"]
    assert list(CheckIn.objects.order_by("pk").values_list("flagged", flat=True)) == [True, False, True]
    assert morning.pk  # the schedule made the window


def test_another_schools_qr_link_and_tasks_are_not_found(client, cast, school):
    other = make_school(cast.school2)
    client.force_login(school.user, backend="orgs.backends.Backend")
    assert client.get(reverse("inspections:scan", args=[other.room101.qr_token])).status_code == 404
    assert client.post(reverse("inspections:check_in", args=[other.room101.qr_token]), {}).status_code == 404
    assert client.get(task_url(school, target=f"g{other.class_grid.pk}")).status_code == 404
    assert client.get(reverse("inspections:task", args=[school.daily.pk, "x1"])).status_code == 404


def test_the_done_page_is_for_the_submitter_and_those_who_read_records(client, cast, phone, school):
    with at(D(2026, 9, 28), 8):
        response = post(phone, school, answers())
    done = json.loads(response.content)["redirect"]
    assert "零报告" in phone.get(done).content.decode()
    other = make_user("zhou", cast.school1, Role.GRID_MEMBER)
    client.force_login(other, backend="orgs.backends.Backend")
    assert client.get(done).status_code == 403
    client.force_login(cast.alice, backend="orgs.backends.Backend")
    assert client.get(done).status_code == 200


def test_the_task_list_takes_the_same_queries_for_one_task_or_many(phone, school, cast, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with at(D(2026, 9, 28), 7, 40):
            phone.get(reverse("inspections:today"))  # the session's once-a-minute refresh happens here
            with CaptureQueriesContext(connection) as ctx:
                assert phone.get(reverse("inspections:today")).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for n in range(4):
        extra = make_schedule(cast.school1, school.checklist, name=f"计划{n}", grids=[school.class_grid,
                                                                                       school.floor_grid])
        with at(D(2026, 9, 28), 8):
            post(phone, school, answers(), url=task_url(school, extra))
    assert count() == one
