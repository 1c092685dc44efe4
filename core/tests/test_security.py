"""Accounts and security basics: lockout, IP throttle, idle sessions, password rules, first-login change."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditAction, AuditEvent
from core.testing.personas import PASSWORD, make_user
from orgs.models import User
from orgs.roles import Role

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- lockout -------------------------------------------------------------------------------

def test_correct_password_logs_in(cast, client):
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_five_failures_lock_the_account_even_for_the_right_password(cast, client):
    for _ in range(4):
        assert login(client, "alice", "wrong-Password1").status_code == 200
    assert login(client, "alice", "wrong-Password1").status_code == 429  # the fifth failure locks
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "账户已锁定" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, object_repr="alice").exists()


def test_four_failures_do_not_lock(cast, client):
    for _ in range(4):
        login(client, "alice", "wrong-Password1")
    assert login(client, "alice", PASSWORD).status_code == 302


def test_lock_lifts_after_fifteen_minutes(cast, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            login(client, "alice", "wrong-Password1")
        assert login(client, "alice", PASSWORD).status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        assert login(client, "alice", PASSWORD).status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        assert login(client, "alice", PASSWORD).status_code == 302


def test_lockout_of_one_account_leaves_colleagues_alone(cast, client):
    for _ in range(5):
        login(client, "alice", "wrong-Password1")
    assert login(client, "leader1", PASSWORD).status_code == 302


def test_client_ip_is_throttled_after_many_failures_across_usernames(cast, client, settings):
    settings.IP_THROTTLE_FAILURES = 6
    for name in ["a1", "a2", "a3", "a4", "a5", "a6"]:
        login(client, name, "wrong-Password1", ip="10.9.9.9")
    response = login(client, "leader1", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert "该地址登录失败次数过多" in response.content.decode()
    # Another address is not affected.
    assert login(client, "leader1", PASSWORD, ip="10.9.9.10").status_code == 302


# --- sessions ------------------------------------------------------------------------------

def test_idle_session_ends_after_thirty_minutes(cast, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, "alice", PASSWORD)
        assert client.get("/").status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=31), tick=False):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_activity_keeps_the_session_alive(cast, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, "alice", PASSWORD)
    for minutes in (20, 40, 60):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200


# --- passwords -----------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["Ab1!", "abcdefgh", "abcdefg1", "ABCDEFG1", "alicE123!x"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password, User(username="alice"))


@pytest.mark.parametrize("password", ["Campus#2026", "anquan-2026x", "SAFE9grid!"])
def test_strong_passwords_are_accepted(password):
    validate_password(password, User(username="alice"))


def test_password_messages_are_chinese():
    with pytest.raises(ValidationError) as info:
        validate_password("abcdefgh", User(username="alice"))
    assert any("至少3类" in m for m in info.value.messages)


def test_account_created_by_an_administrator_must_change_password_first(cast, client):
    make_user("newbie", cast.school1, Role.GRID_MEMBER, must_change_password=True)
    login(client, "newbie", PASSWORD)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Fresh#Start2026", "new_password2": "Fresh#Start2026",
    })
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    user = User.objects.get(username="newbie")
    assert not user.must_change_password and user.check_password("Fresh#Start2026")
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGE, object_id=str(user.pk)).exists()


def test_password_change_refuses_a_weak_password_with_a_chinese_message(cast, client):
    client.force_login(cast.alice, backend="orgs.backends.Backend")
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "aliceaaaa", "new_password2": "aliceaaaa",
    })
    assert response.status_code == 200
    assert "密码不能包含用户名" in response.content.decode()


# --- production settings -------------------------------------------------------------------

def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "SAFEGRID_SECURE": "1",
        "SAFEGRID_DEBUG": "0",
        "SAFEGRID_SECRET_KEY": "k3Jx9-Qw2Lm7Zp4Rt8Vb1Nc6Hy5Gd0Fs" * 2,
        "SAFEGRID_ALLOWED_HOSTS": "safegrid.example.cn",
        "SAFEGRID_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for browser tests only
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "SAFEGRID_SECURE": "1", "SAFEGRID_VAR_DIR": str(tmp_path)}
    env.pop("SAFEGRID_SECRET_KEY", None)
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "SAFEGRID_SECRET_KEY" in result.stderr


def test_the_policy_built_once_is_django_csps_and_follows_the_settings(cast, client, settings):
    from csp.constants import SELF
    from csp.decorators import csp_update
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    from core.middleware import ContentSecurityPolicyMiddleware

    def theirs():
        return CSPMiddleware(lambda request: HttpResponse())(RequestFactory().get("/"))["Content-Security-Policy"]

    first = client.get(LOGIN)["Content-Security-Policy"]
    assert first == client.get(LOGIN)["Content-Security-Policy"] == theirs()
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF], "img-src": [SELF, "data:"]}}
    changed = client.get(LOGIN)["Content-Security-Policy"]
    assert changed != first and "img-src 'self' data:" in changed
    # A view's own policy still goes through django-csp.
    view = csp_update({"img-src": "https://maps.example"})(lambda request: HttpResponse())
    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert "https://maps.example" in response["Content-Security-Policy"]


def test_security_headers_are_sent(cast, client):
    response = client.get(LOGIN)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
