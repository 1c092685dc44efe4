"""Drawing up a ledger (方案15): what the PDF holds, its periods, its bounds, and the task's states."""

import datetime
from pathlib import Path

import pytest
from django.db import connection

from core.audit import Actor
from core.models import AuditEvent
from ledgers import content, jobs
from ledgers.actions import request_ledger
from ledgers.choices import LedgerStatus, PeriodKind
from ledgers.models import LedgerExport, period_bounds, period_label

from .conftest import TODAY, D, at, needs_poppler, pdf_pages, pdf_text

pytestmark = pytest.mark.django_db


def queued(cast, kind=PeriodKind.YEAR, year=2026, part=None, school=None, **extra) -> LedgerExport:
    """A ledger waiting for a worker (made directly: request_ledger would run it at once in tests)."""
    start, end = period_bounds(kind, year, part)
    return LedgerExport.objects.create(organisation=school or cast.school1, kind=kind, year=year, part=part,
                                       start=start, end=end, requested_by=cast.alice, requested_by_name="艾丽", **extra)


def test_periods_are_whole_years_quarters_and_months():
    assert period_bounds("year", 2026, None) == (D(2026, 1, 1), D(2026, 12, 31))
    assert period_bounds("quarter", 2026, 4) == (D(2026, 10, 1), D(2026, 12, 31))
    assert period_bounds("quarter", 2026, 1) == (D(2026, 1, 1), D(2026, 3, 31))
    assert period_bounds("month", 2028, 2) == (D(2028, 2, 1), D(2028, 2, 29))
    assert period_bounds("month", 2026, 12) == (D(2026, 12, 1), D(2026, 12, 31))
    assert [period_label("year", 2026, None), period_label("quarter", 2026, 3), period_label("month", 2026, 10)] == [
        "2026年度", "2026年第三季度", "2026年10月"]


@needs_poppler
def test_the_year_ledger_is_the_schools_archive_of_inspections_hazards_and_notices(cast, year, tmp_path):
    ledger = jobs.build(queued(cast).pk, today=TODAY)
    assert ledger.status == LedgerStatus.DONE and ledger.message == ""
    data = ledger.file.read()
    assert data.startswith(b"%PDF") and ledger.size == len(data)
    path = tmp_path / "ledger.pdf"
    path.write_bytes(data)
    assert ledger.pages == pdf_pages(path) >= 6  # cover, summary, key places, inspections, register, notices
    text = pdf_text(path)
    # The cover: school, its parent, period, who asked.
    assert "测试实验小学2026年度安全台账" in text and "测试镇中心学校" in text
    assert "2026-01-01至2026-12-31" in text and "艾丽（测试实验小学·安全办）" in text
    for section in ("一、概况", "二、重点部位与重大危险源", "三、排查巡查记录", "四、隐患台账", "五、隐患整改通知书",
                    "六、审核签字"):
        assert text.count(section) >= 2, section  # in the contents and as a heading
    # Inspections by month: the day × checklist table and the failed inspection with its hazards' numbers.
    assert "2026年9月" in text and "2026年10月" in text and "宿舍就寝检查表" in text
    assert "本月无排查记录，也无应检任务。" in text  # e.g. January: no schedule yet
    assert f"未归寝人数：2人→{year.found[0].pk}" in text and f"应急照明：部分损坏→{year.found[1].pk}" in text
    # The register: the five fixes, the state, closing and verifier; the carried-over hazard; nothing of 2025's
    # closed hazards or of the sibling school.
    for value in ("操场围栏松动", "更换围栏立柱", "李主任", "学校公用经费2000元", "2026-03-10", "设警戒线专人看守",
                  "已销号", "2026-03-09", "李校长", "配电箱漏电保护失灵", "重大", "窗户限位器缺失"):
        assert value in text, value
    assert "去年已销号的隐患" not in text and "兄弟学校的隐患" not in text
    # The notice, and the sign-off block.
    assert "〔2026〕第001号" in text and "总务处" in text and "未签收" in text
    assert "校长（第一责任人，签字）" in text and "学校（盖章）" in text
    assert ledger.figures == {"inspections": 3, "failed_inspections": 1, "hazards": 4, "carried_over": 1,
                              "notices": 1}


