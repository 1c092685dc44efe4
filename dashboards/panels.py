"""The dashboards' big panels — a school's, a bureau's — rendered once per state of what they show and kept in
Django's cache.

A school's panel (today's inspections; open hazards, letters, coverage, the 30 days and 12 months) depends on
the school's data and on the day, nothing else. It is kept in two parts — today's inspections, which every
submission changes, and the other figures — each under the day, the language, the two flags the templates
read, and the data versions of what it counts (`core.versions.snapshot`):

- PLAN (the school and above: a bureau's shared checklists and calendar reach it): what is due (today's part);
- COVERAGE (the school and above): the coverage findings;
- ROLLUP (the school itself: its own counter moves with each of its roll-up rows; those above it move for
  every school below them): the 30 days and the 12 months;
- INSPECTIONS (the school's subtree; today's part): inspections and QR check-ins;
- HAZARDS, LETTERS (the school's subtree): hazards and public reports, responsibility letters.

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
import functools
import hashlib
from pathlib import Path

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from core import versions

KEEP_SECONDS = 24 * 3600
# What each part reads: the key holds the versions of these topics (up: the school and above; down: its subtree).
TODAY_TOPICS = ((versions.PLAN,), (versions.INSPECTIONS,))
FIGURES_TOPICS = ((versions.COVERAGE,), (versions.HAZARDS, versions.LETTERS, versions.ROLLUP))
BUREAU_DOWN = (versions.HAZARDS, versions.ROLLUP, versions.COVERAGE)
_live_topics: dict[type, str] = {}  # model → its live topic (filled by `connect`)


@functools.cache
def code_digest() -> str:
    """A digest of the project's own Python and template sources, read once per process: kept panels (HTML and
    the objects behind them) are keyed by it too, so a deploy that changes how they are computed or drawn
    never serves what the old code made. Every app server runs the same code, so they share the keys."""
    from django.apps import apps
    from django.conf import settings

    base = Path(settings.BASE_DIR).resolve()
    roots = {Path(config.path).resolve() for config in apps.get_app_configs()} | {base / "templates"}
    digest = hashlib.sha256()
    for root in sorted(r for r in roots if r.is_relative_to(base) and ".venv" not in r.parts):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".html") and "tests" not in path.parts:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _key(kind: str, facts: tuple, state: tuple, topics: tuple[tuple, tuple]) -> str:
    up, down = topics
    own = tuple(v for v in state if v[1] in up + down)
    return f"dashboards:{kind}:{code_digest()}:" + hashlib.sha256(repr((facts, own)).encode()).hexdigest()


def school_panel(school, today: datetime.date, *, read_only: bool = False, can_review_public: bool = False,
                 plan=None) -> dict:
    """{"school_html": the rendered panel, "risk": the school's risk key}. Its two parts are kept apart: today's
    inspections (which every submission changes) and the other figures (which submissions that find nothing
    leave alone); one query reads the versions of both. `plan`: a callable giving the school's day plan
    (`inspections.summary.day_plan`), shared with the person's own panel on the same page."""
    from . import views

    up = TODAY_TOPICS[0] + FIGURES_TOPICS[0]
    down = TODAY_TOPICS[1] + FIGURES_TOPICS[1]
    state = versions.snapshot(school.path, up, down)
    facts = (school.pk, school.path, str(today), translation.get_language(), read_only, can_review_public)
    keys = {"today": _key("school-today", facts, state, TODAY_TOPICS),
            "figures": _key("school-figures", facts, state, FIGURES_TOPICS)}
    found = cache.get_many(list(keys.values()))
    today_html, figures = found.get(keys["today"]), found.get(keys["figures"])
    flags = {"read_only": read_only, "can_review_public": can_review_public}
    if figures is None:
        context = {**views.figures_context(school, today), **flags}
        figures = {"cards": str(render_to_string("dashboards/_school_cards.html", context)),
                   "rest": str(render_to_string("dashboards/_school_figures.html", context)),
                   "risk": context["period_row"].risk}
        cache.set(keys["figures"], figures, KEEP_SECONDS)
    if today_html is None:
        context = {**views.today_context(school, today, plan() if plan is not None else None), **flags}
        today_html = str(render_to_string("dashboards/_school_today.html", context))
        cache.set(keys["today"], today_html, KEEP_SECONDS)
    html = figures["cards"] + today_html + figures["rest"]
    return {"school_html": mark_safe(html), "risk": figures["risk"]}  # noqa: S308 — our own templates' output


# A person's own panel, in two parts: their tasks today with yesterday's misses and flagged scans in the grids they
# lead (the plan's topics of their school and above — grids, people, posts — and its inspections), and the grids
# they answer for (the plan's topics only: the morning's submissions leave it kept).
MEMBER_TOPICS = ((versions.PLAN, versions.COVERAGE), (versions.INSPECTIONS,))
MEMBER_GRIDS_TOPICS = ((versions.PLAN, versions.COVERAGE), ())


def member_panel(user, person, today: datetime.date, *, plan=None) -> dict:
    """{"my_tasks_html", "my_grids_html", "has_assignments"}: a person's own panel, kept per state of their
    school's plan (and, for the tasks, its inspections), the day, the language and the user's scope. `plan`: a
    callable giving their school's day plan, when the page has one."""
    from core.tenancy import visible_paths
    from inspections.summary import member_day

    from . import views

    state = versions.snapshot(person.organisation.path, *MEMBER_TOPICS)
    facts = (user.pk, person.pk, person.organisation_id, str(today), translation.get_language(),
             sorted(visible_paths(user)))
    keys = {"tasks": _key("member-tasks", facts, state, MEMBER_TOPICS),
            "grids": _key("member-grids", facts, state, MEMBER_GRIDS_TOPICS)}
    found = cache.get_many(list(keys.values()))
    tasks_html, grids = found.get(keys["tasks"]), found.get(keys["grids"])
    if grids is None:
        assignments = views.my_assignments(user)
        grids = {"html": str(render_to_string("dashboards/_my_grids.html", {"my_assignments": assignments})),
                 "has_assignments": bool(assignments)}
        cache.set(keys["grids"], grids, KEEP_SECONDS)
    if tasks_html is None:
        my_day = member_day(person, today, plan() if plan is not None else None)
        tasks_html = str(render_to_string("dashboards/_my_tasks.html", {"my_day": my_day, "today": today}))
        cache.set(keys["tasks"], tasks_html, KEEP_SECONDS)
    return {"my_tasks_html": mark_safe(tasks_html),  # noqa: S308 — our own templates' output
            "my_grids_html": mark_safe(grids["html"]), "has_assignments": grids["has_assignments"]}  # noqa: S308


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
        key = f"dashboards:bureau-section:{code_digest()}:" + hashlib.sha256(repr(facts).encode()).hexdigest()
    html = cache.get(key) if key else None
    if html is None:
        context = views.bureau_context(user, sort=sort, direction=direction, today=today)
        context.update(views.bureau_fragments(context))
        html = str(render_to_string("dashboards/_bureau.html", context))
        if key:
            cache.set(key, html, KEEP_SECONDS)
    return mark_safe(html)  # noqa: S308 — our own template's output, escaped when it was rendered


def live_changed(sender, instance, **kwargs) -> None:
    versions.changed(getattr(instance, "organisation_id", None), _live_topics[sender])


def connect() -> None:
    """Every save and delete of what the panel counts live moves its organisation's LIVE version (updates
    that bypass signals move it themselves: hazards.workflow, hazards.public, grids.letters)."""
    from django.db.models.signals import post_delete, post_save

    from grids.models import ResponsibilityLetter
    from hazards.models import Hazard, PublicReport
    from inspections.models import CheckIn, Inspection

    _live_topics.update({Inspection: versions.INSPECTIONS, CheckIn: versions.INSPECTIONS, Hazard: versions.HAZARDS,
                         PublicReport: versions.HAZARDS, ResponsibilityLetter: versions.LETTERS})
    for model in _live_topics:
        post_save.connect(live_changed, sender=model, dispatch_uid=f"live-{model.__name__}")
        post_delete.connect(live_changed, sender=model, dispatch_uid=f"live-{model.__name__}-delete")
