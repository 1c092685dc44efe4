"""The bureau's figures: per school from the roll-ups and live hazards, ranked, with a fixed number of
queries whatever the number of schools; monthly trend; the organisation tree's risk."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import Actor
from core.testing.personas import make_org
from dashboards import figures, rollups
from dashboards.models import SchoolDay
from hazards.actions import report
from hazards.models import Hazard
from orgs.choices import OrgKind

D = datetime.date
TODAY = D(2026, 11, 20)
pytestmark = pytest.mark.django_db


def day(org, on, **values):
    return SchoolDay(organisation=org, day=on, **values)


def test_rows_sum_the_period_count_open_hazards_live_and_rank_by_risk(cast):
    rollups.store([day(cast.school1, D(2026, 11, 10), required=10, done=6, missed=4, hazards_closed=2,
                       close_seconds=3 * 86400),
                   day(cast.school1, D(2026, 11, 19), required=10, done=10, coverage_findings=3),
                   day(cast.school2, D(2026, 11, 19), required=10, done=10, coverage_findings=0),
                   day(cast.school2, D(2026, 9, 1), required=99, done=0)])  # outside the 30 days
    report(Actor(), Hazard(organisation=cast.school1, description="消防通道堵塞", grade="major",
                           deadline=D(2026, 11, 1)))
    rows = figures.school_rows([cast.school1, cast.school2], today=TODAY)
    first, second = rows
    assert first.school == cast.school1 and first.rank == 1 and first.risk == "high"
    assert (first.required, first.done, first.completion, first.avg_close_days) == (20, 16, 80.0, 1.5)
    assert (first.open, first.overdue, first.major_open, first.coverage_findings) == (1, 1, 1, 3)
    assert (second.required, second.completion, second.open, second.risk) == (10, 100.0, 0, "low")


def test_the_figures_take_the_same_queries_for_two_schools_or_ten(cast):
    bureau = cast.bureau
    schools = [make_org(f"f-{i}", f"学校{i}", OrgKind.SCHOOL, bureau) for i in range(10)]
    for school in schools:
        rollups.store([day(school, TODAY - datetime.timedelta(days=n), required=5, done=4) for n in range(1, 31)])

    def count(n):
        figures.school_rows(schools[:n], today=TODAY)  # the first read computes the rows it lacks
        figures.trend(schools[:n], today=TODAY)
        with CaptureQueriesContext(connection) as queries:
            figures.school_rows(schools[:n], today=TODAY)
            figures.trend(schools[:n], today=TODAY)
        return len(queries)

    assert count(2) == count(10)


def test_the_trend_has_twelve_months_and_the_tree_carries_the_worst_risk_up(cast):
    rollups.store([day(cast.school1, D(2026, 11, 3), required=4, done=2, hazards_found=3),
                   day(cast.school1, D(2026, 1, 5), required=2, done=2)])
    months = figures.trend([cast.school1], today=TODAY)
    assert len(months) == 12 and months[0].month == D(2025, 12, 1) and months[-1].month == D(2026, 11, 1)
    assert (months[-1].required, months[-1].completion, months[-1].found) == (4, 50.0, 3)
    assert months[1].completion == 100.0
    rows = figures.school_rows([cast.school1, cast.school2], today=TODAY)
    from orgs.models import Organisation

    roots = figures.tree_risk(Organisation.objects.filter(path__startswith=cast.bureau.path), rows)
    assert roots[0].organisation == cast.bureau and roots[0].risk == "high"
