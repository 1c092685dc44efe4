"""Chinese first; English per user."""

import pytest
from django.core.management import call_command

from core.models import AuditAction, AuditEvent
from orgs.models import Organisation, User

pytestmark = pytest.mark.django_db


def test_chinese_is_the_default_even_for_an_english_browser(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN">' in response.content.decode() and "登录" in response.content.decode()


def test_switching_language_is_kept_on_the_account(cast, client_for):
    client = client_for(cast.alice)
    response = client.post("/language/", {"language": "en", "next": "/organisations/"})
    assert response.status_code == 302 and response["Location"] == "/organisations/"
    assert User.objects.get(pk=cast.alice.pk).language == "en"
    page = client.get("/organisations/")
    assert page["Content-Language"] == "en" and '<html lang="en">' in page.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(cast.alice.pk)).exists()


def test_english_pages_are_translated(cast, client_for):
    client = client_for(cast.alice)
    client.post("/language/", {"language": "en"})
    page = client.get("/").content.decode()
    assert "Log out" in page and "退出登录" not in page


def test_language_chosen_before_login_comes_from_a_cookie(client):
    client.post("/language/", {"language": "en", "next": "/accounts/login/"})
    assert client.get("/accounts/login/")["Content-Language"] == "en"


def test_unknown_language_falls_back_to_chinese(cast, client_for):
    client = client_for(cast.alice)
    client.post("/language/", {"language": "fr"})
    assert User.objects.get(pk=cast.alice.pk).language == "zh-hans"


def test_language_switch_refuses_offsite_redirects(client):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_demo_data_is_idempotent(db):
    call_command("demo")
    counts = (Organisation.objects.count(), User.objects.count(), AuditEvent.objects.count())
    call_command("demo")
    assert (Organisation.objects.count(), User.objects.count(), AuditEvent.objects.count()) == counts
    codes = set(Organisation.objects.values_list("code", flat=True))
    assert {"demo-bureau", "demo-school-1", "demo-school-2", "demo-school-3"} <= codes
    for username in ["bureau_admin", "school1_leader", "school1_safety", "school1_member",
                     "school2_leader", "school2_safety", "school2_member"]:
        assert User.objects.get(username=username).check_password("Demo@2026")


def test_demo_school_3_is_left_empty(db):
    call_command("demo")
    school3 = Organisation.objects.get(code="demo-school-3")
    assert not school3.memberships.exists() and not school3.children.exists()


def test_demo_password_can_be_set_by_environment(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Other#Pass2026")
    call_command("demo")
    assert User.objects.get(username="school1_safety").check_password("Other#Pass2026")


def test_demo_grid_staff_see_the_grids_they_answer_for(db, client):
    call_command("demo")
    member = User.objects.get(username="school1_member")
    assert member.person.assignments.filter(role="head_teacher").exists()
    client.force_login(member, backend="orgs.backends.Backend")
    mine = client.get("/").content.decode().split("我负责的网格", 1)[1].split("</div>", 1)[0]
    assert "班主任" in mine