def test_the_figures_count_the_period_only(cast, year):
    ledger = queued(cast, PeriodKind.QUARTER, 2026, 4)
    gathered = content.gather(LedgerExport.objects.select_related("organisation").get(pk=ledger.pk), today=TODAY)
    assert (gathered.totals.inspections, gathered.totals.zero, gathered.totals.failed, gathered.totals.items) == (
        2, 1, 1, 2)
    assert [m.label for m in gathered.months] == ["2026年10月", "2026年11月", "2026年12月"]
    october = gathered.months[0]
    assert october.totals.inspections == 2 and len(october.failed) == 1 and october.hazards_found == 2
    assert [h.description for h in gathered.hazards] == [h.description for h in year.found] + ["配电箱漏电保护失灵"]
    # Carried over into the quarter: found before it and open at its start (the one closed in March is not).
    assert {h.description for h in gathered.carried} == {"窗户限位器缺失"}
    assert gathered.summary.figures.total == 3 and gathered.summary.figures.major_open == 1
    assert gathered.hazards[-1].overdue_now  # deadline 2026-12-05, still open on the 31st


def test_gathering_takes_a_fixed_number_of_queries(cast, year, django_assert_max_num_queries):
    ledger = LedgerExport.objects.select_related("organisation").get(pk=queued(cast).pk)
    content.gather(ledger, today=TODAY)  # the roll-ups of the year are computed once
    with django_assert_max_num_queries(25):
        content.gather(ledger, today=TODAY)


@needs_poppler
def test_an_empty_period_still_prints_every_section(cast, tmp_path):
    ledger = jobs.build(queued(cast, PeriodKind.MONTH, 2026, 2).pk, today=TODAY)
    assert ledger.status == LedgerStatus.DONE
    path = tmp_path / "empty.pdf"
    path.write_bytes(ledger.file.read())
    text = pdf_text(path)
    assert "测试实验小学2026年2月安全台账" in text and "本月无排查记录，也无应检任务。" in text
    assert "本校未登记重点部位或重大危险源。" in text or "操场" not in text
    assert "本期间未签发隐患整改通知书。" in text and "六、审核签字" in text


@needs_poppler
def test_long_lists_stop_at_their_bound_and_say_so(cast, year, monkeypatch, tmp_path):
    monkeypatch.setattr(content, "MAX_ROWS", 1)
    ledger = jobs.build(queued(cast).pk, today=TODAY)
    path = tmp_path / "bounded.pdf"
    path.write_bytes(ledger.file.read())
    text = pdf_text(path)
    assert "期间发现隐患共4项，本台账列出前1项" in text
    assert "配电箱漏电保护失灵" not in text  # the fourth hazard of the year is left out


@needs_poppler
def test_long_texts_wrap_inside_the_page(cast, year, tmp_path):
    year.major.description = "配电箱" + "X" * 2000
    year.major.save()
    ledger = jobs.build(queued(cast).pk, today=TODAY)
    assert ledger.status == LedgerStatus.DONE
    path = tmp_path / "long.pdf"
    path.write_bytes(ledger.file.read())
    assert "X" * content.MAX_TEXT not in pdf_text(path) and "…" in pdf_text(path)


def test_a_ledger_goes_from_queued_through_running_to_done(cast, monkeypatch):
    ledger = queued(cast, PeriodKind.MONTH, 2026, 3)
    seen = []
    real = jobs.html_to_pdf

    def spy(html):
        seen.append(LedgerExport.objects.get(pk=ledger.pk).status)
        return real(html)

    monkeypatch.setattr(jobs, "html_to_pdf", spy)
    assert ledger.status == LedgerStatus.QUEUED
    done = jobs.build(ledger.pk, today=TODAY)
    assert seen == [LedgerStatus.RUNNING]
    assert done.status == LedgerStatus.DONE and done.started_at and done.finished_at and done.pages >= 1


def test_a_ledger_is_drawn_up_once_whatever_the_deliveries(cast):
    ledger = queued(cast, PeriodKind.MONTH, 2026, 3)
    first = jobs.build(ledger.pk, today=TODAY)
    assert jobs.build(ledger.pk, today=TODAY) is None  # a second delivery of the task finds nothing to do
    assert LedgerExport.objects.get(pk=ledger.pk).file.name == first.file.name


def test_a_failure_leaves_the_ledger_failed_with_a_chinese_reason_and_no_file(cast, monkeypatch, settings):
    def broken(html):
        raise RuntimeError("找不到字体")

    monkeypatch.setattr(jobs, "html_to_pdf", broken)
    ledger = jobs.build(queued(cast, PeriodKind.MONTH, 2026, 3).pk, today=TODAY)
    assert ledger.status == LedgerStatus.FAILED and not ledger.file and ledger.pages == 0
    assert ledger.message == "台账生成失败：找不到字体。请稍后重新生成；如仍失败，请联系系统管理员。"
    assert ledger.finished_at is not None


