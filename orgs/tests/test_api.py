"""API resources of organisations, users and memberships: scoping, writes through the actions,
query counts. Authentication, errors and pagination in general: core/tests/test_api.py."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import Actor
from core.models import AuditAction, AuditEvent
from core.testing.personas import make_org, make_user
from orgs import actions
from orgs.choices import OrgKind
from orgs.models import Organisation
from orgs.roles import Role

pytestmark = pytest.mark.django_db
API = "/api/v1"


def send_json(client, method, url, data):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def new_division(parent, **overrides):
    return {"name": "高年级部", "code": "t-upper", "kind": "division", "parent_id": parent.pk, **overrides}


def ids(response) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


# --- scoping -----------------------------------------------------------------------------------

def test_safety_officer_lists_her_schools_subtree_only(cast, client_for):
    response = client_for(cast.alice).get(f"{API}/organisations")
    assert ids(response) == {cast.school1.pk, cast.division1.pk}


def test_bureau_admin_lists_every_organisation(cast, client_for):
    response = client_for(cast.bureau_admin).get(f"{API}/organisations")
    assert ids(response) == set(Organisation.objects.values_list("pk", flat=True))


def test_organisations_filter_by_kind(cast, client_for):
    response = client_for(cast.bureau_admin).get(f"{API}/organisations?kind=school")
    assert ids(response) == {cast.school1.pk, cast.school2.pk}


def test_sibling_schools_organisation_is_not_found(cast, client_for):
    assert client_for(cast.alice).get(f"{API}/organisations/{cast.school2.pk}").status_code == 404


def test_parent_organisation_is_not_found_from_below(cast, client_for):
    assert client_for(cast.alice).get(f"{API}/organisations/{cast.central.pk}").status_code == 404


def test_own_organisation_is_readable(cast, client_for):
    response = client_for(cast.alice).get(f"{API}/organisations/{cast.division1.pk}")
    assert response.status_code == 200
    assert response.json()["kind_label"] == "学部/年级组"


def test_users_list_holds_the_callers_subtree_only(cast, client_for):
    listed = ids(client_for(cast.alice).get(f"{API}/users"))
    assert {cast.alice.pk, cast.bob.pk, cast.leader1.pk} <= listed
    assert cast.charlie.pk not in listed and cast.bureau_admin.pk not in listed


def test_sibling_schools_user_is_not_found(cast, client_for):
    assert client_for(cast.alice).get(f"{API}/users/{cast.charlie.pk}").status_code == 404


def test_a_user_of_both_schools_shows_only_the_memberships_the_caller_may_see(cast, client_for):
    actions.add_membership(Actor.system(), cast.charlie, cast.division1, Role.GRID_MEMBER)
    user = client_for(cast.alice).get(f"{API}/users/{cast.charlie.pk}").json()
    assert [m["organisation_id"] for m in user["memberships"]] == [cast.division1.pk]


def test_users_me_answers_the_caller_with_all_their_memberships(cast, client_for):
    actions.add_membership(Actor.system(), cast.alice, cast.school2, Role.GRID_MEMBER)
    me = client_for(cast.alice).get(f"{API}/users/me").json()
    assert me["username"] == "alice"
    assert {m["organisation_id"] for m in me["memberships"]} == {cast.school1.pk, cast.school2.pk}


def test_memberships_list_holds_the_callers_subtree_only(cast, client_for):
    listed = ids(client_for(cast.alice).get(f"{API}/memberships"))
    assert {cast.alice.memberships.get().pk, cast.bob.memberships.get().pk} <= listed
    assert cast.charlie.memberships.get().pk not in listed and cast.bureau_admin.memberships.get().pk not in listed


def test_sibling_schools_membership_is_not_found(cast, client_for):
    membership = cast.charlie.memberships.get()
    assert client_for(cast.alice).get(f"{API}/memberships/{membership.pk}").status_code == 404


def test_own_schools_membership_is_readable(cast, client_for):
    membership = cast.bob.memberships.get()
    response = client_for(cast.alice).get(f"{API}/memberships/{membership.pk}")
    assert response.status_code == 200
    assert response.json()["role_label"] == "网格员"


# --- creating organisations --------------------------------------------------------------------

def test_safety_officer_creates_a_division_under_her_school(cast, client_for):
    response = send_json(client_for(cast.alice), "post", f"{API}/organisations", new_division(cast.school1))
    assert response.status_code == 201
    created = Organisation.objects.get(pk=response.json()["id"])
    assert created.parent == cast.school1 and created.kind == OrgKind.DIVISION
    assert created.path == f"{cast.school1.path}{created.pk}/"


def test_creating_an_organisation_is_audited_with_its_fields(cast, client_for):
    response = send_json(client_for(cast.alice), "post", f"{API}/organisations", new_division(cast.school1))
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="orgs.organisation",
                                   object_id=str(response.json()["id"]))
    assert event.actor == cast.alice
    assert event.changes["name"] == [None, "高年级部"] and event.changes["code"] == [None, "t-upper"]


def test_creating_under_the_sibling_school_is_not_found(cast, client_for):
    response = send_json(client_for(cast.alice), "post", f"{API}/organisations", new_division(cast.school2))
    assert response.status_code == 404
    assert not Organisation.objects.filter(code="t-upper").exists()


def test_grid_member_cannot_create_an_organisation(cast, client_for):
    response = send_json(client_for(cast.bob), "post", f"{API}/organisations", new_division(cast.division1))
    assert response.status_code == 403


def test_unknown_kind_is_refused_naming_the_field_in_chinese(cast, client_for):
    response = send_json(client_for(cast.alice), "post", f"{API}/organisations",
                         new_division(cast.school1, kind="castle"))
    assert response.status_code == 422
    assert response.json()["detail"] == "kind: 不是有效的选项。"


def test_duplicate_code_is_refused_naming_the_field_in_chinese(cast, client_for):
    response = send_json(client_for(cast.alice), "post", f"{API}/organisations",
                         new_division(cast.school1, code=cast.division1.code))
    assert response.status_code == 422
    assert response.json()["detail"].startswith("code: ")
    assert "已存在" in response.json()["errors"]["code"][0]


def test_kind_not_allowed_under_the_parent_is_refused_naming_parent_id(cast, client_for):
    response = send_json(client_for(cast.alice), "post", f"{API}/organisations",
                         new_division(cast.school1, kind="school"))
    assert response.status_code == 422
    assert response.json()["detail"] == "parent_id: “学校”不能设在“学校”之下。"


def test_refused_creation_writes_no_audit_event(cast, client_for):
    client = client_for(cast.alice)  # logging in is itself audited
    before = AuditEvent.objects.count()
    send_json(client, "post", f"{API}/organisations", new_division(cast.school1, kind="school"))
    assert AuditEvent.objects.count() == before


# --- updating organisations --------------------------------------------------------------------

def test_patch_updates_the_given_fields_only(cast, client_for):
    response = send_json(client_for(cast.alice), "patch", f"{API}/organisations/{cast.division1.pk}",
                         {"phone": "0731-1234567"})
    assert response.status_code == 200
    cast.division1.refresh_from_db()
    assert cast.division1.phone == "0731-1234567" and cast.division1.name == "低年级部"


def test_patch_audits_only_the_changed_fields(cast, client_for):
    send_json(client_for(cast.alice), "patch", f"{API}/organisations/{cast.division1.pk}",
              {"name": "低年级部", "phone": "0731-1234567"})
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(cast.division1.pk))
    assert event.actor == cast.alice and event.changes == {"phone": ["", "0731-1234567"]}


def test_patch_that_changes_nothing_writes_no_audit_event(cast, client_for):
    client = client_for(cast.alice)  # logging in is itself audited
    before = AuditEvent.objects.count()
    send_json(client, "patch", f"{API}/organisations/{cast.division1.pk}", {"name": "低年级部"})
    assert AuditEvent.objects.count() == before


def test_patch_refuses_an_empty_name_in_chinese(cast, client_for):
    response = send_json(client_for(cast.alice), "patch", f"{API}/organisations/{cast.division1.pk}", {"name": ""})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("name: ")


def test_patching_the_sibling_schools_organisation_is_not_found(cast, client_for):
    response = send_json(client_for(cast.alice), "patch", f"{API}/organisations/{cast.division2.pk}",
                         {"name": "改名"})
    assert response.status_code == 404


def test_grid_member_cannot_update_an_organisation(cast, client_for):
    response = send_json(client_for(cast.bob), "patch", f"{API}/organisations/{cast.division1.pk}",
                         {"name": "改名"})
    assert response.status_code == 403


# --- query counts ------------------------------------------------------------------------------

def _add_divisions(cast, start, count):
    for i in range(start, start + count):
        make_org(f"t-row-{i}", f"学部{i}", OrgKind.DIVISION, cast.division1)


def _add_users(cast, start, count):
    for i in range(start, start + count):
        make_user(f"row{i}", cast.division1, Role.GRID_MEMBER)


@pytest.mark.parametrize("url, add_rows", [
    (f"{API}/organisations", _add_divisions),
    (f"{API}/users", _add_users),
    (f"{API}/memberships", _add_users),
])
def test_list_runs_as_many_queries_for_30_rows_as_for_3(cast, client_for, url, add_rows):
    client = client_for(cast.alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add_rows(cast, 0, 3)
    client.get(url)  # the session's first request may differ
    few = queries()
    add_rows(cast, 3, 27)
    assert queries() == few
    assert client.get(url).json()["count"] >= 30
