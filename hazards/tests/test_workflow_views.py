"""The workflow on the pages: report on a phone (and 当场整改), assign, fix with an after photo, verify
as another person, reject, escalate; stale pages, people who may not act, photos and "my hazards"."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.audit import Actor
from core.models import AuditEvent
from core.testing.photos import jpeg_bytes
from hazards import workflow
from hazards.actions import report
from hazards.choices import Level, State
from hazards.models import Hazard, HazardPhoto, Reminder

pytestmark = pytest.mark.django_db


def jpeg(name="现场.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def stored_files() -> list[str]:
    found = []

    def walk(folder):
        dirs, files = default_storage.listdir(folder)
        found.extend(f"{folder}/{f}" for f in files)
        for d in dirs:
            walk(f"{folder}/{d}")

    if default_storage.exists("hazards"):
        walk("hazards")
    return found


def act(client, hazard, action, **data):
    hazard.refresh_from_db()
    return client.post(reverse("hazards:hazard_act", args=[hazard.pk, action]), {"version": hazard.version, **data})


def test_a_grid_member_reports_on_a_phone_with_a_photo(client_for, cast, school):
    client = client_for(school.users.wang)
    page = client.get(reverse("hazards:hazard_report"), {"place": school.room101.pk}).content.decode()
    assert f'<option value="{school.room101.pk}" selected>' in page
    response = client.post(reverse("hazards:hazard_report"), {
        "place": school.room101.pk, "description": "后门被杂物堵塞", "topic": "fire", "grade": "general",
        "photo": jpeg()})
    assert response.status_code == 302, response.content.decode()
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hazards:hazard_detail", args=[hazard.pk])
    assert (hazard.state, hazard.grid, hazard.found_by, hazard.reported_by) == (
        State.REPORTED, school.class_grid, school.wang, school.users.wang)
    assert list(hazard.photos.values_list("kind", flat=True)) == ["before"]
    assert AuditEvent.objects.filter(object_type="hazards.hazardphoto").count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "后门被杂物堵塞" in detail and reverse("hazards:photo_thumb", args=[hazard.photos.get().pk]) in detail


def test_fixed_on_the_spot_needs_both_photos_and_a_note_and_nothing_is_kept_when_refused(client_for, cast, school):
    client = client_for(school.users.wang)
    data = {"place": school.room101.pk, "description": "插线板串接", "topic": "electricity", "grade": "general",
            "fixed_now": "on"}
    response = client.post(reverse("hazards:hazard_report"), {**data, "photo": jpeg()})
    page = response.content.decode()
    assert response.status_code == 200 and "当场整改须上传整改后的照片" in page and "请说明整改情况" in page
    assert not Hazard.objects.exists() and not stored_files()
    refused = client.post(reverse("hazards:hazard_report"), {**data, "grade": "major", "photo": jpeg(),
                                                            "after_photo": jpeg(), "fix_note": "已拆除"})
    assert "重大隐患不能当场整改" in refused.content.decode() and not Hazard.objects.exists()
    client.post(reverse("hazards:hazard_report"), {**data, "photo": jpeg(), "after_photo": jpeg("后.jpg"),
                                                   "fix_note": "已拆除串接插线板"})
    hazard = Hazard.objects.get()
    assert hazard.state == State.AWAITING_VERIFICATION and hazard.fixed_by == school.users.wang
    assert sorted(hazard.photos.values_list("kind", flat=True)) == ["after", "before"]
    assert len(stored_files()) == 4  # two photos and their thumbnails


def test_a_photo_that_is_not_a_photo_is_refused_by_name_of_the_file(client_for, cast, school):
    client = client_for(school.users.wang)
    response = client.post(reverse("hazards:hazard_report"), {
        "place": school.room101.pk, "description": "门锁损坏", "topic": "buildings", "grade": "general",
        "photo": SimpleUploadedFile("报告.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")})
    assert "报告.jpg" in response.content.decode() and not Hazard.objects.exists() and not stored_files()


def test_report_assign_fix_and_verify_by_another_person_through_the_pages(client_for, cast, school):
    hazard = report(Actor(user=school.users.wang), Hazard(organisation=cast.school1, place=school.room101,
                                                          description="灭火器过期", topic="fire"))
    wang = client_for(school.users.wang)
    page = wang.get(reverse("hazards:hazard_detail", args=[hazard.pk])).content.decode()
    assert "交办整改" in page and "验收通过" not in page
    missing = act(wang, hazard, "assign", responsible=school.wang.pk)
    assert missing.status_code == 422 and "整改期限" in missing.content.decode()
    assert act(wang, hazard, "assign", responsible=school.wang.pk, deadline="2026-12-05").status_code == 302
    hazard.refresh_from_db()
    assert (hazard.state, hazard.responsible, hazard.deadline) == (State.RECTIFYING, school.wang,
                                                                   datetime.date(2026, 12, 5))
    no_photo = act(wang, hazard, "submit_fix", note="已更换")
    assert no_photo.status_code == 422 and "整改后的照片" in no_photo.content.decode()
    assert act(wang, hazard, "submit_fix", note="已更换新灭火器", after_photo=jpeg()).status_code == 302
    hazard.refresh_from_db()
    assert hazard.state == State.AWAITING_VERIFICATION
    own = wang.get(reverse("hazards:hazard_detail", args=[hazard.pk])).content.decode()
    assert "验收通过" not in own  # the fixer is not offered verification
    assert act(wang, hazard, "verify").status_code == 403
    li = client_for(school.users.li)  # the building grid above
    assert "验收通过" in li.get(reverse("hazards:hazard_detail", args=[hazard.pk])).content.decode()
    assert act(li, hazard, "verify").status_code == 302
    hazard.refresh_from_db()
    assert (hazard.state, hazard.verified_by) == (State.CLOSED, school.users.li)
    assert list(hazard.events.values_list("action", flat=True)) == ["report", "assign", "submit_fix", "verify"]


def test_a_rejected_fix_goes_back_with_its_reason(client_for, cast, school):
    hazard = report(Actor(user=school.users.wang), Hazard(organisation=cast.school1, place=school.room101,
                                                          description="窗户护栏松动", topic="buildings"))
    wang, li = client_for(school.users.wang), None
    act(wang, hazard, "assign", responsible=school.wang.pk, deadline="2026-12-05")
    act(wang, hazard, "submit_fix", note="已加固", after_photo=jpeg())
    li = client_for(school.users.li)
    assert act(li, hazard, "reject", reason="").status_code == 422
    assert act(li, hazard, "reject", reason="仍有一处螺丝松动").status_code == 302
    hazard.refresh_from_db()
    assert hazard.state == State.RECTIFYING and hazard.rejection_reason == "仍有一处螺丝松动"
    assert "仍有一处螺丝松动" in li.get(reverse("hazards:hazard_detail", args=[hazard.pk])).content.decode()


def test_a_stale_page_is_told_to_reload_and_changes_nothing(client_for, cast, school):
    hazard = report(Actor(user=school.users.wang), Hazard(organisation=cast.school1, place=school.room101,
                                                          description="电线裸露", topic="electricity"))
    wang = client_for(school.users.wang)
    stale = hazard.version
    workflow.assign(Actor(user=cast.alice), hazard, stale, responsible=school.li, deadline=datetime.date(2026, 12, 9))
    response = wang.post(reverse("hazards:hazard_act", args=[hazard.pk, "assign"]), {
        "version": stale, "responsible": school.wang.pk, "deadline": "2026-12-01"}, follow=True)
    assert "请刷新页面" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.responsible == school.li and hazard.version == stale + 1
    stale_photo = wang.post(reverse("hazards:hazard_act", args=[hazard.pk, "submit_fix"]), {
        "version": stale, "note": "x", "after_photo": jpeg()}, follow=True)
    assert "请刷新页面" in stale_photo.content.decode() and not HazardPhoto.objects.exists() and not stored_files()


def test_escalation_from_the_page_goes_up_the_grids_then_to_the_school_and_the_bureau(client_for, cast, school):
    hazard = report(Actor(user=school.users.wang), Hazard(organisation=cast.school1, place=school.room101,
                                                          description="教学楼外墙空鼓", topic="buildings"))
    wang = client_for(school.users.wang)
    assert "一层网格" in wang.get(reverse("hazards:hazard_detail", args=[hazard.pk])).content.decode()
    assert act(wang, hazard, "escalate", reason="超出处理能力").status_code == 302
    hazard.refresh_from_db()
    assert (hazard.level, hazard.grid) == (Level.GRID, school.floor_grid)
    alice = client_for(cast.alice)
    for _ in range(3):  # floor → building → leadership → the school's safety office
        act(alice, hazard, "escalate", reason="超出处理能力")
    hazard.refresh_from_db()
    assert hazard.level == Level.SCHOOL
    act(alice, hazard, "escalate", reason="需区教育局协调")
    hazard.refresh_from_db()
    assert hazard.level == Level.BUREAU
    # Now only the bureau acts; it must give the government's reference to pass it on.
    assert act(alice, hazard, "escalate", reason="x").status_code == 403
    admin = client_for(cast.bureau_admin)
    page = admin.get(reverse("hazards:hazard_detail", args=[hazard.pk])).content.decode()
    assert "报送政府文号" in page
    assert act(admin, hazard, "escalate", reason="报区政府").status_code == 422
    act(admin, hazard, "escalate", reason="报区政府", government_reference="区政府督办〔2026〕12号")
    hazard.refresh_from_db()
    assert (hazard.level, hazard.government_reference) == (Level.GOVERNMENT, "区政府督办〔2026〕12号")


def test_who_may_read_a_hazard_and_its_photos(client_for, cast, school):
    hazard = report(Actor(user=school.users.wang), Hazard(organisation=cast.school1, place=school.room101,
                                                          description="楼梯防滑条脱落", topic="buildings"))
    act(client_for(school.users.wang), hazard, "photo", kind="before", photo=jpeg())
    photo = hazard.photos.get()
    detail = reverse("hazards:hazard_detail", args=[hazard.pk])
    for url in (detail, reverse("hazards:photo", args=[photo.pk]), reverse("hazards:photo_thumb", args=[photo.pk])):
        assert client_for(school.users.wang).get(url).status_code == 200  # reporter and grid member
        assert client_for(cast.alice).get(url).status_code == 200  # the safety office
        assert client_for(school.users.zhao).get(url).status_code == 403  # staff of another grid, no register
        assert client_for(cast.charlie).get(url).status_code == 404  # another school
    assert client_for(school.users.zhao).post(reverse("hazards:hazard_act", args=[hazard.pk, "assign"]), {
        "version": 1, "responsible": school.zhao.pk, "deadline": "2026-12-01"}).status_code == 403


def test_my_hazards_lists_what_to_fix_to_verify_and_reminders(client_for, cast, school):
    fix = report(Actor(user=cast.alice), Hazard(organisation=cast.school1, place=school.playground,
                                                description="篮球架底座锈蚀", topic="buildings"))
    workflow.assign(Actor(user=cast.alice), fix, 1, responsible=school.wang, deadline=datetime.date(2026, 12, 3))
    Reminder.objects.create(organisation=cast.school1, hazard=fix, person=school.wang, kind="due_soon",
                            on_date=datetime.date(2026, 12, 2))
    page = client_for(school.users.wang).get(reverse("hazards:hazard_mine")).content.decode()
    assert "篮球架底座锈蚀" in page and "即将到期" in page
    client_for(school.users.wang).post(reverse("hazards:reminders_read"))
    assert Reminder.objects.get().read_at is not None


def test_my_hazards_takes_the_same_queries_for_few_or_many(client_for, cast, school, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(school.users.wang)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("hazards:hazard_mine")).status_code == 200
        return len(queries)

    def add(n):
        for i in range(n):
            h = report(Actor(user=school.users.wang), Hazard(organisation=cast.school1, place=school.room101,
                                                             description=f"隐患{i}", topic="fire"))
            workflow.assign(Actor(user=cast.alice), h, 1, responsible=school.wang, deadline=datetime.date(2026, 12, 3))

    add(1)
    few = count()
    add(6)
    assert count() == few
