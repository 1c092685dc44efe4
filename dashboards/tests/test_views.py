"""The home pages and dashboards: the school's figures link to the lists behind them, the bureau's table ranks
and sorts its schools, the drill-down is read-only and tenant-bound, and no page's query count grows with
the number of schools, hazards or days."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.actions import update_object
from core.audit import Actor
from core.testing.personas import make_org, make_user
from dashboards import rollups, views
from dashboards.models import SchoolDay
from hazards.actions import report
from hazards.models import Hazard
from orgs.choices import OrgKind
from orgs.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0)), tick=False):
        yield


def hazard(org, description="消防通道堵塞", **fields) -> Hazard:
    return report(Actor(), Hazard(organisation=org, description=description, **fields))


def days(org, n: int = 365, **values) -> None:
    """Roll-up rows for the n days before today (the dashboards then have nothing to recompute)."""
    rollups.store([SchoolDay(organisation=org, day=TODAY - datetime.timedelta(days=i), **values)
                   for i in range(1, n + 1)])


def warm(client, url: str) -> None:
    """Two reads: the first may refresh roll-ups and load the school's plan structure (moving their versions),
    the second keeps what it computed; query counts compare such steady states."""
    client.get(url)
    client.get(url)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def computed_queries(client, url: str) -> int:
    """The queries of a page whose kept panels and figures are gone (computed afresh from the data)."""
    cache.clear()
    return queries(client, url)


def link_of(page: str, figure: str) -> str:
    match = re.search(rf'href="([^"]+)"[^>]*data-figure="{figure}"', page)
    assert match, f"no link for {figure}"
    return match.group(1).replace("&amp;", "&")


# --- the school home ------------------------------------------------------------------------------------


def test_school_home_counts_open_hazards_by_state_and_grade(cast, client_for):
    hazard(cast.school1, grade="major")
    hazard(cast.school1, state="rectifying")
    hazard(cast.school1, state="closed")
    hazard(cast.school2, grade="major")  # the sibling school's
    figures = views.hazard_figures(cast.school1, TODAY)
    cells = {(r["state"], c["grade"]): c["n"] for r in figures["rows"] for c in r["cells"]}
    assert cells[("reported", "major")] == 1 and cells[("rectifying", "general")] == 1
    assert (figures["open"], figures["major"]) == (2, 1)
    page = client_for(cast.alice).get("/").content.decode()
    assert 'data-table="hazards-by-state"' in page and "<svg" in page


def test_the_overdue_figure_links_to_the_register_filtered_to_exactly_those(cast, client_for):
    hazard(cast.school1, "灭火器过期", deadline=D(2026, 11, 1))
    hazard(cast.school1, "楼梯扶手松动", deadline=D(2026, 12, 1))
    client = client_for(cast.alice)
    page = client.get("/").content.decode()
    assert re.search(r'data-figure="overdue">1<', page)
    register = client.get(link_of(page, "overdue")).content.decode()
    assert "灭火器过期" in register and "楼梯扶手松动" not in register


def test_the_major_figure_links_to_the_open_major_hazards(cast, client_for):
    hazard(cast.school1, "配电箱裸露", grade="major")
    hazard(cast.school1, "门把手松动")
    client = client_for(cast.leader1)
    page = client.get("/").content.decode()
    register = client.get(link_of(page, "major")).content.decode()
    assert "配电箱裸露" in register and "门把手松动" not in register


def test_school_home_shows_todays_inspections_and_their_lists(cast, client_for):
    page = client_for(cast.alice).get("/").content.decode()
    assert "今日已完成/应检" in page
    assert link_of(page, "missed_yesterday").startswith("/inspections/missed/?")
    assert "since=2026-11-19" in link_of(page, "missed_yesterday")
    assert link_of(page, "done_due").startswith("/inspections/rates/?")


def test_school_home_counts_unsigned_letters_and_links_to_them(cast, client_for, monkeypatch):
    monkeypatch.setattr(views, "letter_figures", lambda school, today: {
        "year": "2026-2027", "total": 5, "unsigned": 2, "url": "/letters/?org=1",
        "unsigned_url": "/letters/?org=1&year=2026-2027&status=unsigned"})
    page = client_for(cast.alice).get("/").content.decode()
    assert re.search(r'data-figure="letters_unsigned"[^>]*>2<', page)
    assert "status=unsigned" in page


def test_unsigned_letters_are_those_missing_either_signature(cast):
    from core.testing.school import make_school
    from grids.letters import generate_letters

    make_school(cast.school1)
    created = generate_letters(Actor(), cast.school1, "2026-2027", on=D(2026, 11, 1))
    assert created
    figures = views.letter_figures(cast.school1, TODAY)
    assert figures["total"] == len(created) and figures["unsigned"] == len(created)
    assert "status=unsigned" in figures["unsigned_url"] and f"org={cast.school1.pk}" in figures["unsigned_url"]


def test_the_alert_level_card_says_levels_are_not_in_use(cast, client_for):
    page = client_for(cast.alice).get("/").content.decode()
    assert "三级 常规防控" in page and "尚未启用" in page


def test_school_home_shows_the_last_30_days_and_12_months_with_tables(cast, client_for):
    days(cast.school1, 40, required=10, done=8, hazards_found=1)
    page = client_for(cast.alice).get("/").content.decode()
    assert re.search(r'data-figure="completion">80.0%<', page)
    assert 'data-table="trend"' in page and page.count("<svg") >= 3
    assert "style=" not in page.split("<main>", 1)[1]  # the CSP allows no inline styles


def test_school_home_queries_do_not_grow_with_hazards_or_days(cast, client_for):
    client = client_for(cast.alice)
    days(cast.school1, 30, required=4, done=4)
    hazard(cast.school1)
    warm(client, "/")
    before, computed = queries(client, "/"), computed_queries(client, "/")
    days(cast.school1, 365, required=4, done=3, hazards_found=2, hazards_closed=1, close_seconds=86400)
    for i in range(8):
        hazard(cast.school1, f"隐患{i}", grade="major" if i % 2 else "general", deadline=D(2026, 11, 1),
               state=["reported", "rectifying", "awaiting"][i % 3])
    warm(client, "/")
    assert queries(client, "/") == before < computed
    assert computed_queries(client, "/") == computed


# --- the grid member home -------------------------------------------------------------------------------


@pytest.fixture
def member(cast):
    from core.testing.school import make_school

    school = make_school(cast.school1)
    user = make_user("wang", cast.school1, Role.GRID_MEMBER, name="王老师")
    update_object(Actor(), school.wang, user=user)
    user.refresh_from_db()
    return user, school


def test_member_home_lists_my_open_hazards_soonest_deadline_first(cast, client_for, member):
    user, school = member
    hazard(cast.school1, "窗户插销损坏", responsible=school.wang, deadline=D(2026, 11, 25))
    hazard(cast.school1, "插座烧焦", responsible=school.wang, deadline=D(2026, 11, 18), grade="major")
    hazard(cast.school1, "别人的隐患", responsible=school.li)
    page = client_for(user).get("/").content.decode()
    assert "我的工作台" in page and "待我整改 2 项" in page and "别人的隐患" not in page
    assert page.index("插座烧焦") < page.index("窗户插销损坏") and "已逾期" in page
    assert "我负责的网格" in page and "一年级1班" in page


def test_member_home_queries_do_not_grow_with_hazards(cast, client_for, member):
    user, school = member
    client = client_for(user)
    hazard(cast.school1, responsible=school.wang)
    warm(client, "/")
    before = queries(client, "/")
    for i in range(12):
        hazard(cast.school1, f"隐患{i}", responsible=school.wang, deadline=D(2026, 11, 1 + i))
    assert queries(client, "/") == before


# --- the bureau home ------------------------------------------------------------------------------------


@pytest.fixture
def district(cast):
    """Three schools of the bureau with 30 days of figures that rank them: weak, fair, good."""
    weak = make_org("d-weak", "甲校", OrgKind.SCHOOL, cast.bureau)
    fair = make_org("d-fair", "乙校", OrgKind.SCHOOL, cast.bureau)
    good = make_org("d-good", "丙校", OrgKind.SCHOOL, cast.bureau)
    days(weak, 365, required=10, done=5)
    days(fair, 365, required=10, done=8, hazards_closed=1, close_seconds=5 * 86400)
    days(good, 365, required=10, done=10, hazards_closed=1, close_seconds=86400, coverage_findings=0)
    for school in (cast.central, cast.school1, cast.school2):
        days(school, 365)
    for i in range(3):
        hazard(good, f"丙校隐患{i}")
    hazard(fair, "乙校重大", grade="major", deadline=D(2026, 11, 1))
    return weak, fair, good


def school_order(page: str) -> list[str]:
    return re.findall(r'<tr class="risk-row[^"]*" data-school="\d+">\s*<td[^>]*>\d+</td>\s*<td[^>]*><a[^>]*>([^<]+)<',
                      page)


def test_bureau_table_ranks_schools_by_risk_and_sums_them(cast, client_for, district):
    page = client_for(cast.bureau_admin).get("/").content.decode()
    assert school_order(page)[:3] == ["甲校", "乙校", "丙校"]
    assert '<span class="badge risk-high">高</span>' in page
    assert re.search(r'data-figure="open">4<', page) and re.search(r'data-figure="major">1<', page)
    assert 'data-table="trend"' in page and 'class="heat-tree root"' in page


@pytest.mark.parametrize(("query", "first"), [
    ("sort=completion&dir=desc", "丙校"),
    ("sort=completion", "甲校"),
    ("sort=open", "丙校"),
    ("sort=close", "乙校"),
    ("sort=major", "乙校"),
    ("sort=bogus", "甲校"),
])
def test_bureau_table_sorts_by_a_column(cast, client_for, district, query, first):
    page = client_for(cast.bureau_admin).get(f"/?{query}").content.decode()
    assert school_order(page)[0] == first


def test_the_current_sort_column_links_to_the_other_direction(cast, client_for, district):
    page = client_for(cast.bureau_admin).get("/?sort=open&dir=desc").content.decode()
    assert 'aria-sort="descending"><a href="?sort=open&amp;dir=asc#schools"' in page
    assert 'href="?sort=completion&amp;dir=asc#schools"' in page


def test_rows_without_a_figure_sort_last_either_way(cast, district):
    rows = views.bureau_context(cast.bureau_admin, today=TODAY, page=False)["rows"]
    for direction in ("asc", "desc"):
        ordered, _sort, _dir = views.sort_rows(rows, "close", direction)
        assert [r.avg_close_days is None for r in ordered] == sorted(r.avg_close_days is None for r in ordered)


def test_bureau_rows_link_to_the_drill_down_and_the_schools_lists(cast, client_for, district):
    weak, fair, good = district
    page = client_for(cast.bureau_admin).get("/").content.decode()
    assert f'href="/dashboards/school/{fair.pk}/"' in page
    assert f"/hazards/?organisation={fair.pk}&amp;state=open&amp;overdue=on" in page
    assert f"/coverage/?org={good.pk}" in page


def test_heat_view_colours_each_node_and_names_its_risk(cast, client_for, district):
    page = client_for(cast.bureau_admin).get("/").content.decode()
    root = re.search(rf'<li class="heat risk-(\w+)" data-org="{cast.bureau.pk}">', page)
    assert root and root.group(1) == "high"  # the worst of its schools
    assert re.search(rf'<li class="heat risk-low" data-org="{district[2].pk}"><span class="heat-label">'
                     r'<span class="badge risk-low">低</span>', page)


def test_the_bureau_table_and_tree_are_rendered_once_per_content_and_always_show_the_current_figures(
        cast, client_for, district):
    weak, fair, good = district
    client = client_for(cast.bureau_admin)

    def rendered(url="/"):
        response = client.get(url)
        names = {t.name for t in response.templates}
        return response.content.decode(), "dashboards/_bureau_schools.html" in names

    first, fresh = rendered()
    again, fresh_again = rendered()
    section = re.compile(r'<section class="card" id="schools">.*?</section>', re.S)
    assert fresh and not fresh_again and section.search(again).group() == section.search(first).group()
    hazard(good, "丙校新隐患")  # a figure changes: rendered anew, with it
    page, fresh = rendered()
    assert fresh and re.search(r'data-figure="open">5<', page)
    assert re.search(rf'data-school="{good.pk}">.*?state=open">4<', page, re.S)
    assert rendered("/?sort=open")[1]  # another order is other content
    assert not rendered()[1]


def test_bureau_home_queries_do_not_grow_with_schools_or_hazards(cast, client_for):
    client = client_for(cast.bureau_admin)
    for school in (cast.central, cast.school1, cast.school2):
        days(school, 365, required=2, done=2)
    warm(client, "/")
    before, computed = queries(client, "/"), computed_queries(client, "/")
    for i in range(6):
        school = make_org(f"q-{i}", f"新校{i}", OrgKind.SCHOOL, cast.central if i % 2 else cast.bureau)
        days(school, 365, required=3, done=i, hazards_found=1)
        hazard(school, f"新校{i}的隐患", grade="major", deadline=D(2026, 11, 1))
    warm(client, "/")
    assert queries(client, "/") == before < computed
    assert computed_queries(client, "/") == computed
    assert computed_queries(client, "/?sort=overdue&dir=asc") == computed


# --- the drill-down -------------------------------------------------------------------------------------


def test_drill_down_is_for_the_schools_of_ones_subtree(cast, client, client_for):
    url = reverse("dashboards:school", args=[cast.school1.pk])
    assert "/accounts/login/" in client.get(url)["Location"]
    assert client_for(cast.charlie).get(url).status_code == 404
    assert client_for(cast.bureau_admin).get(reverse("dashboards:school", args=[cast.division1.pk])).status_code == 404
    gm = make_user("gm1", cast.school1, Role.GRID_MEMBER)
    assert client_for(gm).get(url).status_code == 403
    assert client_for(cast.bureau_admin).get(url).status_code == 200


def test_drill_down_is_read_only_and_filters_the_lists_to_that_school(cast, client_for):
    hazard(cast.school1, "实验室危化品未上锁", grade="major")
    hazard(cast.school2, "二中的重大隐患", grade="major")
    client = client_for(cast.bureau_admin)
    page = client.get(reverse("dashboards:school", args=[cast.school1.pk])).content.decode()
    assert cast.school1.name in page and "只读" in page
    assert "上报隐患" not in page and 'class="btn' not in page.split("<main>", 1)[1]
    register = client.get(link_of(page, "major")).content.decode()
    assert "实验室危化品未上锁" in register and "二中的重大隐患" not in register


def test_drill_down_queries_do_not_grow_with_hazards_or_days(cast, client_for):
    client = client_for(cast.bureau_admin)
    url = reverse("dashboards:school", args=[cast.school2.pk])
    days(cast.school2, 20)
    warm(client, url)
    before, computed = queries(client, url), computed_queries(client, url)
    days(cast.school2, 365, required=5, done=5, hazards_found=1)
    for i in range(10):
        hazard(cast.school2, f"隐患{i}", grade="major", state="awaiting")
    warm(client, url)
    assert queries(client, url) == before < computed
    assert computed_queries(client, url) == computed
