"""Reminders to the person responsible for a hazard's rectification (整改提醒): three days and one day
before the deadline, on the day, and the day after it passed. The daily job makes them once per hazard,
person, kind and day (a second run adds nothing); they show on "my hazards" and the home page until
read, and are e-mailed when the person's account has an address."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from .choices import ReminderKind, State
from .models import Hazard, Reminder

log = logging.getLogger(__name__)

DAYS_BEFORE = (3, 1)  # "due soon" on these days before the deadline


def kind_for(deadline: datetime.date, today: datetime.date) -> str | None:
    days = (deadline - today).days
    if days in DAYS_BEFORE:
        return ReminderKind.DUE_SOON
    if days == 0:
        return ReminderKind.DUE_TODAY
    if days == -1:
        return ReminderKind.OVERDUE
    return None


def send_reminders(today: datetime.date) -> int:
    """Make today's reminders; returns how many were new. A fixed number of queries plus one per e-mail."""
    wanted = {today + datetime.timedelta(days=d) for d in (*DAYS_BEFORE, 0, -1)}
    hazards = (Hazard.objects.filter(state__in=[State.REPORTED, State.RECTIFYING], deadline__in=wanted,
                                     responsible__isnull=False)
               .select_related("responsible__user", "place"))
    made = [Reminder(organisation_id=h.organisation_id, hazard=h, person=h.responsible,
                     kind=kind_for(h.deadline, today), on_date=today) for h in hazards]
    if not made:
        return 0
    existing = set(Reminder.objects.filter(on_date=today, hazard__in=[r.hazard for r in made])
                   .values_list("hazard_id", "person_id", "kind"))
    new = [r for r in made if (r.hazard.pk, r.person.pk, r.kind) not in existing]
    Reminder.objects.bulk_create(new, ignore_conflicts=True)  # a concurrent run: the constraint keeps one
    for reminder in new:
        _email(reminder)
    return len(new)


def _email(reminder: Reminder) -> None:
    user = reminder.person.user
    if user is None or not user.email:
        return
    hazard = reminder.hazard
    subject = _("【整改提醒】%(kind)s：%(description)s") % {"kind": reminder.get_kind_display(),
                                                        "description": hazard.description[:30]}
    body = _("%(name)s：\n\n您负责整改的隐患“%(description)s”（%(place)s）整改期限为 %(deadline)s，%(kind)s。\n"
             "请按期整改并上传整改后照片：%(url)s\n") % {
        "name": reminder.person.name, "description": hazard.description, "kind": reminder.get_kind_display(),
        "place": hazard.place.full_name if hazard.place else "—", "deadline": hazard.deadline,
        "url": settings.SAFEGRID_BASE_URL.rstrip("/") + reverse("hazards:hazard_detail", args=[hazard.pk])}
    try:
        send_mail(subject, body, None, [user.email])
    except OSError:  # the reminder stays in the app; a mail server being down must not stop the daily job
        log.exception("reminder e-mail to %s failed", user.email)
