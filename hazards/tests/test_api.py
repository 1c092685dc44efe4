"""API of hazards and rectification notices: tenancy, filters, reporting, every transition (409 on a stale
version, 403 for who may not, 422 for a broken rule), photos, a fixed number of queries for the lists."""

import datetime
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.actions import update_object
from core.audit import Actor
from core.models import AuditEvent
from core.testing.personas import make_user
from core.testing.photos import jpeg_bytes
from core.testing.school import make_school
from hazards import notices
from hazards.actions import report
from hazards.models import Hazard
from orgs.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date
API = "/api/v1"


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(at(D(2026, 10, 12), 9), tick=False):
        yield


@pytest.fixture
def school(cast):
    """school1 with accounts for 王老师 (head teacher of 一年级1班), 李主任 (building head, a grid above) and
    赵保安 (the playground); a fire hazard in 101 and a major building hazard on the playground."""
    school = make_school(cast.school1)
    for attr, person, role in (("wang", school.wang, Role.GRID_MEMBER), ("li", school.li, Role.GRID_LEADER),
                               ("zhao", school.zhao, Role.GRID_MEMBER)):
        user = make_user(f"u_{attr}", cast.school1, role, name=person.name)
        update_object(Actor(), person, user=user)
        setattr(cast, f"u_{attr}", user)
    school.fire = report(Actor(user=cast.alice), Hazard(organisation=cast.school1, place=school.room101, topic="fire",
                                                        description="灭火器压力不足", found_at=at(D(2026, 10, 1))))
    school.wall = report(Actor(user=cast.alice), Hazard(organisation=cast.school1, place=school.playground,
                                                        topic="buildings", grade="major", source="upper_check",
                                                        description="围墙开裂", found_at=at(D(2026, 10, 8))))
    return school


@pytest.fixture
def other(cast):
    other = make_school(cast.school2)
    other.hazard = report(Actor(user=cast.charlie), Hazard(organisation=cast.school2, place=other.room101,
                                                           description="他校隐患"))
    return other


def post(client, url, data=None):
    return client.post(API + url, data=json.dumps(data or {}), content_type="application/json")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def upload(client, hazard, kind):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    return client.post(f"{API}/hazards/{hazard.pk}/photos", {"kind": kind, "file": photo})


# --- reading -----------------------------------------------------------------------------------------------


def test_the_register_is_filtered_and_another_schools_hazards_are_not_seen(cast, school, other, client_for):
    client = client_for(cast.alice)
    get = lambda **query: ids(client.get(f"{API}/hazards", query))  # noqa: E731
    assert get() == {school.fire.pk, school.wall.pk}
    assert get(grade="major") == get(topic="buildings") == get(source="upper_check") == {school.wall.pk}
    assert get(grid=school.class_grid.pk) == get(found_to="2026-10-05") == {school.fire.pk}
    assert get(found_from="2026-10-05") == {school.wall.pk}
    assert get(state="reported", organisation_id=cast.school1.pk) == {school.fire.pk, school.wall.pk}
    assert get(state="closed") == get(overdue=True) == set()
    Hazard.objects.filter(pk=school.fire.pk).update(is_overdue=True)
    assert get(overdue=True) == {school.fire.pk} and get(overdue=False) == {school.wall.pk}
    assert client.get(f"{API}/hazards", {"grade": "huge"}).status_code == 422
    assert ids(client_for(cast.charlie).get(f"{API}/hazards")) == {other.hazard.pk}
    assert client_for(cast.charlie).get(f"{API}/hazards/{school.fire.pk}").status_code == 404


def test_one_hazard_with_its_five_fixes_photos_and_history(cast, school, client_for):
    client = client_for(cast.alice)
    assert upload(client, school.fire, "before").status_code == 201
    body = client.get(f"{API}/hazards/{school.fire.pk}").json()
    assert (body["state"], body["state_label"], body["place_label"], body["grid_name"]) == (
        "reported", "待处理", "教学楼/一层/101教室", "一年级1班")
    assert "整改资金" in body["five_fixes_missing"] and body["version"] == 1
    photo = body["photos"][0]
    assert (photo["kind"], photo["url"], photo["thumbnail_url"]) == (
        "before", reverse("hazards:photo", args=[photo["id"]]), reverse("hazards:photo_thumb", args=[photo["id"]]))
    assert [e["action"] for e in body["events"]] == ["report"]


