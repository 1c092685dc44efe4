"""The subtree filter behind every scoped query."""

import pytest

from core.audit import Actor, record
from core.models import AuditAction, AuditEvent
from core.tenancy import subtree_q

pytestmark = pytest.mark.django_db


def _with_paths(made):
    rows = []
    for path in made:
        rows.append(AuditEvent(org_path=path, action=AuditAction.UPDATE, object_repr=path))
    AuditEvent.objects.bulk_create(rows)


@pytest.mark.parametrize("root, expected", [
    ("/1/3/", {"/1/3/", "/1/3/7/"}),
    ("/1/", {"/1/", "/1/3/", "/1/3/7/", "/1/30/", "/1/4/"}),
    ("/1/30/", {"/1/30/"}),
    ("/2/", {"/2/"}),
])
def test_subtree_holds_the_node_and_its_descendants_only(db, root, expected):
    _with_paths(["/1/", "/1/3/", "/1/3/7/", "/1/30/", "/1/4/", "/10/", "/2/"])
    found = set(AuditEvent.objects.filter(subtree_q("org_path", root)).values_list("org_path", flat=True))
    assert found == expected


def test_entries_without_an_organisation_are_seen_by_nobody(cast):
    record(Actor(), AuditAction.LOGIN_FAILED, object_repr="unknown-user")
    assert not AuditEvent.objects.for_user(cast.bureau_admin).filter(object_repr="unknown-user").exists()


def test_anonymous_users_see_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert not AuditEvent.objects.for_user(AnonymousUser()).exists()


def test_inactive_users_see_nothing(cast):
    cast.alice.is_active = False
    assert not AuditEvent.objects.for_user(cast.alice).exists()
