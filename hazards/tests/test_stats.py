"""Hazard statistics (方案7): the figures of a period, the overdue rule, a bureau across its schools, the page
and its printed and Excel summaries, access and a fixed number of queries."""

import datetime
import io
import re
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audit import Actor
from core.models import AuditEvent
from core.testing.personas import make_org
from core.testing.photos import jpeg_bytes
from core.testing.views import ViewCase, check_view
from hazards import workflow
from hazards.actions import add_photo, report
from hazards.choices import PhotoKind, State
from hazards.models import Hazard
from hazards.stats import is_overdue, overdue_q, percentile, summarise
from orgs.choices import OrgKind

pytestmark = pytest.mark.django_db

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")
TODAY = D(2026, 9, 30)
Q3 = (D(2026, 7, 1), D(2026, 9, 30))


def at(month, day, hour=8, minute=0, year=2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TZ)


def make(org, found_at, description="隐患", *, closed_at=None, **fields) -> Hazard:
    if closed_at is not None:
        fields.update(state=State.CLOSED, verified_at=closed_at)
    return Hazard.objects.create(organisation=org, found_at=found_at, description=description, **fields)


@pytest.fixture
def known(cast):
    """Seven hazards of school1 found in the third quarter of 2026 (and one just before it)."""
    s = cast.school1
    return {
        # closed on its deadline day: in time; 10 hours
        "h1": make(s, at(7, 1), "灭火器过期", closed_at=at(7, 1, 18), deadline=D(2026, 7, 1)),
        # major, closed two days after its deadline: overdue; 240 hours
        "h2": make(s, at(7, 2), "配电箱漏电", closed_at=at(7, 12), deadline=D(2026, 7, 10), grade="major",
                   topic="electricity", source="inspection"),
        # open past its deadline: overdue
        "h3": make(s, at(7, 3), "插线板老化", state=State.RECTIFYING, deadline=D(2026, 8, 1), topic="electricity"),
        # major, open, no deadline: neither in time nor late
        "h4": make(s, at(8, 1), "围墙开裂", grade="major", topic="buildings", source="upper_check"),
        # closed, no deadline; 24 hours
        "h5": make(s, at(7, 5), "校门口积水", closed_at=at(7, 6), topic="other", source="public"),
        # open, deadline still ahead
        "h6": make(s, at(9, 1), "楼梯扶手松动", state=State.RECTIFYING, deadline=D(2026, 10, 15)),
        # found the last evening of the quarter (15:30 UTC): still the third quarter
        "h8": make(s, at(9, 30, 23, 30), "走廊灯不亮"),
        # found the evening before the quarter began: not counted
        "h7": make(s, at(6, 30, 23, 30), "六月的隐患", closed_at=at(7, 1, 9)),
    }


def test_the_figures_of_a_quarter_are_exact(cast, known):
    f = summarise(Hazard.objects.all(), *Q3, TODAY).figures
    assert (f.total, f.closed, f.open, f.with_deadline, f.overdue, f.major_open) == (7, 3, 4, 4, 2, 1)
    assert f.overdue_rate == 50.0 and f.closed_rate == 42.9
    assert sorted(f.hours) == [10, 24, 240]
    assert f.average_hours == pytest.approx(274 / 3) and f.p90_hours == 240
    assert (f.average_label, f.p90_label) == ("3.8天", "10.0天")


def test_every_breakdown_adds_up_to_the_total(cast, known):
    summary = summarise(Hazard.objects.all(), *Q3, TODAY)
    for title, rows in summary.breakdowns():
        if rows is not summary.by_grid:
            assert sum(r.figures.total for r in rows) == 7, title
    grade = {r.key: r.figures for r in summary.by_grade}
    major = grade["major"]
    assert (major.total, major.closed, major.overdue, major.hours) == (2, 1, 1, [240])
    electricity = {r.key: r.figures for r in summary.by_topic}["electricity"]
    assert (electricity.total, electricity.overdue, electricity.overdue_rate) == (2, 2, 100.0)
    assert {r.key: r.figures.total for r in summary.by_state} == {"reported": 2, "rectifying": 2, "awaiting": 0,
                                                                  "closed": 3}
    assert {r.key: r.figures.total for r in summary.by_source}["public"] == 1
    assert summary.by_school is None


def test_the_90th_percentile_is_the_nearest_rank():
    assert percentile(list(range(10, 0, -1)), 0.9) == 9
    assert percentile([5.0], 0.9) == 5.0 and percentile([], 0.9) is None
    assert percentile(list(range(1, 21)), 0.9) == 18


