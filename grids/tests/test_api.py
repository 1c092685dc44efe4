"""API of places, people, grids, assignments, coverage and letters."""

import datetime
import json

import pytest

from core.actions import create_object
from core.audit import Actor
from grids.models import Assignment
from people.models import Person

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_coverage_endpoint_lists_findings(cast, school, client_for, day):
    create_object(Actor(), Person(organisation=cast.school1, name="周老师", staff_no="T009", category="staff"))
    body = client_for(cast.alice).get("/api/v1/coverage", {"organisation_id": cast.school1.pk,
                                                            "start": day.isoformat(), "days": 10}).json()
    assert body["counts"]["staff_without_duty"] == 1
    finding = body["findings"][0]
    assert finding["kind"] == "staff_without_duty" and finding["subject"] == "周老师（T009）"
    assert finding["days"] == [[day.isoformat(), (day + datetime.timedelta(days=9)).isoformat()]]


def test_coverage_of_a_sibling_school_is_404(cast, school, client_for):
    assert client_for(cast.charlie).get("/api/v1/coverage", {"organisation_id": cast.school1.pk}).status_code == 404


def test_coverage_days_out_of_range_are_refused(cast, school, client_for):
    response = client_for(cast.alice).get("/api/v1/coverage", {"organisation_id": cast.school1.pk, "days": 999})
    assert response.status_code == 422


def test_handover_through_the_api(cast, school, client_for, day):
    response = post(client_for(cast.alice), f"/api/v1/assignments/{school.class_head.pk}/handover",
                    {"on": day.isoformat(), "person_id": school.li.pk})
    assert response.status_code == 201
    new = Assignment.objects.get(pk=response.json()["id"])
    assert new.start == day + datetime.timedelta(days=1) and new.person == school.li


def test_handover_with_a_bad_date_says_why(cast, school, client_for):
    response = post(client_for(cast.alice), f"/api/v1/assignments/{school.class_head.pk}/handover",
                    {"on": "2020-01-01", "person_id": school.li.pk})
    assert response.status_code == 422 and "交接日期" in response.json()["detail"]


def test_handover_to_a_sibling_schools_person_is_404(cast, school, client_for, day):
    from core.testing.school import make_school

    other = make_school(cast.school2)
    response = post(client_for(cast.alice), f"/api/v1/assignments/{school.class_head.pk}/handover",
                    {"on": day.isoformat(), "person_id": other.li.pk})
    assert response.status_code == 404


def test_duty_leader_cannot_hand_over(cast, school, client_for, day):
    response = post(client_for(cast.duty1), f"/api/v1/assignments/{school.class_head.pk}/handover",
                    {"on": day.isoformat(), "person_id": school.li.pk})
    assert response.status_code == 403


def test_phones_are_masked_in_the_api_except_for_the_safety_office(cast, school, client_for):
    url = f"/api/v1/people/{school.wang.pk}"
    assert client_for(cast.alice).get(url).json()["phone"] == "13812345678"
    assert client_for(cast.leader1).get(url).json()["phone"] == "138****5678"


def test_creating_a_place_is_audited_and_validated(cast, school, client_for):
    from core.models import AuditEvent

    client = client_for(cast.alice)
    response = post(client, "/api/v1/places", {"organisation_id": cast.school1.pk, "parent_id": school.floor.pk,
                                               "kind": "room", "name": "103教室", "code": "new-103"})
    assert response.status_code == 201
    assert AuditEvent.objects.filter(object_type="campus.place", object_id=str(response.json()["id"])).exists()
    duplicate = post(client, "/api/v1/places", {"organisation_id": cast.school1.pk, "parent_id": school.floor.pk,
                                                "kind": "room", "name": "103教室", "code": "new-104"})
    assert duplicate.status_code == 422


def test_assignments_filter_by_day(cast, school, client_for, day):
    from grids import actions

    actions.end_assignment(Actor(), school.class_head, day)
    client = client_for(cast.alice)
    later = (day + datetime.timedelta(days=1)).isoformat()
    ids = {a["id"] for a in client.get("/api/v1/assignments", {"active_on": later, "page_size": 200}).json()["items"]}
    assert school.class_head.pk not in ids and len(ids) == 6


@pytest.mark.parametrize("url", ["/api/v1/places", "/api/v1/people", "/api/v1/grids", "/api/v1/assignments",
                                 "/api/v1/posts", "/api/v1/classes", "/api/v1/time-slots", "/api/v1/letters"])
def test_list_endpoints_run_a_fixed_number_of_queries(cast, school, client_for, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.testing.school import make_school

    client = client_for(cast.alice)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    make_school(cast.division1)  # as many rows again of every kind, inside alice's subtree
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries) <= 12


def test_a_grid_is_created_with_its_places_and_audited(cast, school, client_for):
    from core.models import AuditEvent

    response = post(client_for(cast.alice), "/api/v1/grids", {
        "organisation_id": cast.school1.pk, "parent_id": school.leadership.pk, "name": "食堂网格",
        "kind": "department", "place_ids": [school.playground.pk]})
    assert response.status_code == 201
    body = response.json()
    assert body["level"] == 2 and body["place_ids"] == [school.playground.pk]
    events = AuditEvent.objects.filter(object_type="grids.grid", object_id=str(body["id"]))
    assert {e.action for e in events} == {"create", "update"}  # the grid, then what it covers


def test_a_grid_cannot_cover_a_sibling_schools_place(cast, school, client_for):
    from core.testing.school import make_school

    other = make_school(cast.school2)
    response = post(client_for(cast.alice), "/api/v1/grids", {
        "organisation_id": cast.school1.pk, "name": "越界", "place_ids": [other.playground.pk]})
    assert response.status_code == 404


def test_patching_a_grid_changes_only_what_is_sent(cast, school, client_for):
    client = client_for(cast.alice)
    response = client.patch(f"/api/v1/grids/{school.class_grid.pk}", data=json.dumps({"duties": "每日巡查"}),
                            content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["duties"] == "每日巡查" and sorted(body["place_ids"]) == sorted(
        [school.room101.pk, school.room102.pk])


def test_a_time_slot_with_bad_weekdays_is_refused_in_chinese(cast, school, client_for):
    response = post(client_for(cast.alice), "/api/v1/time-slots", {
        "organisation_id": cast.school1.pk, "name": "周末", "weekdays": "89", "start_time": "08:00",
        "end_time": "12:00"})
    assert response.status_code == 422 and "星期" in response.json()["detail"]
