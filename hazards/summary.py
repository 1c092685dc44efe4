"""Hazard figures of the home pages: a school's open hazards, and what a staff member has to do."""

from __future__ import annotations

from django.db.models import Count, Q

from .choices import Grade, ReportStatus, State
from .models import Hazard, PublicReport, Reminder

OPEN = [State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION]


def school_hazards(organisation) -> dict:
    """Open hazards of a school by state, the major and overdue ones, those left overnight, and public
    reports waiting for review: two queries."""
    figures = Hazard.objects.filter(organisation=organisation, state__in=OPEN).aggregate(
        open=Count("pk"), reported=Count("pk", filter=Q(state=State.REPORTED)),
        rectifying=Count("pk", filter=Q(state=State.RECTIFYING)),
        awaiting=Count("pk", filter=Q(state=State.AWAITING_VERIFICATION)),
        major=Count("pk", filter=Q(grade=Grade.MAJOR)), overdue=Count("pk", filter=Q(is_overdue=True)),
        left_overnight=Count("pk", filter=Q(left_overnight=True, state=State.REPORTED)))
    figures["public_pending"] = PublicReport.objects.filter(organisation=organisation,
                                                            status=ReportStatus.PENDING).count()
    return figures


def member_hazards(user) -> dict:
    """What the user has to do: hazards to fix, and unread reminders (two queries)."""
    person = getattr(user, "person", None)
    if person is None:
        return {"to_fix": 0, "reminders": 0}
    return {"to_fix": Hazard.objects.filter(responsible=person, state__in=[State.REPORTED, State.RECTIFYING]).count(),
            "reminders": Reminder.objects.filter(person=person, read_at__isnull=True).count()}
