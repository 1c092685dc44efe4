"""Registering hazards: by hand (a patrol, an upper-level check) or from an inspection's failed item."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.actions import create_object
from core.audit import Actor
from inspections.models import store_photos

from .choices import FROM_CHECKLIST_TOPIC, Grade, Source
from .models import Hazard, HazardEvent, HazardPhoto


def owner_grid(place):
    """The deepest grid covering a place: who answers for a hazard found there."""
    if place is None:
        return None
    from grids.models import Grid

    return Grid.objects.filter(organisation_id=place.organisation_id, places=place).order_by("-level", "pk").first()


@transaction.atomic
def report(actor: Actor, hazard: Hazard) -> Hazard:
    """Register a new hazard (待处理); its grid is the place's when not given."""
    if hazard.grid_id is None and hazard.place_id is not None:
        hazard.grid = owner_grid(hazard.place)
    hazard.found_at = hazard.found_at or timezone.now()
    hazard.reported_by = hazard.reported_by or actor.user
    hazard = create_object(actor, hazard)
    HazardEvent.objects.create(organisation_id=hazard.organisation_id, hazard=hazard, action="report", from_state="",
                               to_state=hazard.state, actor=actor.user, actor_name=actor.name[:150])
    return hazard


def from_finding(actor: Actor, finding) -> Hazard:
    """The hazard an inspection's failed item raises (a major item raises a major hazard); once only."""
    existing = Hazard.objects.filter(finding=finding).first()
    if existing is not None:
        return existing
    item = finding.item
    inspection = finding.inspection
    text = item.text + (f"：{finding.note}" if finding.note else f"（{finding.answer}）")
    return report(actor, Hazard(
        organisation_id=finding.organisation_id, place=finding.place, grid=finding.grid,
        topic=FROM_CHECKLIST_TOPIC.get(inspection.version.checklist.topic, "other"),
        grade=Grade.MAJOR if finding.is_major else Grade.GENERAL, source=Source.INSPECTION, description=text,
        finding=finding, found_by=inspection.inspector, found_at=_found_at(inspection)))


def _found_at(inspection):
    """When the inspector saw it: the phone's time (an offline inspection arrives later), never after it
    reached the server (a phone clock running fast)."""
    if inspection.device_time is None:
        return inspection.received_at
    return min(inspection.device_time, inspection.received_at)


def add_photos(actor: Actor, hazard: Hazard, uploads: list[tuple[object, str]], then=None, *, first=None):
    """Before/after photos of a hazard (each (upload, kind)), checked by content (ValidationError in Chinese),
    stored and audited, in one transaction with `first()` (e.g. registering the hazard itself) before them and
    `then()` (a transition) after them; nothing is kept if anything fails. Returns what `then` returns, or else
    what `first` returns."""
    pairs = [(HazardPhoto(organisation_id=hazard.organisation_id, kind=kind, taken_by=actor.user), upload)
             for upload, kind in uploads]

    def write():
        result = first() if first is not None else None
        for photo, _upload in pairs:
            photo.hazard = hazard
            create_object(actor, photo)
        return then() if then is not None else result

    return store_photos(pairs, write)


def add_photo(actor: Actor, hazard: Hazard, upload, kind: str) -> HazardPhoto:
    add_photos(actor, hazard, [(upload, kind)])
    return hazard.photos.order_by("-pk").first()
