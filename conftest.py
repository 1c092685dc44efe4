import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside live_server


@pytest.fixture
def cast(db):
    from core.testing.personas import make_cast

    return make_cast()


@pytest.fixture
def client_for(client):
    """client_for(user): a test client logged in as that user (no password round trip)."""

    def login(user):
        client.force_login(user, backend="orgs.backends.Backend")
        return client

    return login


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploaded files (inspection photos) go to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (throttles, cached coverage): rolled-back rows leave no trace."""
    from django.core.cache import cache

    from inspections.checklists import forget_items
    from inspections.due import forget_structures

    cache.clear()
    forget_structures()
    forget_items()
    yield
    cache.clear()
    forget_structures()
    forget_items()
