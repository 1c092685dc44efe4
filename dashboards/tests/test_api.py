"""API of the dashboards: the school's figures and the bureau's table, tenant-bound, with fixed query counts."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.audit import Actor
from core.testing.personas import make_org, make_user
from dashboards import rollups
from dashboards.models import SchoolDay
from hazards.actions import report
from hazards.models import Hazard
from orgs.choices import OrgKind
from orgs.roles import Role

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 20)
API = "/api/v1"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0)), tick=False):
        yield


def days(org, n=365, **values):
    rollups.store([SchoolDay(organisation=org, day=TODAY - datetime.timedelta(days=i), **values)
                   for i in range(1, n + 1)])


def hazard(org, **fields):
    return report(Actor(), Hazard(organisation=org, description="隐患", **fields))


def warm(client, url: str) -> None:
    """Two reads: the first may refresh roll-ups and load the school's plan structure (moving their versions),
    the second keeps what it computed; query counts compare such steady states."""
    client.get(url)
    client.get(url)


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_school_dashboard_has_the_figures_of_the_page(cast, client_for):
    days(cast.school1, 40, required=10, done=9)
    hazard(cast.school1, grade="major", deadline=D(2026, 11, 1))
    hazard(cast.school1, state="rectifying")
    body = client_for(cast.alice).get(f"{API}/dashboard/school/{cast.school1.pk}").json()
    assert body["organisation_id"] == cast.school1.pk and body["today"] == "2026-11-20"
    assert (body["hazards"]["open"], body["hazards"]["major"], body["hazards"]["overdue"]) == (2, 1, 1)
    cells = {(c["state"], c["grade"]): c["count"] for c in body["hazards"]["by_state_and_grade"]}
    assert cells[("reported", "major")] == 1 and cells[("rectifying", "general")] == 1 and len(cells) == 6
    assert body["period"]["completion"] == 90.0 and body["period"]["required"] == 300
    assert len(body["trend"]) == 12 and body["trend"][-1]["month"] == "2026-11-01"
    assert body["alert_level"] == {"level": 3, "label": "三级 常规防控", "enabled": False,
                                   "note": body["alert_level"]["note"]}
    assert set(body["letters"]) == {"academic_year", "total", "unsigned", "url"}
    assert set(body["inspections_today"]) >= {"due", "done", "missed_yesterday"}


def test_school_dashboard_of_another_tenant_is_404_and_without_the_capability_403(cast, client_for):
    assert client_for(cast.charlie).get(f"{API}/dashboard/school/{cast.school1.pk}").status_code == 404
    gm = make_user("gm1", cast.school1, Role.GRID_MEMBER)
    assert client_for(gm).get(f"{API}/dashboard/school/{cast.school1.pk}").status_code == 403
    assert client_for(cast.bureau_admin).get(f"{API}/dashboard/school/{cast.division1.pk}").status_code == 404


def test_bureau_dashboard_ranks_and_sorts_the_schools(cast, client_for):
    weak = make_org("a-weak", "甲校", OrgKind.SCHOOL, cast.bureau)
    good = make_org("a-good", "丙校", OrgKind.SCHOOL, cast.bureau)
    days(weak, required=10, done=5)
    days(good, required=10, done=10)
    for school in (cast.central, cast.school1, cast.school2):
        days(school)
    hazard(good)
    client = client_for(cast.bureau_admin)
    body = client.get(f"{API}/dashboard/bureau").json()
    assert body["schools"][0]["name"] == "甲校" and body["schools"][0]["risk"] == "high"
    assert body["schools"][0]["rank"] == 1 and body["total"]["open"] == 1 and len(body["trend"]) == 12
    assert body["schools"][0]["url"] == f"/dashboards/school/{weak.pk}/"
    body = client.get(f"{API}/dashboard/bureau?sort=completion&dir=desc").json()
    assert body["schools"][0]["name"] == "丙校" and (body["sort"], body["dir"]) == ("completion", "desc")
    assert client.get(f"{API}/dashboard/bureau?sort=bogus").status_code == 422


def test_bureau_dashboard_shows_a_school_only_its_own(cast, client_for):
    body = client_for(cast.charlie).get(f"{API}/dashboard/bureau").json()
    assert [s["organisation_id"] for s in body["schools"]] == [cast.school2.pk]
    gm = make_user("gm1", cast.school1, Role.GRID_MEMBER)
    assert client_for(gm).get(f"{API}/dashboard/bureau").status_code == 403


def test_the_endpoints_queries_do_not_grow_with_schools_hazards_or_days(cast, client_for):
    client = client_for(cast.bureau_admin)
    for school in (cast.central, cast.school1, cast.school2):
        days(school, 30)
    bureau, school = f"{API}/dashboard/bureau", f"{API}/dashboard/school/{cast.school1.pk}"
    warm(client, bureau), warm(client, school)
    before = queries(client, bureau), queries(client, school)
    days(cast.school1, 365, required=3, done=2, hazards_found=1)
    for i in range(5):
        new = make_org(f"n-{i}", f"新校{i}", OrgKind.SCHOOL, cast.bureau)
        days(new, required=2, done=1)
        hazard(new, grade="major")
        hazard(cast.school1, state="awaiting")
    warm(client, bureau), warm(client, school)  # what changed is read afresh, then kept
    assert (queries(client, bureau), queries(client, school)) == before