def test_overdue_is_decided_on_the_local_date_of_closing(cast):
    deadline = D(2026, 7, 10)
    in_time = make(cast.school1, at(7, 1), closed_at=at(7, 10, 23, 30), deadline=deadline)  # 15:30 UTC
    late = make(cast.school1, at(7, 1), closed_at=at(7, 11, 0, 30), deadline=deadline)      # 16:30 UTC on the 10th
    due_today = make(cast.school1, at(7, 1), state=State.RECTIFYING, deadline=TODAY)
    flagged = make(cast.school1, at(7, 1), state=State.RECTIFYING, deadline=D(2026, 12, 1), is_overdue=True)
    no_deadline = make(cast.school1, at(7, 1), state=State.RECTIFYING, is_overdue=True)
    in_sql = set(Hazard.objects.filter(overdue_q(TODAY)).values_list("pk", flat=True))
    assert in_sql == {late.pk, flagged.pk}
    assert {h.pk for h in Hazard.objects.all() if is_overdue(h, TODAY)} == in_sql
    f = summarise(Hazard.objects.all(), *Q3, TODAY).figures
    assert (f.overdue, f.with_deadline, f.overdue_rate) == (2, 4, 50.0)
    assert not is_overdue(in_time, TODAY) and not is_overdue(due_today, TODAY) and not is_overdue(no_deadline, TODAY)


def test_times_to_close_follow_the_workflows_clock(cast, school):
    users = school.users
    with time_machine.travel(at(10, 9, 9), tick=False):
        hazard = report(Actor(user=users.wang), Hazard(organisation=cast.school1, place=school.room101,
                                                      topic="fire", description="101教室灭火器压力不足"))
        hazard = workflow.assign(Actor(user=users.wang), hazard, 1, responsible=school.wang, deadline=D(2026, 10, 10))
    with time_machine.travel(at(10, 10, 11), tick=False):
        add_photo(Actor(), hazard, SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"),
                  PhotoKind.AFTER)
        hazard = workflow.submit_fix(Actor(user=users.wang), hazard, 2, note="已更换")
    with time_machine.travel(at(10, 10, 15), tick=False):
        workflow.verify(Actor(user=users.li), hazard, 3)
    with time_machine.travel(at(10, 11, 9), tick=False):  # a second one, closed a day after its deadline
        other = report(Actor(user=users.wang), Hazard(organisation=cast.school1, place=school.room102,
                                                     topic="fire", description="102教室插座松动"))
        other = workflow.assign(Actor(user=users.wang), other, 1, responsible=school.wang, deadline=D(2026, 10, 12))
        add_photo(Actor(), other, SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"),
                  PhotoKind.AFTER)
        other = workflow.submit_fix(Actor(user=users.wang), other, 2, note="已紧固")
    with time_machine.travel(at(10, 13, 21), tick=False):
        workflow.verify(Actor(user=users.li), other, 3)
    f = summarise(Hazard.objects.all(), D(2026, 10, 1), D(2026, 12, 31), D(2026, 10, 20)).figures
    assert (f.total, f.closed, f.overdue, f.with_deadline) == (2, 2, 1, 2)
    assert sorted(f.hours) == [30, 60] and f.average_hours == 45 and f.p90_hours == 60
    by_grid = {r.label: r.figures for r in summarise(Hazard.objects.all(), D(2026, 10, 1), D(2026, 12, 31),
                                                     D(2026, 10, 20)).by_grid}
    assert by_grid["一年级1班"].total == 2 and by_grid["一年级1班"].hours == [30, 60]


# --- a bureau across its schools ---------------------------------------------------------------------


@pytest.fixture
def two_schools(cast, known):
    make(cast.school2, at(7, 20), "实验室危化品台账缺失", topic="chemicals", closed_at=at(7, 21))
    make(cast.school2, at(8, 20), "食堂燃气报警器失灵", topic="food", grade="major", state=State.RECTIFYING,
         deadline=D(2026, 8, 25))
    return known


def _get(client, name, params):
    """A page or summary as drawn up on TODAY (figures are as of the day they are drawn up)."""
    with time_machine.travel(at(9, 30, 12), tick=False):
        return client.get(reverse(name), params)


def _page(client, **params):
    response = _get(client, "hazard_stats:statistics", {"year": "2026", "quarter": "3", **params})
    assert response.status_code == 200
    return response