def test_the_lists_run_a_fixed_number_of_queries(cast, school, client_for):
    client = client_for(cast.alice)
    notices.issue(Actor(user=cast.alice), cast.school1, [school.fire], deadline=D(2026, 10, 20), requirements="x",
                  recipient=school.wang)

    def count(url) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(API + url).status_code == 200
        return len(ctx.captured_queries)

    few = {url: count(url) for url in ("/hazards", "/notices")}
    for n in range(5):
        hazard = report(Actor(), Hazard(organisation=cast.school1, place=school.room102, description=f"隐患{n}"))
        notices.issue(Actor(user=cast.alice), cast.school1, [hazard, school.wall], deadline=D(2026, 10, 20),
                      requirements="x", recipient_department="总务处")
    assert {url: count(url) for url in few} == few


# --- reporting ---------------------------------------------------------------------------------------------


def test_any_staff_member_reports_a_hazard_at_a_place_of_their_school(cast, school, other, client_for):
    client = client_for(cast.u_zhao)
    response = post(client, "/hazards", {"place_id": school.room102.pk, "topic": "electricity",
                                         "description": " 插座松动 ", "risk_colour": "yellow"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["description"], body["grid_id"], body["state"], body["found_by_id"]) == (
        "插座松动", school.class_grid.pk, "reported", school.zhao.pk)
    assert AuditEvent.objects.filter(object_type="hazards.hazard", object_id=str(body["id"]), action="create").exists()
    assert post(client, "/hazards", {"place_id": other.room101.pk, "description": "x"}).status_code == 404
    assert post(client, "/hazards", {"place_id": school.room102.pk, "description": ""}).status_code == 422
    unknown_topic = {"place_id": school.room102.pk, "description": "x", "topic": "?"}
    assert post(client, "/hazards", unknown_topic).status_code == 422


# --- the workflow ------------------------------------------------------------------------------------------


def test_the_whole_rectification_through_the_api(cast, school, client_for):
    url = f"/hazards/{school.fire.pk}"
    wang = client_for(cast.u_wang)  # the head teacher handles it; 李主任, a grid above, verifies
    assigned = post(wang, url + "/assign", {"version": 1, "responsible_id": school.wang.pk, "deadline": "2026-10-19"})
    assert assigned.status_code == 200 and assigned.json()["state"] == "rectifying"
    assert post(wang, url + "/fix", {"version": 2, "note": "已更换"}).json()["detail"] == "请先上传整改后的照片。"
    assert upload(wang, school.fire, "after").status_code == 201
    fixed = post(wang, url + "/fix", {"version": 2, "note": "已更换"})
    assert fixed.json()["state"] == "awaiting" and fixed.json()["fixed_by_id"] == cast.u_wang.pk
    own = post(wang, url + "/verify", {"version": 3})
    assert own.status_code == 403 and "整改人不能验收" in own.json()["detail"]
    rejected = post(client_for(cast.u_li), url + "/reject", {"version": 3, "reason": "型号不符"})
    assert (rejected.json()["state"], rejected.json()["rejection_reason"]) == ("rectifying", "型号不符")
    assert post(client_for(cast.u_wang), url + "/fix", {"version": 4, "note": "已换为ABC型"}).status_code == 200
    closed = post(client_for(cast.u_li), url + "/verify", {"version": 5})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert [e["action"] for e in closed.json()["events"]] == [
        "report", "assign", "submit_fix", "reject", "submit_fix", "verify"]


def test_a_reported_hazard_is_fixed_on_the_spot_with_before_and_after_photos(cast, school, client_for):
    client = client_for(cast.u_wang)
    for kind in ("before", "after"):
        assert upload(client, school.fire, kind).status_code == 201
    response = post(client, f"/hazards/{school.fire.pk}/fix", {"version": 1, "note": "当场加压"})
    assert response.status_code == 200 and response.json()["state"] == "awaiting"
    assert response.json()["events"][-1]["action"] == "fix_on_spot"


def test_escalation_goes_one_grid_up(cast, school, client_for):
    response = post(client_for(cast.u_wang), f"/hazards/{school.fire.pk}/escalate",
                    {"version": 1, "reason": "超出处理能力"})
    assert response.status_code == 200
    assert (response.json()["grid_id"], response.json()["escalation_reason"]) == (school.floor_grid.pk, "超出处理能力")


def test_a_stale_version_is_told_to_reload(cast, school, client_for):
    client = client_for(cast.alice)
    body = {"version": 1, "responsible_id": school.wang.pk, "deadline": "2026-10-19"}
    assert post(client, f"/hazards/{school.fire.pk}/assign", body).status_code == 200
    stale = post(client, f"/hazards/{school.fire.pk}/assign", body)
    assert stale.status_code == 409 and "刷新" in stale.json()["detail"]


def test_who_may_not_act_is_refused_and_a_broken_rule_named(cast, school, other, client_for):
    body = {"version": 1, "responsible_id": school.zhao.pk, "deadline": "2026-10-19"}
    refused = post(client_for(cast.u_zhao), f"/hazards/{school.fire.pk}/assign", body)  # not his grid
    assert refused.status_code == 403 and refused.json()["detail"] == "您无权交办该隐患。"
    assert upload(client_for(cast.u_zhao), school.fire, "before").status_code == 403
    major = post(client_for(cast.alice), f"/hazards/{school.wall.pk}/assign", body)
    assert major.status_code == 422 and "五落实" in major.json()["detail"]
    assert post(client_for(cast.alice), f"/hazards/{school.fire.pk}/reject", {"version": 1, "reason": "x"}
                ).status_code == 422  # not awaiting verification
    assert post(client_for(cast.charlie), f"/hazards/{school.fire.pk}/verify", {"version": 1}).status_code == 404
    foreign = post(client_for(cast.alice), f"/hazards/{school.fire.pk}/assign",
                   {**body, "responsible_id": other.wang.pk})
    assert foreign.status_code == 422 and "responsible_id" in foreign.json()["errors"]
    assert Hazard.objects.get(pk=school.fire.pk).version == 1


def test_a_photo_that_is_not_an_image_is_refused(cast, school, client_for):
    bogus = SimpleUploadedFile("p.jpg", b"not a photo", content_type="image/jpeg")
    response = client_for(cast.alice).post(f"{API}/hazards/{school.fire.pk}/photos", {"kind": "before",
                                                                                        "file": bogus})
    assert response.status_code == 422 and not school.fire.photos.exists()


# --- notices ------------------------------------------------------------------------------------------------


def test_notices_are_read_acknowledged_by_the_recipient_and_follow_their_hazards(cast, school, other, client_for):
    notice = notices.issue(Actor(user=cast.alice), cast.school1, [school.fire, school.wall], deadline=D(2026, 10, 20),
                           requirements="限期整改", recipient=school.wang)
    alice = client_for(cast.alice)
    assert ids(alice.get(f"{API}/notices")) == {notice.pk}
    body = alice.get(f"{API}/notices/{notice.pk}").json()
    assert (body["code"], body["status"], body["recipient_name"]) == ("〔2026〕第001号", "unacknowledged", "王老师")
    assert {h["id"] for h in body["hazards"]} == {school.fire.pk, school.wall.pk}
    assert client_for(cast.charlie).get(f"{API}/notices/{notice.pk}").status_code == 404
    assert ids(client_for(cast.charlie).get(f"{API}/notices")) == set()
    assert post(client_for(cast.alice), f"/notices/{notice.pk}/acknowledge").status_code == 403
    assert post(client_for(cast.u_zhao), f"/notices/{notice.pk}/acknowledge").status_code == 403
    done = post(client_for(cast.u_wang), f"/notices/{notice.pk}/acknowledge")
    assert done.status_code == 200 and (done.json()["status"], done.json()["acknowledged_by_name"]) == (
        "acknowledged", "王老师")
    alice = client_for(cast.alice)
    assert ids(alice.get(f"{API}/notices", {"status": "acknowledged"})) == {notice.pk}
    Hazard.objects.filter(pk__in=[school.fire.pk, school.wall.pk]).update(state="closed")
    assert ids(alice.get(f"{API}/notices", {"status": "closed"})) == {notice.pk}
    assert ids(alice.get(f"{API}/notices", {"status": "acknowledged"})) == set()
    assert ids(alice.get(f"{API}/notices", {"year": 2025})) == set()


def test_a_photo_needs_a_file_and_a_kind(cast, school, client_for):
    response = client_for(cast.alice).post(f"{API}/hazards/{school.fire.pk}/photos", {"kind": "during"})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"kind", "file"}
