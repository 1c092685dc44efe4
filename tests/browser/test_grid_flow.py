"""The grid at 360 px: import the example roster through the UI, see a coverage finding, fix it by
a handover, see it disappear, and open the responsibility map."""

import datetime
from pathlib import Path

import pytest
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import expect
from test_shell import log_in, page_width  # tests/browser is on sys.path (no package)

from core.testing.personas import make_cast

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "static" / "roster" / "网格责任清单-示例.xlsx"


def test_safety_officer_imports_fixes_a_gap_by_handover_and_opens_the_map(live_server, open_page, screenshot,
                                                                           transactional_db):
    from grids.models import Assignment
    from people.models import Person

    cast = make_cast()
    page = open_page(360, 740)
    log_in(page, live_server, "alice")

    # Import the example workbook: upload, preview the differences, confirm.
    page.goto(f"{live_server.url}/roster/")
    page.select_option("#id_organisation", str(cast.school1.pk))
    page.set_input_files("#id_file", str(EXAMPLE))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_text("差异预览")).to_be_visible()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成")).to_be_visible()
    assert page_width(page) <= 360
    screenshot(page, "roster-imported-360")

    # A head teacher who holds exactly one grid leaves today: the coverage check shows it.
    today = timezone.localdate()
    assignment = (Assignment.objects.filter(organisation=cast.school1, role="head_teacher", person__isnull=False)
                  .annotate(n=Count("person__assignments")).filter(n=1).select_related("person", "grid").first())
    teacher = assignment.person
    page.goto(f"{live_server.url}/people/{teacher.pk}/edit/")
    page.select_option("#id_status", "left")
    page.fill("#id_left_on", today.isoformat())
    page.get_by_role("button", name="保存").click()
    page.goto(f"{live_server.url}/coverage/")
    leavers = page.locator("#leaver_holds_grid")
    expect(leavers).to_contain_text(teacher.name)
    expect(leavers).to_contain_text(assignment.grid.name)
    screenshot(page, "coverage-leaver-360")

    # Fix it the way the finding says: its link leads to the grid, where the handover starts.
    leavers.get_by_role("link", name="去处理").first.click()
    page.locator(f"a[href='/assignments/{assignment.pk}/handover/']").click()
    successor = Person.objects.filter(organisation=cast.school1, status="active", category="staff").exclude(
        pk=teacher.pk).first()
    page.fill("#id_on", today.isoformat())
    page.select_option("#id_person", str(successor.pk))
    page.get_by_role("button", name="确认交接").click()
    expect(page.get_by_text(successor.name).first).to_be_visible()

    page.goto(f"{live_server.url}/coverage/")
    expect(page.locator("#leaver_holds_grid")).to_have_count(0)
    new = Assignment.objects.get(handed_over_from=assignment)
    assert new.start == today + datetime.timedelta(days=1)

    # The responsibility map shows the grid tree and its people, and fits the phone.
    page.goto(f"{live_server.url}/responsibility-map/")
    expect(page.locator("main")).to_contain_text(assignment.grid.name)
    expect(page.locator("main")).to_contain_text(new.person.name)
    assert page_width(page) <= 360
    screenshot(page, "responsibility-map-360")