def test_a_bureau_sees_its_schools_together_and_ranked(cast, client_for, two_schools):
    response = _page(client_for(cast.bureau_admin))
    f = response.context["figures"]
    assert (f.total, f.closed, f.overdue, f.with_deadline, f.major_open) == (9, 4, 3, 5, 2)
    schools = response.context["summary"].by_school
    # every school in sight, worst overdue rate first; the central school has none of its own
    assert [r.label for r in schools] == ["测试第一中学", "测试实验小学", "测试镇中心学校"]
    assert [(r.figures.total, r.figures.overdue_rate) for r in schools] == [(2, 100.0), (7, 50.0), (0, None)]
    page = response.content.decode()
    assert "测试第一中学" in page and "?year=2026&amp;quarter=3&amp;organisation=" in page


def test_a_bureaus_grid_links_name_the_school_the_register_needs_for_its_grid_select(cast, client_for, school):
    make(cast.school1, at(7, 1), grid=school.playground_grid)
    row = _page(client_for(cast.bureau_admin)).context["summary"].by_grid[0]
    assert row.label == "操场网格（测试实验小学）"
    assert f"organisation={cast.school1.pk}&grid={school.playground_grid.pk}" in row.links["total"]
    assert not row.drill


def test_a_bureau_picks_one_school(cast, client_for, two_schools):
    response = _page(client_for(cast.bureau_admin), organisation=cast.school2.pk)
    assert response.context["figures"].total == 2 and response.context["summary"].by_school is None
    assert f"organisation={cast.school2.pk}" in response.context["summary_query"]


def test_a_school_never_sees_a_siblings_numbers(cast, client_for, two_schools):
    charlie = _page(client_for(cast.charlie), organisation=cast.school1.pk)
    assert charlie.context["figures"].total == 2 and charlie.context["summary"].by_school is None
    assert "测试实验小学" not in charlie.content.decode()
    alice = _page(client_for(cast.alice), organisation=cast.school2.pk)
    assert alice.context["figures"].total == 7 and alice.context["scope_name"] == "测试实验小学"


def test_a_closed_hazard_shows_in_the_statistics_with_a_link_to_the_register(cast, client_for, known):
    page = _page(client_for(cast.alice)).content.decode()
    assert re.search(r'data-figure="closed">3<', page)
    assert "/hazards/?since=2026-07-01&amp;until=2026-09-30&amp;state=closed" in page
    assert "/hazards/?since=2026-07-01&amp;until=2026-09-30&amp;overdue=on" in page
    assert "校舍" in page and "自然灾害" not in page  # a phone is not shown the categories without hazards


def test_the_period_is_this_quarter_by_default_and_can_be_a_year_or_any_range(cast, client_for, known):
    client = client_for(cast.alice)
    with time_machine.travel(at(8, 15), tick=False):
        default = client.get(reverse("hazard_stats:statistics"))
    summary = default.context["summary"]
    assert (summary.start, summary.end, summary.figures.total) == (*Q3, 7)
    year = _page(client, period="year").context
    assert (year["summary"].start, year["summary"].end, year["figures"].total) == (D(2026, 1, 1), D(2026, 12, 31), 8)
    assert year["period_label"] == "2026年度" and year["summary_query"] == "year=2026"
    custom = _page(client, period="custom", since="2026-07-01", until="2026-07-02").context
    assert custom["figures"].total == 2 and custom["period_label"] == "2026-07-01至2026-07-02"
    wrong = _page(client, period="custom", since="2026-07-01").context
    assert wrong["summary"] is None and wrong["form"].non_field_errors()


def test_the_htmx_request_gets_the_results_only(cast, client_for, known):
    response = client_for(cast.alice).get(reverse("hazard_stats:statistics"), {"year": "2026", "quarter": "3"},
                                          headers={"HX-Request": "true", "HX-Target": "results"})
    assert response.content.decode().lstrip().startswith('<div id="results">')


# --- access and queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [
    ViewCase("hazard_stats:statistics"),
    ViewCase("hazard_stats:summary_pdf", writes=True, ok=(200,)),
    ViewCase("hazard_stats:summary_xlsx", writes=True, ok=(200,)),
], ids=lambda c: c.name)
def test_view_access_rules(client, cast, case):
    check_view(client, cast, case)


def test_the_principal_and_duty_leader_may_read_the_statistics(cast, client_for):
    for user in (cast.leader1, cast.duty1):
        assert client_for(user).get(reverse("hazard_stats:statistics")).status_code == 200


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as context:
        _page(client, **params)
    return len(context)


