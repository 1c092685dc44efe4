"""Recording the audit log. Actions call `record()` explicitly inside their transaction.

Models that hold safety data inherit `Audited` (usually through `core.models`' scoped base) and
are written through `core.actions` (`create_object`, `update_object`, `delete_object`), which
snapshot the object before and after and record the difference: a later model gets auditing
by declaring `Audited`, not by writing it again.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import uuid
from typing import Any

from django.db import connection, models
from django.db.models.fields.files import FieldFile

from .models import AuditAction, AuditEvent


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who is acting and from where: built once per request and passed explicitly into actions."""

    user: Any = None
    ip: str | None = None
    request_id: str = ""

    @classmethod
    def from_request(cls, request) -> Actor:
        from .security import client_ip

        user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated:
            user = None
        return cls(user=user, ip=client_ip(request), request_id=getattr(request, "request_id", ""))

    @classmethod
    def system(cls) -> Actor:
        """Management commands and background tasks with no person behind them."""
        return cls()

    @property
    def name(self) -> str:
        if self.user is None:
            return "system"
        return self.user.get_full_name() or self.user.get_username()


class Audited:
    """Mixin for models whose changes are audited. `audit_exclude` names fields never logged."""

    audit_exclude: tuple[str, ...] = ()

    def audit_organisation(self):
        """The organisation an entry about this object belongs to."""
        return getattr(self, "organisation", None)


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "<binary>"
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's concrete field values, foreign keys as ids, excluded fields left out."""
    exclude = set(getattr(obj, "audit_exclude", ()))
    data = {}
    for field in obj._meta.concrete_fields:
        # Timestamps kept by the database itself add nothing: the entry has its own time.
        if field.name in exclude or field.primary_key or getattr(field, "auto_now", False):
            continue
        if getattr(field, "auto_now_add", False):
            continue
        data[field.name] = _json_value(field.value_from_object(obj))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [before, after]} for the fields that differ."""
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def unsaved(
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    changes: dict | None = None,
    *,
    organisation=None,
    object_type: str = "",
    object_repr: str = "",
    actor_name: str = "",
) -> AuditEvent:
    """The entry `record` writes, unsaved (for `record_many`, which writes many at once)."""
    if obj is not None:
        if organisation is None:
            organisation = obj.audit_organisation() if hasattr(obj, "audit_organisation") else None
        object_type = object_type or obj._meta.label_lower
        object_repr = object_repr or str(obj)
    return AuditEvent(
        actor=actor.user,
        actor_name=(actor_name or actor.name)[:150],
        organisation=organisation,
        org_path=organisation.path if organisation is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=object_repr[:255],
        changes=changes or {},
        ip=actor.ip,
        request_id=actor.request_id,
    )


def record(actor: Actor, action: str, obj: models.Model | None = None, *, changes: dict | None = None,
           **fields) -> AuditEvent:
    """Write one audit entry: who (`actor`), what (`action` on `obj`, `changes` as {field: [before, after]}),
    where (`organisation`, by default the object's)."""
    event = unsaved(actor, action, obj, changes, **fields)
    event.save()
    return event


def record_many(events: list[AuditEvent]) -> None:
    """Write many unsaved entries at once (not read back): by COPY on PostgreSQL (about half the time of
    bulk_create's INSERT of the same rows), else by bulk_create. Each value goes through its field as the
    ORM's does. For runs of hundreds or thousands of rows (roster imports, the daily hazard job)."""
    if not events:
        return
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create(events, batch_size=1000)
        return
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(AuditEvent._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy,
    ):
        for event in events:
            copy.write_row([f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields])


__all__ = ["Actor", "AuditAction", "Audited", "diff", "record", "record_many", "snapshot", "unsaved"]
