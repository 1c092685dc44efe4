"""The audit log: writes, logins and exports are recorded; nothing can edit or delete an entry."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.audit import Actor
from core.models import AuditAction, AuditEvent
from core.testing.personas import PASSWORD
from orgs import actions
from orgs.choices import OrgKind

pytestmark = pytest.mark.django_db


def latest(action):
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


def test_create_records_actor_organisation_ip_and_after_values(cast, rf):
    request = rf.post("/", REMOTE_ADDR="192.0.2.7")
    request.user = cast.alice
    request.request_id = "abc123"
    division = actions.create_organisation(Actor.from_request(request), name="高年级部", code="t-upper",
                                           kind=OrgKind.DIVISION, parent=cast.school1)
    event = latest(AuditAction.CREATE)
    assert (event.actor, event.actor_name, event.ip, event.request_id) == (cast.alice, "艾丽", "192.0.2.7", "abc123")
    assert event.organisation == division and event.org_path.startswith(cast.school1.path)
    assert event.changes["name"] == [None, "高年级部"]


def test_update_records_only_changed_fields_before_and_after(cast):
    actions.update_organisation(Actor(user=cast.alice), cast.division1, name="一二年级部", address="东楼")
    event = latest(AuditAction.UPDATE)
    assert event.changes == {"address": ["", "东楼"], "name": ["低年级部", "一二年级部"]}


def test_update_without_change_records_nothing(cast):
    before = AuditEvent.objects.count()
    actions.update_organisation(Actor(user=cast.alice), cast.division1, name=cast.division1.name)
    assert AuditEvent.objects.count() == before


def test_delete_records_what_was_removed(cast):
    membership = cast.bob.memberships.get()
    actions.remove_membership(Actor(user=cast.alice), membership)
    event = latest(AuditAction.DELETE)
    assert event.object_type == "orgs.membership" and event.changes["role"] == ["grid_member", None]


def test_passwords_never_reach_the_log(cast):
    assert all("password" not in e.changes for e in AuditEvent.objects.all())


def test_login_logout_and_failed_login_are_recorded(cast, client):
    client.post("/accounts/login/", {"username": "alice", "password": "nope-Nope1"}, REMOTE_ADDR="198.51.100.1")
    failed = latest(AuditAction.LOGIN_FAILED)
    assert failed.object_repr == "alice" and failed.ip == "198.51.100.1" and failed.organisation == cast.school1
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert latest(AuditAction.LOGIN).actor == cast.alice
    client.post("/accounts/logout/")
    assert latest(AuditAction.LOGOUT).actor == cast.alice


def test_export_is_recorded_with_its_row_count(cast, client_for):
    response = client_for(cast.alice).get("/audit/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    event = latest(AuditAction.EXPORT)
    assert event.actor == cast.alice and event.object_type == "core.auditevent"
    assert event.changes["rows"][1] > 0


def test_entries_cannot_be_edited_or_deleted(cast):
    event = AuditEvent.objects.first()
    event.actor_name = "someone else"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(actor_name="x")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()


def test_no_url_edits_or_deletes_entries(cast, client_for):
    client = client_for(cast.alice)
    event = AuditEvent.objects.filter(org_path__startswith=cast.school1.path).first()
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(f"/api/v1/audit-events/{event.pk}").status_code == 405
    assert AuditEvent.objects.filter(pk=event.pk, actor_name=event.actor_name).exists()


def test_prune_keeps_at_least_180_days(cast):
    with pytest.raises(CommandError):
        call_command("prune_audit", days=30)


def test_prune_removes_only_entries_older_than_retention(cast):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=200), tick=False):
        actions.update_organisation(Actor(user=cast.alice), cast.division1, name="旧名")
    recent = AuditEvent.objects.filter(at__gte=timezone.now() - datetime.timedelta(days=1)).count()
    call_command("prune_audit", days=180)
    assert AuditEvent.objects.count() == recent
    assert not AuditEvent.objects.filter(at__lt=timezone.now() - datetime.timedelta(days=180)).exists()


def test_leaders_read_their_subtree_log_and_members_cannot(cast, client_for):
    actions.update_organisation(Actor(user=cast.charlie), cast.division2, name="二校学部改名")
    page = client_for(cast.leader1).get("/audit/").content.decode()
    assert "低年级部" in page and "二校学部改名" not in page
    assert client_for(cast.bob).get("/audit/").status_code == 403


def test_audit_list_filters_by_action(cast, client_for):
    actions.update_organisation(Actor(user=cast.alice), cast.division1, name="筛选测试部")
    response = client_for(cast.alice).get("/audit/", {"action": "update"}, HTTP_HX_REQUEST="true")
    rows = response.content.decode()
    assert 'id="results"' in rows and "<html" not in rows  # htmx gets the results fragment only
    assert "筛选测试部" in rows and "新增" not in rows


def test_audit_list_runs_a_fixed_number_of_queries(cast, client_for, django_assert_max_num_queries):
    client = client_for(cast.alice)
    for i in range(30):
        actions.update_organisation(Actor(user=cast.alice), cast.division1, name=f"部{i}")
    client.get("/audit/")  # warm the session
    with django_assert_max_num_queries(12):
        assert client.get("/audit/").status_code == 200
