"""The JSON API's frame: schema and docs, token and session authentication, lockout, error shape,
pagination and the audit log resources. Organisations, users and memberships: orgs/tests/test_api.py."""

import datetime
import json
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.audit import Actor, record
from core.models import AuditAction, AuditEvent
from core.testing.personas import PASSWORD, make_user
from orgs import actions
from orgs.models import ApiToken
from orgs.roles import Role

pytestmark = pytest.mark.django_db
API = "/api/v1"


def post_json(client, url, data, **kwargs):
    return client.post(url, json.dumps(data), content_type="application/json", **kwargs)


def request_token(client, username, password=PASSWORD):
    return post_json(client, f"{API}/auth/token", {"username": username, "password": password})


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


# --- schema and docs ---------------------------------------------------------------------------

def test_openapi_schema_is_openapi_3_and_lists_the_paths(client):
    response = client.get(f"{API}/openapi.json")
    schema = json.loads(response.content)
    assert response.status_code == 200
    assert schema["openapi"].startswith("3")
    assert {"/api/v1/auth/token", "/api/v1/organisations", "/api/v1/users", "/api/v1/memberships",
            "/api/v1/audit-events"} <= schema["paths"].keys()


def test_docs_answer_a_logged_in_user(cast, client_for):
    response = client_for(cast.alice).get(f"{API}/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.content.decode()


def test_docs_load_only_our_own_static_files(cast, client_for):
    page = client_for(cast.alice).get(f"{API}/docs").content.decode()
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', page)
    assert assets
    for url in assets:
        assert url.startswith(settings.STATIC_URL), f"{url} is not one of our static files"
        assert finders.find(url.removeprefix(settings.STATIC_URL)), f"{url} is not collected"


# --- tokens ------------------------------------------------------------------------------------

def test_username_and_password_are_exchanged_for_a_token(cast, client):
    response = request_token(client, "alice")
    assert response.status_code == 200
    body = response.json()
    assert body["token"] and ApiToken.objects.get(pk=body["id"]).user == cast.alice


def test_bearer_token_authenticates_requests(cast, client):
    raw = request_token(client, "alice").json()["token"]
    response = client.get(f"{API}/users/me", headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_wrong_password_is_refused_with_a_chinese_message(cast, client):
    response = request_token(client, "alice", "wrong-Password1")
    assert response.status_code == 401
    assert response.json()["detail"] == "用户名或密码错误。"


def test_deleting_the_current_token_revokes_it(cast, client):
    raw = request_token(client, "alice").json()["token"]
    assert client.delete(f"{API}/auth/token", headers=bearer(raw)).status_code == 204
    assert client.get(f"{API}/users/me", headers=bearer(raw)).status_code == 401


def test_a_user_revokes_another_of_their_own_tokens_by_id(cast, client):
    current = request_token(client, "alice").json()["token"]
    other = request_token(client, "alice").json()
    response = client.delete(f"{API}/auth/tokens/{other['id']}", headers=bearer(current))
    assert response.status_code == 204
    assert client.get(f"{API}/users/me", headers=bearer(other["token"])).status_code == 401
    assert client.get(f"{API}/users/me", headers=bearer(current)).status_code == 200


def test_nobody_revokes_someone_elses_token(cast, client):
    alices = request_token(client, "alice").json()
    leaders = request_token(client, "leader1").json()["token"]
    response = client.delete(f"{API}/auth/tokens/{alices['id']}", headers=bearer(leaders))
    assert response.status_code == 404
    assert client.get(f"{API}/users/me", headers=bearer(alices["token"])).status_code == 200


def test_the_token_list_shows_only_the_callers_tokens(cast, client):
    ApiToken.issue(cast.leader1, name="leader's")
    raw = request_token(client, "alice").json()["token"]
    tokens = client.get(f"{API}/auth/tokens", headers=bearer(raw)).json()
    assert [t["prefix"] for t in tokens] == [raw[:8]]


def test_a_token_works_until_it_expires(cast, client):
    token, raw = ApiToken.issue(cast.alice)
    with time_machine.travel(token.expires_at - datetime.timedelta(minutes=1), tick=False):
        assert client.get(f"{API}/users/me", headers=bearer(raw)).status_code == 200
    with time_machine.travel(token.expires_at + datetime.timedelta(minutes=1), tick=False):
        assert client.get(f"{API}/users/me", headers=bearer(raw)).status_code == 401


def test_tokens_expire_after_the_configured_days(cast, client):
    now = timezone.now().replace(microsecond=0)  # the API answers in milliseconds
    with time_machine.travel(now, tick=False):
        expires_at = request_token(client, "alice").json()["expires_at"]
    assert datetime.datetime.fromisoformat(expires_at) == now + datetime.timedelta(days=settings.API_TOKEN_DAYS)


def test_account_that_must_change_its_password_gets_no_token(cast, client):
    make_user("newbie", cast.school1, Role.GRID_MEMBER, must_change_password=True)
    response = request_token(client, "newbie")
    assert response.status_code == 403
    assert "修改初始密码" in response.json()["detail"]
    assert not ApiToken.objects.filter(user__username="newbie").exists()


def test_token_is_refused_once_an_administrator_resets_the_password(cast, client):
    _token, raw = ApiToken.issue(cast.bob)
    actions.reset_password(Actor(user=cast.alice), cast.bob, "Temp#Pass2026")
    assert client.get(f"{API}/users/me", headers=bearer(raw)).status_code == 401


def test_issuing_a_token_is_audited(cast, client):
    token_id = request_token(client, "alice").json()["id"]
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_CREATE, object_id=str(token_id))
    assert event.actor == cast.alice and event.organisation == cast.school1


def test_revoking_a_token_is_audited(cast, client):
    body = request_token(client, "alice").json()
    client.delete(f"{API}/auth/token", headers=bearer(body["token"]))
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_REVOKE, object_id=str(body["id"]))
    assert event.actor == cast.alice and event.changes["revoked_at"][0] is None


