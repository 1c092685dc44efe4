"""Hazard figures of a staff member's home page: what they have to do."""

from __future__ import annotations

from people.models import person_of

from .choices import State
from .models import Hazard, Reminder

OPEN = [State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION]


def member_hazards(user) -> dict:
    """What the user has to do: hazards to fix, and unread reminders (two queries)."""
    person = person_of(user)
    if person is None:
        return {"to_fix": 0, "reminders": 0}
    return {"to_fix": Hazard.objects.filter(responsible=person, state__in=[State.REPORTED, State.RECTIFYING]).count(),
            "reminders": Reminder.objects.filter(person=person, read_at__isnull=True).count()}
