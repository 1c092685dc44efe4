"""The register's pages: access, tenancy, filters, a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse

from core.audit import Actor
from core.testing.school import make_school
from core.testing.views import ViewCase, check_view
from hazards import workflow
from hazards.actions import report
from hazards.models import Hazard

pytestmark = pytest.mark.django_db


@pytest.fixture
def hazards(cast):
    school = make_school(cast.school1)
    made = [report(Actor(user=cast.alice), Hazard(organisation=cast.school1, place=place, description=text,
                                                  grade=grade, topic=topic))
            for place, text, grade, topic in [(school.room101, "灭火器压力不足", "general", "fire"),
                                              (school.playground, "围墙开裂", "major", "buildings")]]
    school.hazards = made
    return school


@pytest.mark.parametrize("case", [
    ViewCase("hazards:hazard_list"),
    ViewCase("hazards:hazard_export"),
    ViewCase("hazards:hazard_detail", args=lambda cast: [Hazard.objects.filter(organisation=cast.school1).first().pk]),
], ids=lambda c: c.name)
def test_view_access_rules(client, cast, hazards, case):
    check_view(client, cast, case)


def test_the_register_filters_by_grade_state_and_grid(client_for, cast, hazards):
    client = client_for(cast.alice)
    page = client.get(reverse("hazards:hazard_list")).content.decode()
    assert "灭火器压力不足" in page and "围墙开裂" in page
    major = client.get(reverse("hazards:hazard_list"), {"grade": "major"}).content.decode()
    assert "围墙开裂" in major and "灭火器压力不足" not in major
    workflow.assign(Actor(user=cast.alice), hazards.hazards[0], 1, responsible=hazards.wang,
                    deadline=datetime.date(2026, 12, 1))
    rectifying = client.get(reverse("hazards:hazard_list"), {"state": "rectifying"}).content.decode()
    assert "灭火器压力不足" in rectifying and "围墙开裂" not in rectifying
    by_grid = client.get(reverse("hazards:hazard_list"), {"grid": hazards.playground_grid.pk}).content.decode()
    assert "围墙开裂" in by_grid and "灭火器压力不足" not in by_grid
    detail = client.get(reverse("hazards:hazard_detail", args=[hazards.hazards[0].pk])).content.decode()
    assert "交办整改" in detail and "一年级1班" in detail


def test_the_register_takes_the_same_queries_for_few_or_many_hazards(client_for, cast, hazards):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.alice)
    client.get(reverse("hazards:hazard_list"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("hazards:hazard_list")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(6):
        report(Actor(), Hazard(organisation=cast.school1, place=hazards.room102, description=f"隐患{n}"))
    assert count() == few
    # The bureau over its schools, with every filter set: the same number of queries for more rows.
    bureau = client_for(cast.bureau_admin)
    every = {"organisation": cast.school1.pk, "since": "2026-01-01", "until": "2030-12-31", "state": "reported",
             "grade": "general", "topic": "other", "source": "patrol", "level": "grid", "risk_colour": "",
             "grid": hazards.class_grid.pk, "place": hazards.room102.pk}

    def bureau_count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page = bureau.get(reverse("hazards:hazard_list"), every).content.decode()
        assert "隐患5" in page
        return len(ctx.captured_queries)

    before = bureau_count()
    report(Actor(), Hazard(organisation=cast.school1, place=hazards.room102, description="隐患6"))
    assert bureau_count() == before


def test_the_register_filters_by_period_school_place_and_flags_and_exports_what_it_shows(client_for, cast, hazards):
    import datetime as dt

    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from core.models import AuditEvent

    old = hazards.hazards[0]
    Hazard.objects.filter(pk=old.pk).update(found_at=timezone.make_aware(dt.datetime(2026, 3, 1, 23, 30)),
                                            left_overnight=True)
    bureau = client_for(cast.bureau_admin)
    march = bureau.get(reverse("hazards:hazard_list"), {"since": "2026-03-01", "until": "2026-03-01"}).content
    assert "灭火器压力不足" in march.decode() and "围墙开裂" not in march.decode()
    assert "测试实验小学" in march.decode()  # a bureau sees the school column
    flagged = bureau.get(reverse("hazards:hazard_list"), {"left_overnight": "on"}).content.decode()
    assert "灭火器压力不足" in flagged and "围墙开裂" not in flagged
    other_school = bureau.get(reverse("hazards:hazard_list"), {"organisation": cast.school2.pk}).content.decode()
    assert "灭火器压力不足" not in other_school and "围墙开裂" not in other_school
    by_place = bureau.get(reverse("hazards:hazard_list"), {"organisation": cast.school1.pk,
                                                           "place": hazards.playground.pk}).content.decode()
    assert "围墙开裂" in by_place and "灭火器压力不足" not in by_place
    Hazard.objects.filter(pk=hazards.hazards[1].pk).update(state="closed")
    still_open = bureau.get(reverse("hazards:hazard_list"), {"state": "open"}).content.decode()
    assert "灭火器压力不足" in still_open and "围墙开裂" not in still_open
    Hazard.objects.filter(pk=old.pk).update(deadline=dt.date(2026, 3, 5))  # open past its deadline: 逾期
    late = bureau.get(reverse("hazards:hazard_list"), {"overdue": "on"}).content.decode()
    assert "灭火器压力不足" in late and "围墙开裂" not in late
    bad = bureau.get(reverse("hazards:hazard_list"), {"since": "2026-05-01", "until": "2026-04-01"})
    assert "起始日期不能晚于截止日期" in bad.content.decode()
    response = client_for(cast.alice).get(reverse("hazards:hazard_export"), {"grade": "major"})
    rows = CalamineWorkbook.from_filelike(__import__("io").BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["编号", "学校", "发现时间"] and len(rows) == 2 and rows[1][5] == "围墙开裂"
    assert AuditEvent.objects.filter(action="export", object_type="hazards.hazard").exists()