# --- lockout -----------------------------------------------------------------------------------

def test_five_failed_token_requests_lock_the_account_even_for_the_right_password(cast, client):
    for _ in range(5):
        request_token(client, "alice", "wrong-Password1")
    response = request_token(client, "alice")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert "账户已锁定" in response.json()["detail"]


def test_four_failed_token_requests_do_not_lock(cast, client):
    for _ in range(4):
        assert request_token(client, "alice", "wrong-Password1").status_code == 401
    assert request_token(client, "alice").status_code == 200


def test_lockout_through_the_api_is_audited(cast, client):
    for _ in range(5):
        request_token(client, "alice", "wrong-Password1")
    request_token(client, "alice")
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, object_repr="alice").exists()


def test_token_requests_are_throttled_per_client_address(cast, client, settings):
    settings.IP_THROTTLE_FAILURES = 6
    for name in ["a1", "a2", "a3", "a4", "a5", "a6"]:
        request_token(client, name, "wrong-Password1")
    response = request_token(client, "leader1")
    assert response.status_code == 429
    assert "该地址登录失败次数过多" in response.json()["detail"]


# --- sessions and anonymous callers ------------------------------------------------------------

def test_the_web_session_authenticates_api_requests(cast, client_for):
    assert client_for(cast.alice).get(f"{API}/organisations").status_code == 200


def test_anonymous_request_is_refused_with_401_in_chinese(client):
    response = client.get(f"{API}/organisations")
    assert response.status_code == 401
    assert response.json()["detail"] == "请先登录或提供有效的接口令牌。"


def test_session_of_an_account_that_must_change_its_password_is_refused(cast, client_for):
    user = make_user("newbie", cast.school1, Role.GRID_MEMBER, must_change_password=True)
    assert client_for(user).get(f"{API}/organisations").status_code == 401


def test_session_write_without_csrf_token_is_refused_in_chinese(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.alice, backend="orgs.backends.Backend")
    response = post_json(client, f"{API}/organisations", {})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"] and "刷新页面" in response.json()["detail"]


def test_token_write_needs_no_csrf_token(cast):
    _token, raw = ApiToken.issue(cast.alice)
    response = post_json(Client(enforce_csrf_checks=True), f"{API}/organisations",
                         {"name": "新学部", "code": "new-div", "kind": "division", "parent_id": cast.school1.pk},
                         headers=bearer(raw))
    assert response.status_code == 201


def test_revoked_token_on_a_write_answers_401_not_a_csrf_error(cast):
    token, raw = ApiToken.issue(cast.alice)
    actions.revoke_token(Actor(user=cast.alice), token)
    response = post_json(Client(enforce_csrf_checks=True), f"{API}/organisations", {}, headers=bearer(raw))
    assert response.status_code == 401


# --- error shape -------------------------------------------------------------------------------

