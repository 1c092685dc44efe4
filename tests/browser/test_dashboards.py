"""The school and bureau dashboards in real Chromium, on a 360 px phone and a desktop: they fit the screen,
draw their SVG charts with no Content-Security-Policy complaint, and their figures lead to the lists and
the school behind them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from test_shell import log_in, page_width

from core.audit import Actor
from core.testing.personas import make_org, make_user
from core.testing.school import make_school
from dashboards import rollups
from dashboards.models import SchoolDay
from hazards.actions import report
from hazards.models import Hazard
from orgs.choices import OrgKind
from orgs.roles import Role

pytestmark = [pytest.mark.browser]


def days(org, **values):
    today = timezone.localdate()
    rollups.store([SchoolDay(organisation=org, day=today - datetime.timedelta(days=i), **values)
                   for i in range(1, 366)])


def hazard(org, description, **fields):
    return report(Actor(), Hazard(organisation=org, description=description, **fields))


@pytest.fixture
def district(transactional_db):
    """A bureau with a central school and four schools of different risk; a safety officer at the first."""
    today = timezone.localdate()
    bureau = make_org("v-bureau", "测试区教育局", OrgKind.BUREAU)
    central = make_org("v-central", "城关镇中心学校", OrgKind.CENTRAL_SCHOOL, bureau)
    first = make_org("v-school-1", "测试实验小学", OrgKind.SCHOOL, central)
    schools = [first, make_org("v-school-2", "城关第二小学", OrgKind.SCHOOL, central),
               make_org("v-school-3", "测试第一中学", OrgKind.SCHOOL, bureau),
               make_org("v-kg", "机关幼儿园", OrgKind.KINDERGARTEN, bureau)]
    make_school(first)
    days(central)
    for i, school in enumerate(schools):
        days(school, required=10, done=6 + i, hazards_found=i % 2, hazards_closed=i % 2, close_seconds=i * 86400,
             coverage_findings=i % 2)
    hazard(first, "消防通道堆放杂物", grade="major", deadline=today - datetime.timedelta(days=3))
    hazard(first, "教室插座松动", deadline=today + datetime.timedelta(days=5))
    hazard(schools[1], "围墙裂缝", state="rectifying", deadline=today - datetime.timedelta(days=1))
    make_user("alice", first, Role.SAFETY_OFFICE, name="艾丽")
    make_user("chief", bureau, Role.BUREAU_ADMIN, name="王局")
    return schools


def _watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    return violations


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1280, 800)])
def test_school_dashboard_fits_and_its_overdue_figure_opens_the_register(district, live_server, open_page, screenshot,
                                                                          width, height):
    page = open_page(width, height)
    violations = _watch_csp(page)
    log_in(page, live_server, "alice")

    expect(page.locator("h1")).to_have_text("测试实验小学")
    expect(page.locator("[data-figure=alert_level]")).to_contain_text("常规防控")
    expect(page.locator("table[data-table=hazards-by-state]")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    assert page.locator("svg.chart").count() == 3
    assert page_width(page) <= width
    screenshot(page, f"dashboard-school-{width}")
    assert not violations

    page.locator("a[data-figure=overdue]").click()
    expect(page.locator("h1")).to_contain_text("隐患台账")
    expect(page.get_by_text("消防通道堆放杂物").first).to_be_visible()
    expect(page.get_by_text("教室插座松动")).to_have_count(0)


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1280, 800)])
def test_bureau_dashboard_ranks_sorts_and_drills_down(district, live_server, open_page, screenshot, width, height):
    page = open_page(width, height)
    violations = _watch_csp(page)
    log_in(page, live_server, "chief")

    table = page.locator("table[data-table=schools]")
    expect(table).to_be_visible()
    first_school = table.locator("tbody tr").first.locator("td").nth(1)
    expect(first_school).to_have_text("测试实验小学")  # an overdue major hazard: 高
    expect(page.locator("#heat li.heat.risk-high").first).to_be_visible()
    assert page.locator("#trend svg.chart").count() == 2
    assert page_width(page) <= width
    screenshot(page, f"dashboard-bureau-{width}")

    # Sort by completion, best first: on a desktop through the column header, on a phone the links above.
    if width > 640:
        table.locator("th a", has_text="排查完成率").click()
        table.locator("th a", has_text="排查完成率").click()
    else:
        page.locator(".sort-links a", has_text="排查完成率").click()
        page.locator(".sort-links a", has_text="排查完成率").click()
    expect(first_school).to_have_text("机关幼儿园")  # 9 of 10 checks done
    assert "dir=desc" in page.url
    assert page_width(page) <= width

    table.locator("tbody tr td a", has_text="城关第二小学").click()
    expect(page.locator("h1")).to_contain_text("城关第二小学")
    expect(page.locator("[data-read-only]")).to_be_visible()
    expect(page.locator("main .btn")).to_have_count(0)
    assert page_width(page) <= width
    screenshot(page, f"dashboard-drilldown-{width}")
    assert not violations
