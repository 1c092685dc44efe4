"""One object per scoped model inside school1, for tests that must cover every model.

The tenancy walk fails when a scoped model has no factory here: a new model is covered by
adding one line.
"""

from __future__ import annotations

from collections.abc import Callable

from core.audit import Actor, AuditAction, record
from core.models import AuditEvent
from orgs.models import ApiToken, Membership, Organisation, User

from .personas import Cast


def _audit_event(cast: Cast) -> AuditEvent:
    return record(Actor(user=cast.alice), AuditAction.UPDATE, cast.division1, changes={"name": ["a", "b"]})


def _token(cast: Cast) -> ApiToken:
    return ApiToken.issue(cast.alice, name="walk")[0]


FACTORIES: dict[type, Callable[[Cast], object]] = {
    Organisation: lambda cast: cast.division1,
    User: lambda cast: cast.bob,
    Membership: lambda cast: cast.bob.memberships.get(),
    AuditEvent: _audit_event,
    ApiToken: _token,
}


def school1_objects(cast: Cast) -> list:
    """One of each scoped model, all belonging to school1's subtree."""
    return [factory(cast) for factory in FACTORIES.values()]