def test_unparsable_body_answers_400_in_chinese(cast, client_for):
    response = client_for(cast.alice).post(f"{API}/organisations", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "请求内容不是有效的 JSON。"


def test_missing_fields_are_named_in_chinese(cast, client_for):
    response = post_json(client_for(cast.alice), f"{API}/organisations", {"code": "x-1", "kind": "division"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"name": ["此项为必填项。"], "parent_id": ["此项为必填项。"]}


def test_malformed_filter_value_names_the_parameter(cast, client_for):
    response = client_for(cast.alice).get(f"{API}/audit-events?since=yesterday")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("since: ")


# --- pagination --------------------------------------------------------------------------------

def test_lists_answer_items_and_count(cast, client_for):
    body = client_for(cast.bureau_admin).get(f"{API}/organisations").json()
    assert body["count"] == 6 and len(body["items"]) == 6


def test_second_page_of_size_one_holds_the_second_row(cast, client_for):
    client = client_for(cast.bureau_admin)
    everything = client.get(f"{API}/organisations").json()["items"]
    body = client.get(f"{API}/organisations?page=2&page_size=1").json()
    assert body["count"] == 6
    assert [o["id"] for o in body["items"]] == [everything[1]["id"]]


def test_page_size_above_200_is_refused_in_chinese(cast, client_for):
    response = client_for(cast.alice).get(f"{API}/organisations?page_size=201")
    assert response.status_code == 422
    assert response.json()["detail"] == "page_size: 不能大于200。"


def test_page_size_of_200_is_accepted(cast, client_for):
    assert client_for(cast.alice).get(f"{API}/organisations?page_size=200").status_code == 200


# --- audit log ---------------------------------------------------------------------------------

def _rename(user, organisation, name):
    return actions.update_organisation(Actor(user=user), organisation, name=name)


def test_audit_events_list_only_the_callers_subtree(cast, client_for):
    _rename(cast.alice, cast.division1, "一校学部改名")
    _rename(cast.charlie, cast.division2, "二校学部改名")
    body = client_for(cast.alice).get(f"{API}/audit-events").json()
    assert {e["organisation_id"] for e in body["items"]} <= {cast.school1.pk, cast.division1.pk}
    reprs = {e["object_repr"] for e in body["items"]}
    assert "一校学部改名" in reprs and "二校学部改名" not in reprs


def test_bureau_admin_reads_every_schools_audit_events(cast, client_for):
    _rename(cast.charlie, cast.division2, "二校学部改名")
    body = client_for(cast.bureau_admin).get(f"{API}/audit-events?page_size=200").json()
    assert {cast.school1.pk, cast.school2.pk} <= {e["organisation_id"] for e in body["items"]}


def test_audit_events_filter_by_action(cast, client_for):
    _rename(cast.alice, cast.division1, "一校学部改名")
    body = client_for(cast.alice).get(f"{API}/audit-events?action=update").json()
    assert body["count"] >= 1 and {e["action"] for e in body["items"]} == {"update"}


def test_sibling_schools_audit_event_is_not_found(cast, client_for):
    event = AuditEvent.objects.filter(organisation=cast.division2).first()
    response = client_for(cast.alice).get(f"{API}/audit-events/{event.pk}")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到。"


def test_own_schools_audit_event_is_readable(cast, client_for):
    _rename(cast.alice, cast.division1, "一校学部改名")
    event = AuditEvent.objects.filter(organisation=cast.division1, action=AuditAction.UPDATE).get()
    response = client_for(cast.alice).get(f"{API}/audit-events/{event.pk}")
    assert response.status_code == 200
    assert response.json()["changes"] == {"name": ["低年级部", "一校学部改名"]}


def test_grid_member_cannot_list_the_audit_log(cast, client_for):
    response = client_for(cast.bob).get(f"{API}/audit-events")
    assert response.status_code == 403
    assert response.json()["detail"] == "没有权限。"


def test_grid_member_cannot_read_an_audit_event_of_their_own_division(cast, client_for):
    event = AuditEvent.objects.filter(organisation=cast.division1).first()
    assert client_for(cast.bob).get(f"{API}/audit-events/{event.pk}").status_code == 403


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_audit_event_list_runs_as_many_queries_for_30_rows_as_for_3(cast, client_for):
    client = client_for(cast.alice)
    url = f"{API}/audit-events?object_type=test.row"

    def add_rows(count):
        for i in range(count):
            record(Actor(user=cast.alice), AuditAction.UPDATE, organisation=cast.school1,
                   object_type="test.row", object_repr=f"row {i}")

    add_rows(3)
    client.get(url)  # the session's first request may differ
    few = _queries(client, url)
    add_rows(27)
    assert _queries(client, url) == few
    assert client.get(url).json()["count"] == 30
