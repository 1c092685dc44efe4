"""Checklists: the shipped standard tables, copying one into a school, publishing a new version.

Versions are immutable: `publish` always writes a new version (only when something changed) and
points the checklist at it; inspections keep the version they answered.
"""

from __future__ import annotations

import decimal
import functools
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import Actor, AuditAction, record
from core.kept import Kept

from .choices import ItemKind
from .models import Checklist, ChecklistItem, ChecklistVersion

STANDARD_FILE = Path(__file__).resolve().parent / "standard_checklists.json"
ITEM_FIELDS = ("key", "group", "text", "guidance", "kind", "unit", "min_value", "max_value", "options",
               "fail_options", "is_major", "photo_on_fail", "note_on_fail")


# A version's items never change once published: kept per process (a submission and its form read them).
_items = Kept(256)


def items_of(version: ChecklistVersion) -> list[ChecklistItem]:
    """A version's items in order, kept per process (keyed by id and publication time, so an id a rolled-back
    publication left behind and used again cannot return another version's items). Read-only: shared."""
    key = (version.pk, version.created_at)
    items = _items.get(key)
    if items is None:
        items = list(version.items.all())
        _items.put(key, items)
    return items


def forget_items() -> None:
    _items.clear()


@functools.cache
def standard_checklists() -> list[dict]:
    """The standard checklists shipped with SafeGrid (see standard_checklists.json)."""
    return json.loads(STANDARD_FILE.read_text(encoding="utf-8"))


def standard(key: str) -> dict:
    for checklist in standard_checklists():
        if checklist["key"] == key:
            return checklist
    raise KeyError(key)


def _decimal(value):
    return None if value in (None, "") else decimal.Decimal(str(value))


def item_from_standard(data: dict) -> dict:
    """A shipped item in the field names of ChecklistItem."""
    return {
        "key": data["key"], "group": data["group"], "text": data["text"], "guidance": data.get("guidance", ""),
        "kind": data["kind"], "unit": data.get("unit", ""), "min_value": _decimal(data.get("min")),
        "max_value": _decimal(data.get("max")), "options": data.get("options", []),
        "fail_options": data.get("fail_options", []), "is_major": data.get("major", False),
        "photo_on_fail": data.get("photo_on_fail", False), "note_on_fail": data.get("note_on_fail", False),
    }


def item_values(item: ChecklistItem) -> dict:
    return {name: getattr(item, name) for name in ITEM_FIELDS}


def _comparable(items: list[dict]) -> list[tuple]:
    return [tuple(str(item.get(name, "")) for name in ITEM_FIELDS) for item in items]


def build_items(version: ChecklistVersion, items: list[dict]) -> list[ChecklistItem]:
    """Validated, unsaved items; ValidationError naming the item (第N项) on the first problem."""
    built, keys = [], set()
    if not items:
        raise ValidationError(_("排查表至少要有一项。"))
    for position, values in enumerate(items, start=1):
        item = ChecklistItem(version=version, position=position, **{k: values.get(k) for k in ITEM_FIELDS
                                                                     if values.get(k) is not None})
        if item.key in keys:
            raise ValidationError(_("第%(n)d项：编号“%(key)s”重复。") % {"n": position, "key": item.key})
        keys.add(item.key)
        if item.kind == ItemKind.TEXT:
            item.is_major = item.photo_on_fail = item.note_on_fail = False
        try:
            item.full_clean(exclude=["version"])
        except ValidationError as error:
            text = "；".join(error.messages)
            raise ValidationError(_("第%(n)d项“%(text)s”：%(error)s") % {
                "n": position, "text": item.text[:20], "error": text}) from None
        built.append(item)
    return built


@transaction.atomic
def publish(actor: Actor, checklist: Checklist, items: list[dict], *, note: str = "") -> ChecklistVersion | None:
    """A new version with `items` (dicts of ITEM_FIELDS), or None when nothing changed."""
    checklist = Checklist.objects.select_for_update().get(pk=checklist.pk)
    current = checklist.current_version
    if current is not None:
        old = [item_values(i) for i in current.items.all()]
        if _comparable(old) == _comparable(items):
            return None
    number = (current.number if current else 0) + 1
    version = ChecklistVersion(organisation_id=checklist.organisation_id, checklist=checklist, number=number,
                               created_by=actor.user, note=note)
    built = build_items(version, items)
    version.save()
    ChecklistItem.objects.bulk_create(built)
    checklist.current_version = version
    checklist.save(update_fields=["current_version"])
    record(actor, AuditAction.UPDATE if current else AuditAction.CREATE, checklist, changes={
        "version": [current.number if current else None, number],
        "items": [len(current.items.all()) if current else 0, len(built)],
        **({"note": ["", note]} if note else {}),
    })
    return version


@transaction.atomic
def copy_standard(actor: Actor, organisation, key: str, *, name: str | None = None) -> Checklist:
    """Copy a shipped standard checklist into a school as its own, editable checklist."""
    data = standard(key)
    name = name or data["name"]
    if Checklist.objects.filter(organisation=organisation, name=name).exists():
        raise ValidationError(_("本校已有名为“%(name)s”的排查表。") % {"name": name})
    checklist = Checklist(organisation=organisation, name=name, topic=data["topic"],
                          description=data.get("description", ""), standard_key=key)
    checklist.full_clean()
    checklist.save()
    record(actor, AuditAction.CREATE, checklist, changes={"name": [None, name], "standard_key": [None, key]})
    publish(actor, checklist, [item_from_standard(i) for i in data["items"]], note=_("复制自标准排查表"))
    checklist.refresh_from_db()
    return checklist
