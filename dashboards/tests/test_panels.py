"""The school panel kept under data versions: read with one query, and exactly the figures a fresh computation
gives after every kind of change (those through signals and those through plain updates)."""

import datetime
import re
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from core.audit import Actor
from core.testing.factories import _inspections, _letter, _public_report, _school
from dashboards import panels, views

# The dashboards' tests' day (10:00 on a Friday) and their hazard helper; `_today` is an autouse fixture.
from dashboards.tests.test_views import TODAY, _today, hazard  # noqa: F401
from hazards.models import Hazard
from inspections.models import CheckIn

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def computed(monkeypatch):
    """Which of the panel's parts were computed (not read from the cache): ("today" | "figures", school id)."""
    calls = []
    for part, name in (("today", "today_context"), ("figures", "figures_context")):
        real = getattr(views, name)

        def counting(school, *args, _real=real, _part=part, **kwargs):
            calls.append((_part, school.pk))
            return _real(school, *args, **kwargs)

        monkeypatch.setattr(views, name, counting)
    return calls


def panel(school, day=TODAY, **flags) -> str:
    return str(panels.school_panel(school, day, **flags)["school_html"])


def fresh(school, day=TODAY, **flags) -> str:
    cache.clear()
    return panel(school, day, **flags)


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"[^>]*>([^<]+)<', html)
    assert match, name
    return match.group(1)


def test_a_kept_panel_is_read_with_one_query_and_not_computed_again(cast, computed):
    panel(cast.school1)  # the first computation fills in the missing roll-ups: their version moves once
    first = panel(cast.school1)
    with CaptureQueriesContext(connection) as ctx:
        again = panel(cast.school1)
    assert again == first and len(ctx.captured_queries) == 1
    assert computed == [("figures", cast.school1.pk), ("today", cast.school1.pk), ("figures", cast.school1.pk)]


def _left_overnight(cast):
    from hazards.workflow import flag_left_overnight

    found = hazard(cast.school1, "昨天发现的隐患")
    Hazard.objects.filter(pk=found.pk).update(found_at=timezone.now() - datetime.timedelta(days=1))
    cache.clear()  # the set-up's own update moved nothing: start from its true state
    return lambda: flag_left_overnight(TODAY), "left_overnight"


def _public(cast):
    from hazards.public import dismiss

    pending = _public_report(cast)
    return lambda: dismiss(Actor(user=cast.alice), pending, "重复上报"), None


def _letters(cast):
    from grids.letters import sign

    letter = _letter(cast)

    def both_sign():
        sign(Actor(user=cast.alice), letter, "issuer", letter.issuer.name)
        sign(Actor(user=cast.alice), letter, "signer", letter.signer.name)
    return both_sign, "letters_unsigned"


def _inspection(cast):
    from core.testing.inspections import ALL_PASS, do_inspection

    made = _inspections(cast)
    school = _school(cast)
    return lambda: do_inspection(made["schedule"], grid=school.class_grid, place=school.room101, on=TODAY,
                                 answers={**ALL_PASS, "f4": "无"}), "failed_today"


def _check_in(cast):
    place = _school(cast).room101
    return lambda: CheckIn.objects.create(organisation=cast.school1, client_id=uuid.uuid4(), place=place,
                                          flagged=True, flag_reason="不在规定巡查时段"), "flagged"


def _hazard(cast):
    return lambda: hazard(cast.school1, grade="major"), "major"


def _plan(cast):
    from core.testing.inspections import make_checklist, make_schedule

    school = _school(cast)
    checklist = make_checklist(cast.school1, name="午间巡查")
    return lambda: make_schedule(cast.school1, checklist, grids=[school.class_grid], name="午间巡查"), "done_due"


@pytest.mark.parametrize("change", [_hazard, _left_overnight, _public, _letters, _inspection, _check_in, _plan],
                         ids=["hazard", "left-overnight", "public-report", "letters", "inspection", "check-in",
                              "plan"])
def test_every_change_shows_at_once(cast, change):
    act, name = change(cast)
    panel(cast.school1, can_review_public=True)  # the first computation fills in the roll-ups (moving them)
    before = panel(cast.school1, can_review_public=True)
    act()
    after = panel(cast.school1, can_review_public=True)
    assert after == fresh(cast.school1, can_review_public=True)
    assert after != before
    if name:
        assert figure(after, name) != figure(before, name)


def test_a_submission_that_finds_nothing_computes_today_again_and_keeps_the_other_figures(cast, computed):
    from core.testing.inspections import ALL_PASS, do_inspection

    made, school = _inspections(cast), _school(cast)
    panel(cast.school1)
    before = panel(cast.school1)
    computed.clear()
    do_inspection(made["schedule"], grid=school.class_grid, on=TODAY, answers=ALL_PASS)
    after = panel(cast.school1)
    assert computed == [("today", cast.school1.pk)] and after == fresh(cast.school1)
    assert figure(after, "done_due") != figure(before, "done_due")


def test_a_sibling_schools_change_keeps_the_panel(cast, computed):
    panel(cast.school1)
    panel(cast.school1)
    computed.clear()
    hazard(cast.school2, "二中的隐患")
    panel(cast.school1)
    assert computed == []


def test_a_new_day_a_language_or_the_flags_are_other_panels(cast, computed):
    panel(cast.school1)
    panel(cast.school1)
    computed.clear()
    with translation.override("en"):
        english = panel(cast.school1)
    panel(cast.school1, read_only=True)
    panel(cast.school1)  # still kept
    panel(cast.school1, TODAY + datetime.timedelta(days=1))
    assert len(computed) == 6 and "Today" in english