# Session, user, memberships ×2, visible schools, the statistics (3, and a 4th for the per-school table); a
# bureau also loads its school select (and the school picked).
@pytest.mark.parametrize("persona, params, most", [("bureau_admin", {}, 10), ("alice", {}, 8),
                                                   ("bureau_admin", {"organisation": "school1"}, 10)])
def test_the_page_takes_the_same_queries_for_few_or_many_hazards_and_schools(cast, client_for, school, persona,
                                                                             params, most):
    params = {k: getattr(cast, v).pk for k, v in params.items()}
    client = client_for(getattr(cast, persona))
    make(cast.school1, at(7, 1), closed_at=at(7, 2), grid=school.class_grid)
    _page(client, **params)
    few = _queries(client, params)
    grids = [school.class_grid, school.playground_grid, school.floor_grid, school.time_grid]
    for i in range(12):
        make(cast.school1, at(7, 1 + i), grid=grids[i % 4], closed_at=at(7, 3 + i) if i % 2 else None,
             deadline=D(2026, 7, 5), grade="major" if i % 3 else "general", topic=["fire", "food", "other"][i % 3])
    school3 = make_org("t-school-3", "测试第二小学", OrgKind.SCHOOL, cast.central)
    for i in range(3):
        make(cast.school2, at(8, 1 + i), source="public")
        make(school3, at(8, 1 + i), closed_at=at(8, 5))
    many = _queries(client, params)
    assert many == few <= most


# --- the printed and Excel summaries -----------------------------------------------------------------


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


@needs_poppler
def test_the_quarterly_summary_is_an_a4_chinese_pdf_to_sign(cast, client_for, known, tmp_path):
    response = _get(client_for(cast.leader1), "hazard_stats:summary_pdf", {"year": "2026", "quarter": "3"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "summary.pdf"
    path.write_bytes(response.content)
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                             check=True).stdout)
    assert "测试实验小学2026年第三季度安全隐患排查整改统计表" in text
    assert "配电箱漏电" in text and "围墙开裂" in text  # the major hazards
    assert "插线板老化" in text  # open past its deadline
    assert "校长（签字）" in text and "学校（盖章）" in text
    assert "六月的隐患" not in text
    event = AuditEvent.objects.filter(action="export", object_type="hazards.summary").get()
    assert event.organisation == cast.school1 and event.changes["hazards"] == [None, 7]


@needs_poppler
def test_a_yearly_summary_of_a_bureau_names_the_bureau(cast, client_for, two_schools, tmp_path):
    response = _get(client_for(cast.bureau_admin), "hazard_stats:summary_pdf", {"year": "2026"})
    path = tmp_path / "summary.pdf"
    path.write_bytes(response.content)
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                             check=True).stdout)
    assert "测试区教育局2026年度安全隐患排查整改统计表" in text and "负责人（签字）" in text
    assert "食堂燃气报警器失灵" in text and "测试第一中学" in text


def test_the_excel_summary_holds_the_figures_and_the_hazards(cast, client_for, known):
    from python_calamine import CalamineWorkbook

    response = _get(client_for(cast.alice), "hazard_stats:summary_xlsx", {"year": "2026", "quarter": "3"})
    assert response.status_code == 200 and "hazard-summary-2026Q3.xlsx" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    figures, hazards = (book.get_sheet_by_index(i).to_python() for i in (0, 1))
    assert figures[0][0] == "测试实验小学2026年第三季度安全隐患排查整改统计表"
    total = figures[4]
    assert total[:11] == ["合计", "测试实验小学", 7, 3, 4, 4, 2, 50.0, 91.3, 240, 1]
    major = next(r for r in figures if r[0] == "按等级" and r[1] == "重大")
    assert major[2:7] == [2, 1, 1, 1, 1]
    assert len(hazards) == 1 + 7 and {r[9] for r in hazards[1:]} >= {"配电箱漏电", "走廊灯不亮"}
    assert next(r for r in hazards if r[9] == "配电箱漏电")[12:] == [240, "是"]
    assert AuditEvent.objects.filter(action="export", object_type="hazards.summary").count() == 1


def test_a_summary_of_a_missing_period_is_refused(cast, client_for):
    response = client_for(cast.alice).get(reverse("hazard_stats:summary_xlsx"), {"period": "custom"})
    assert response.status_code == 400