def test_a_failed_query_is_recorded_too(cast, monkeypatch):
    """A database error inside the gathering must not leave the connection unusable (PostgreSQL aborts the
    transaction): the failure is still written."""
    def broken(ledger, today=None):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM ledgers_no_such_table")

    monkeypatch.setattr(content, "gather", broken)
    ledger = jobs.build(queued(cast, PeriodKind.MONTH, 2026, 3).pk, today=TODAY)
    assert ledger.status == LedgerStatus.FAILED and "台账生成失败" in ledger.message


def test_a_file_written_before_a_failure_is_removed(cast, monkeypatch, settings):
    def broken(self):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(content.Ledger, "figures", broken)  # read after the file is stored
    ledger = jobs.build(queued(cast, PeriodKind.MONTH, 2026, 3).pk, today=TODAY)
    assert ledger.status == LedgerStatus.FAILED and "磁盘已满" in ledger.message and not ledger.file
    folder = Path(settings.MEDIA_ROOT) / "ledgers" / str(cast.school1.pk) / "2026"
    assert not folder.exists() or not any(folder.iterdir())


def test_asking_twice_for_a_period_in_progress_queues_it_once(cast):
    pending = queued(cast)
    ledger, created = request_ledger(Actor(user=cast.alice), cast.school1, PeriodKind.YEAR, 2026)
    assert (ledger, created) == (pending, False)
    assert LedgerExport.objects.count() == 1 and not AuditEvent.objects.filter(object_type="ledgers.ledgerexport")


def test_an_abandoned_request_does_not_block_a_new_one(cast):
    # asked at 01:00 UTC, an hour before the clock (10:00 in Shanghai)
    abandoned = queued(cast, requested_at=datetime.datetime(2026, 12, 31, 1, tzinfo=datetime.UTC))
    ledger, created = request_ledger(Actor(user=cast.alice), cast.school1, PeriodKind.YEAR, 2026)
    assert created and ledger.status == LedgerStatus.DONE  # the immediate backend of the tests ran it at once
    abandoned.refresh_from_db()
    assert abandoned.status == LedgerStatus.FAILED and abandoned.message == "生成中断（超过30分钟未完成），已重新生成。"


def test_a_ledger_of_the_year_to_date_stops_at_today(cast):
    ledger = LedgerExport.objects.select_related("organisation").get(pk=queued(cast).pk)
    gathered = content.gather(ledger, today=D(2026, 3, 15))
    assert [m.label for m in gathered.months] == ["2026年1月", "2026年2月", "2026年3月"]


def test_asking_is_an_audit_event(cast):
    ledger, created = request_ledger(Actor(user=cast.leader1), cast.school1, PeriodKind.QUARTER, 2026, 4)
    assert created
    event = AuditEvent.objects.get(object_type="ledgers.ledgerexport", action="create")
    assert event.organisation == cast.school1 and event.actor == cast.leader1
    assert event.object_id == str(ledger.pk) and event.changes["period"] == [None, "2026年第四季度"]
    assert event.object_repr == "测试实验小学2026年第四季度安全台账"


def test_the_ledger_speaks_the_requesters_language(cast, year, monkeypatch):
    cast.alice.language = "en"
    cast.alice.save()
    captured = {}
    real = content.render_html

    def spy(gathered):
        from django.utils import translation

        captured["language"] = translation.get_language()
        return real(gathered)

    monkeypatch.setattr(content, "render_html", spy)
    jobs.build(queued(cast, PeriodKind.MONTH, 2026, 10).pk, today=TODAY)
    assert captured["language"] == "en"


def test_found_times_are_local_days(cast):
    """A hazard found at 23:30 on the last evening of September (15:30 UTC) belongs to September."""
    from hazards.models import Hazard

    Hazard.objects.create(organisation=cast.school1, found_at=at(2026, 9, 30, 23), description="深夜发现")
    september = content.gather(LedgerExport.objects.select_related("organisation").get(
        pk=queued(cast, PeriodKind.MONTH, 2026, 9).pk), today=TODAY)
    october = content.gather(LedgerExport.objects.select_related("organisation").get(
        pk=queued(cast, PeriodKind.MONTH, 2026, 10).pk), today=TODAY)
    assert [h.description for h in september.hazards] == ["深夜发现"] and september.months[0].hazards_found == 1
    assert october.hazards == [] and datetime.date(2026, 10, 1) == october.start
