"""The dashboards' big panels — a school's, a bureau's — rendered once per state of what they show and kept in
Django's cache.

The panel (`_school.html`: today's inspections, open hazards, letters, coverage, the 30 days and 12 months)
depends on the school's data and on the day, nothing else. Its key holds the day, the language, the two
flags the template reads, and the data versions of everything it counts (`core.versions.snapshot`):

- PLAN (the school and above: a bureau's shared checklists and calendar reach it): what is due;
- COVERAGE (the school and above): the coverage findings;
- ROLLUP (the school itself: its own counter moves with each of its roll-up rows; those above it move for
  every school below them): the 30 days and the 12 months;
- INSPECTIONS, HAZARDS, LETTERS (the school's subtree): inspections and QR check-ins, hazards and public
  reports, responsibility letters.

Every change to these moves its version inside the writer's transaction, so a page never shows figures
older than the rows it could read; figures that depend on the date alone (overdue, yesterday's misses,
today's scans) are keyed by the day. Reading a kept panel costs one query and one cache read.

A bureau's section (its totals, the table of its schools, the 12 months, the tree by risk) shows past days'
roll-ups and live hazards, never today's inspections: it is keyed by the ROLLUP, HAZARDS and COVERAGE
versions of the bureau's subtree (COVERAGE moves with every organisation's save: a school added, renamed or
moved), so the morning's submissions leave it kept.
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
UP = (versions.PLAN, versions.COVERAGE)
DOWN = (versions.INSPECTIONS, versions.HAZARDS, versions.LETTERS, versions.ROLLUP)
BUREAU_DOWN = (versions.HAZARDS, versions.ROLLUP, versions.COVERAGE)
LIVE = {"Inspection": versions.INSPECTIONS, "CheckIn": versions.INSPECTIONS, "Hazard": versions.HAZARDS,
        "PublicReport": versions.HAZARDS, "ResponsibilityLetter": versions.LETTERS}


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


def bureau_section(user, root, today: datetime.date, *, sort: str | None, direction: str | None) -> str:
    """The bureau's section of its home page (`_bureau.html`), kept per state of the subtree of `root` (the
    user's organisation), the day, the language, the order and the schools the user may see."""
    from core.tenancy import visible_paths
    from orgs.roles import Capability

    from . import views

    # What the user sees (the tree) and whose records they read (the table) follow from their memberships'
    # paths; the subtree's versions cover the rest. Memberships outside `root`'s subtree: not kept.
    seen, read = sorted(visible_paths(user)), sorted(visible_paths(user, Capability.VIEW_INSPECTIONS))
    key = None
    if all(path.startswith(root.path) for path in seen):
        state = versions.snapshot(root.path, (), BUREAU_DOWN)
        facts = (root.pk, root.path, str(today), translation.get_language(), sort, direction, seen, read, state)
        key = "dashboards:bureau-section:" + hashlib.sha256(repr(facts).encode()).hexdigest()
    html = cache.get(key) if key else None
    if html is None:
        context = views.bureau_context(user, sort=sort, direction=direction, today=today)
        context.update(views.bureau_fragments(context))
        html = str(render_to_string("dashboards/_bureau.html", context))
        if key:
            cache.set(key, html, KEEP_SECONDS)
    return mark_safe(html)  # noqa: S308 — our own template's output, escaped when it was rendered


def live_changed(sender, instance, **kwargs) -> None:
    versions.changed(getattr(instance, "organisation_id", None), LIVE[sender.__name__])


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
