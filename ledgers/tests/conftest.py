"""Fixtures of the ledger tests: the clock on the last day of 2026, and a year of school1's records."""

import datetime
import shutil
import subprocess
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.audit import Actor
from core.testing.inspections import ALL_PASS, do_inspection, make_checklist, make_schedule
from core.testing.school import make_school
from hazards.models import Hazard
from hazards.notices import issue

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")
TODAY = D(2026, 12, 31)
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def at(year, month, day, hour=9) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=TZ)


def pdf_text(path) -> str:
    """The PDF's text without white space (pdftotext breaks table cells and lines where it likes)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(at(2026, 12, 31, 10), tick=False):
        yield


@pytest.fixture
def year(cast):
    """school1's 2026: three inspections (two zero reports, one failing two items: two hazards), a hazard
    with all five fixes closed by the principal, a major one still open under a notice, one carried over
    from 2025 and still open, one from 2025 closed in 2025 (not carried), and a hazard of school2."""
    school = make_school(cast.school1)
    checklist = make_checklist(cast.school1, name="宿舍就寝检查表")
    schedule = make_schedule(cast.school1, checklist, grids=[school.class_grid])
    for day in (D(2026, 9, 14), D(2026, 10, 13)):
        do_inspection(schedule, grid=school.class_grid, place=school.room101, on=day)
    failed, _ = do_inspection(schedule, grid=school.class_grid, place=school.room102, on=D(2026, 10, 12),
                              answers={**ALL_PASS, "f3": "2", "f4": "部分损坏"})
    closed = Hazard.objects.create(
        organisation=cast.school1, place=school.playground, found_at=at(2026, 3, 2), description="操场围栏松动",
        topic="buildings", measures="更换围栏立柱", responsible=school.li, funds="学校公用经费2000元",
        deadline=D(2026, 3, 10), contingency_plan="设警戒线专人看守", state="closed", fixed_at=at(2026, 3, 8),
        verified_by=cast.leader1, verified_at=at(2026, 3, 9))
    major = Hazard.objects.create(
        organisation=cast.school1, place=school.room101, found_at=at(2026, 11, 20), description="配电箱漏电保护失灵",
        topic="electricity", grade="major", state="rectifying", responsible=school.li, deadline=D(2026, 12, 5),
        measures="停用并更换漏电保护器", funds="专项经费", contingency_plan="断电并封闭教室")
    carried = Hazard.objects.create(organisation=cast.school1, place=school.room102, found_at=at(2025, 12, 20),
                                    description="窗户限位器缺失", state="reported")
    Hazard.objects.create(organisation=cast.school1, found_at=at(2025, 11, 2), description="去年已销号的隐患",
                          state="closed", verified_at=at(2025, 11, 5))
    Hazard.objects.create(organisation=cast.school2, found_at=at(2026, 5, 5), description="兄弟学校的隐患")
    notice = issue(Actor(user=cast.alice), cast.school1, [major], deadline=D(2026, 12, 10),
                   requirements="立即整改", recipient_department="总务处")
    return SimpleNamespace(school=school, checklist=checklist, schedule=schedule, failed=failed, closed=closed,
                           major=major, carried=carried, notice=notice,
                           found=list(Hazard.objects.filter(finding__inspection=failed).order_by("pk")))