def test_computing_the_panel_takes_as_many_queries_with_more_rows(cast):
    from dashboards.tests.test_views import days

    days(cast.school1, 30, required=4, done=4)
    hazard(cast.school1)
    fresh(cast.school1)

    def counted():
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            panel(cast.school1)
        return len(ctx.captured_queries)

    before = counted()
    days(cast.school1, 365, required=4, done=3, hazards_found=2)
    for i in range(8):
        hazard(cast.school1, f"隐患{i}", grade="major" if i % 2 else "general", deadline=D(2026, 11, 1))
    fresh(cast.school1)
    assert counted() == before


def test_the_bureau_section_is_kept_through_submissions_and_computed_again_when_its_figures_change(
        cast, monkeypatch):
    from core.testing.personas import make_org
    from orgs.choices import OrgKind

    calls = []
    real = views.bureau_context
    monkeypatch.setattr(views, "bureau_context", lambda *a, **k: calls.append(1) or real(*a, **k))

    def section(**order):
        return str(panels.bureau_section(cast.bureau_admin, cast.bureau, TODAY, sort=order.get("sort"),
                                         direction=order.get("direction")))

    from core.testing.inspections import ALL_PASS, do_inspection

    made, school = _inspections(cast), _school(cast)
    section()
    first = section()  # the first computation filled in the roll-ups
    calls.clear()
    do_inspection(made["schedule"], grid=school.class_grid, on=TODAY, answers=ALL_PASS)  # not on this page
    assert section() == first and calls == []
    hazard(cast.school2, "二中的重大隐患", grade="major")
    changed = section()
    assert calls == [1] and changed != first and changed == (cache.clear() or section())
    make_org("new-school", "新建学校", OrgKind.SCHOOL, cast.bureau)
    assert "新建学校" in section()
    calls.clear()
    section(sort="open")
    assert calls == [1]


@pytest.fixture
def wang(cast):
    """王老师 of the walk's school (class head teacher, floor grid head), with a grid member's login."""
    from core.actions import update_object
    from core.testing.personas import make_user
    from orgs.roles import Role

    made, school = _inspections(cast), _school(cast)
    user = make_user("wang", cast.school1, Role.GRID_MEMBER, name="王老师")
    update_object(Actor(), school.wang, user=user)
    user.refresh_from_db()
    return user, school, made


def member(user, day=TODAY) -> dict:
    person = user.person
    return panels.member_panel(user, person, day)


def test_a_persons_panel_is_kept_and_follows_their_tasks_and_their_grids(cast, wang):
    from core.testing.inspections import ALL_PASS, do_inspection
    from grids import actions as grid_actions

    user, school, made = wang
    member(user)
    first = member(user)
    with CaptureQueriesContext(connection) as ctx:
        assert member(user) == first
    assert len(ctx.captured_queries) == 1 and "开始" in first["my_tasks_html"]
    do_inspection(made["schedule"], grid=school.class_grid, on=TODAY, answers=ALL_PASS)  # their task is done
    done = member(user)
    assert done["my_tasks_html"] != first["my_tasks_html"] and "已完成" in done["my_tasks_html"]
    cache.clear()
    assert member(user) == done  # what a fresh computation gives
    grid_actions.assign(Actor(), school.class_grid, role="safety_officer", person=school.wang, start=TODAY)
    assigned = member(user)
    assert assigned["my_grids_html"] != done["my_grids_html"]
    cache.clear()
    assert member(user) == assigned


def test_a_submission_computes_the_persons_tasks_again_and_keeps_their_grids(cast, wang, monkeypatch):
    from core.testing.inspections import ALL_PASS, do_inspection

    user, school, made = wang
    calls = []
    real = views.my_assignments
    monkeypatch.setattr(views, "my_assignments", lambda u: calls.append(u.pk) or real(u))
    first = member(user)
    assert calls == [user.pk]
    do_inspection(made["schedule"], grid=school.class_grid, on=TODAY, answers=ALL_PASS)
    after = member(user)
    assert calls == [user.pk]  # the grids they answer for: kept through the submission
    assert after["my_grids_html"] == first["my_grids_html"] and after["my_tasks_html"] != first["my_tasks_html"]


def test_the_safety_offices_home_builds_one_plan_for_its_school_and_its_own_tasks(cast, wang, client_for, monkeypatch):
    """The school's today and the officer's own tasks, both computed again after a submission, share the plan."""
    from core.actions import update_object
    from core.testing.personas import make_user
    from inspections import due
    from orgs.roles import Role

    user, school, made = wang
    officer = make_user("officer", cast.school1, Role.SAFETY_OFFICE, name="安全办")
    update_object(Actor(), school.zhao, user=officer)
    client = client_for(officer)
    plans = []
    real = due.Plan.__init__

    def counting(self, organisation, *args, **kwargs):
        if args[:2] == (TODAY - datetime.timedelta(days=1), TODAY):  # (a roll-up's refresh plans past days)
            plans.append(kwargs.get("only_grids"))
        real(self, organisation, *args, **kwargs)

    monkeypatch.setattr(due.Plan, "__init__", counting)
    assert client.get("/").status_code == 200
    assert plans == [None]  # one whole-school plan for both panels
    plans.clear()
    assert client.get("/").status_code == 200
    assert plans == []  # both kept


def test_a_deploy_with_other_code_never_serves_what_the_old_code_kept(cast, computed, monkeypatch):
    assert panels.code_digest() == panels.code_digest() and len(panels.code_digest()) == 16
    panel(cast.school1)
    panel(cast.school1)
    computed.clear()
    monkeypatch.setattr(panels, "code_digest", lambda: "0123456789abcdef")
    panel(cast.school1)
    assert computed == [("figures", cast.school1.pk), ("today", cast.school1.pk)]
