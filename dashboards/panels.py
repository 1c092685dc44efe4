"""A school's dashboard panel, rendered once per state of what it shows and kept in Django's cache.

The panel (`_school.html`: today's inspections, open hazards, letters, coverage, the 30 days and 12 months)
depends on the school's data and on the day, nothing else. Its key holds the day, the language, the two
flags the template reads, and the data versions of everything it counts (`core.versions.snapshot`):

- PLAN (the school and above): what is due today and yesterday;
- COVERAGE (the school and above): the coverage findings;
- ROLLUP (the school and above): the 30 days and the 12 months;
- LIVE (the school's subtree): inspections, QR check-ins, hazards, public reports and letters.

Every change to these moves its version inside the writer's transaction, so a page never shows figures
older than the rows it could read; figures that depend on the date alone (overdue, yesterday's misses,
today's scans) are keyed by the day. Reading a kept panel costs one query and one cache read.
"""

from __future__ import annotations

import datetime
import hashlib

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from core import versions

KEEP_SECONDS = 24 * 3600
UP = (versions.PLAN, versions.COVERAGE, versions.ROLLUP)
DOWN = (versions.LIVE,)


def school_panel(school, today: datetime.date, *, read_only: bool = False, can_review_public: bool = False) -> dict:
    """{"school_html": the rendered panel, "risk": the school's risk key} — kept, or computed and kept."""
    from . import views

    state = versions.snapshot(school.path, UP, DOWN)
    facts = (school.pk, school.path, str(today), translation.get_language(), read_only, can_review_public, state)
    key = "dashboards:school-panel:" + hashlib.sha256(repr(facts).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        context = views.school_context(school, today)
        context.update(read_only=read_only, can_review_public=can_review_public)
        found = {"school_html": str(render_to_string("dashboards/_school.html", context)),
                 "risk": context["period_row"].risk}
        cache.set(key, found, KEEP_SECONDS)
    return {"school_html": mark_safe(found["school_html"]), "risk": found["risk"]}  # noqa: S308 — our template's


def live_changed(sender, instance, **kwargs) -> None:
    versions.changed(getattr(instance, "organisation_id", None), versions.LIVE)


def connect() -> None:
    """Every save and delete of what the panel counts live moves its organisation's LIVE version (updates
    that bypass signals move it themselves: hazards.workflow, hazards.public, grids.letters)."""
    from django.db.models.signals import post_delete, post_save

    from grids.models import ResponsibilityLetter
    from hazards.models import Hazard, PublicReport
    from inspections.models import CheckIn, Inspection

    for model in (Inspection, CheckIn, Hazard, PublicReport, ResponsibilityLetter):
        post_save.connect(live_changed, sender=model, dispatch_uid=f"live-{model.__name__}")
        post_delete.connect(live_changed, sender=model, dispatch_uid=f"live-{model.__name__}-delete")
