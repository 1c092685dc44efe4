"""Who is asking, at the least cost: the user, their memberships and their person in one query
(`orgs.backends.Backend`), and sessions read from Redis when several app servers share it."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tenancy import memberships_of
from orgs.backends import PATH
from people.models import person_of

pytestmark = pytest.mark.django_db
REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
        return True
    except OSError:
        return False


def _identity_queries(client) -> list[str]:
    """The SQL of one request that reads the user, their memberships and their person."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/patrol/")
    assert response.status_code == 200
    return [q["sql"] for q in captured if any(t in q["sql"] for t in ('"orgs_user"', '"orgs_membership"'))]


def test_the_user_arrives_with_memberships_and_person(cast, client):
    from people.models import Person

    person = Person.objects.create(organisation=cast.school1, name="王老师", user=cast.alice)
    client.force_login(cast.alice, backend=PATH)
    identity = _identity_queries(client)
    assert len(identity) == 1, identity  # no separate user, membership or person query
    user = client.get("/patrol/").wsgi_request.user
    expected = [m.organisation for m in cast.alice.memberships.select_related("organisation")]
    with CaptureQueriesContext(connection) as captured:
        assert person_of(user) == person
        assert person_of(user).organisation == cast.school1
        assert [m.organisation for m in memberships_of(user)] == expected
    assert len(captured) == 0


def test_a_user_without_person_or_membership_is_still_signed_in(cast, client):
    from orgs.models import User

    lone = User.objects.create_user(username="lone", password="Lone#2026pw")
    client.force_login(lone, backend=PATH)
    user = client.get("/").wsgi_request.user
    assert user.is_authenticated and user.pk == lone.pk
    assert person_of(user) is None and memberships_of(user) == []


def test_an_inactive_user_is_signed_out(cast, client):
    client.force_login(cast.alice, backend=PATH)
    type(cast.alice).objects.filter(pk=cast.alice.pk).update(is_active=False)
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_removed_membership_shows_on_the_next_request(cast, client):
    """Memberships are loaded with the user on every request, never kept across requests."""
    client.force_login(cast.alice, backend=PATH)
    assert client.get(f"/organisations/{cast.school1.pk}/").status_code == 200
    cast.alice.memberships.all().delete()
    assert client.get(f"/organisations/{cast.school1.pk}/").status_code == 404


# --- Redis: the cache and the sessions of several app servers ----------------------------------

def test_with_redis_configured_sessions_are_read_from_the_cache():
    env = {**os.environ, "SAFEGRID_REDIS_URL": "redis://127.0.0.1:6379/15", "SAFEGRID_SECURE": "0"}
    code = ("from django.conf import settings; import django; django.setup(); "
            "print(settings.SESSION_ENGINE); print(settings.CACHES['default']['BACKEND'])")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                            env={**env, "DJANGO_SETTINGS_MODULE": "safegrid.settings"}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.contrib.sessions.backends.cached_db",
                                     "django.core.cache.backends.redis.RedisCache"]


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_a_signed_in_request_reads_no_session_row_with_redis(cast, client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/15"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    from django.core.cache import cache

    cache.clear()
    try:
        client.force_login(cast.alice, backend=PATH)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        assert not [q for q in captured if "django_session" in q["sql"]]
        client.logout()
        assert client.get("/").status_code == 302  # the session ended in the cache and the database alike
    finally:
        cache.clear()
