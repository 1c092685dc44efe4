"""A class teacher's patrol on a 360 px phone, in real Chromium: open a place's QR link, answer the
checklist with one failure and a photo, submit; then lose the signal, submit another, come back
online and see it sync exactly once."""

from __future__ import annotations

import datetime
import time

import pytest
from playwright.sync_api import expect
from test_shell import log_in, page_width

from core.actions import update_object
from core.audit import Actor
from core.testing.inspections import make_checklist, make_schedule
from core.testing.personas import make_org, make_user
from core.testing.photos import jpeg_bytes
from core.testing.school import make_school
from inspections.models import CheckIn, Finding, Inspection, Photo, Term
from orgs.choices import OrgKind
from orgs.roles import Role

pytestmark = [pytest.mark.browser]


@pytest.fixture
def school(transactional_db):
    bureau = make_org("p-bureau", "测试区教育局", OrgKind.BUREAU)
    org = make_org("p-school", "测试实验小学", OrgKind.SCHOOL, bureau)
    school = make_school(org)
    today = datetime.date.today()
    Term.objects.create(organisation=org, name="本学期", start=today - datetime.timedelta(days=60),
                        end=today + datetime.timedelta(days=60))
    checklist = make_checklist(org)
    # Every day (the test may run on a weekend), on the class grid, by its head teacher.
    school.schedule = make_schedule(org, checklist, name="班级日查", grids=[school.class_grid], roles="head_teacher",
                                    day_rule="all_days", start=today - datetime.timedelta(days=30))
    user = make_user("wang", org, Role.GRID_MEMBER, name="王老师")
    update_object(Actor(), school.wang, user=user)
    return school


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def answer_all_pass(page) -> None:
    for key in ("f1", "f2"):
        page.locator(f"label.answer:has(input[name=item-{key}][value=pass])").click()
    page.locator("input[name=item-f3]").fill("0")
    page.locator("label.answer:has(input[name=item-f4][value=完好])").click()


def test_qr_patrol_with_a_failure_and_photo_then_an_offline_submission_syncs_exactly_once(
        browser, live_server, school, screenshot):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                  permissions=["geolocation"], geolocation={"latitude": 31.2304, "longitude": 121.4737})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        csp_violations = []
        page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m.text))
        log_in(page, live_server, "wang")
        page.goto(f"{live_server.url}/patrol/")  # today's list: cached by the service worker for offline use
        expect(page.locator("ul.tasks")).to_contain_text("一年级1班")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")

        # 1. Scan the plate in classroom 101: a check-in with the phone's time and position.
        page.goto(f"{live_server.url}/q/{school.room101.qr_token}/")
        expect(page.locator("h1")).to_contain_text("101教室")
        wait_for(lambda: CheckIn.objects.count() == 1)
        scan = CheckIn.objects.get()
        assert scan.device_time is not None and scan.latitude is not None and not scan.flagged

        # 2. Start the class check from there; answer with one failure and a photo.
        page.locator("ul.tasks a", has_text="开始").click()
        expect(page.locator("h1")).to_contain_text("消防日查")
        assert page_width(page) <= 360
        answer_all_pass(page)
        page.locator("label.answer:has(input[name=item-f1][value=fail])").click()
        expect(page.locator("#item-f1 .on-fail")).to_be_visible()
        expect(page.locator("#item-f2 .on-fail")).to_be_hidden()
        page.set_input_files("input[name=photo-f1]", files=[
            {"name": "灭火器.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((640, 480))}])
        page.locator("textarea[name=note-f1]").fill("三楼灭火器压力不足")
        screenshot(page, "patrol-360-inspection-form")
        page.get_by_role("button", name="提交").click()
        page.wait_for_url("**/patrol/done/**")
        expect(page.locator("h1")).to_contain_text("1项不合格")
        inspection = Inspection.objects.get()
        assert (inspection.place, inspection.grid, inspection.check_in) == (
            school.room101, school.class_grid, scan)
        assert Finding.objects.get().item.key == "f1" and Photo.objects.get().item_key == "f1"

        # 3. Open the form again (online, so the service worker keeps it), then lose the signal.
        page.goto(f"{live_server.url}/patrol/task/{school.schedule.pk}/g{school.class_grid.pk}/")
        expect(page.locator("h1")).to_contain_text("消防日查")
        wait_for(lambda: page.evaluate("!!navigator.serviceWorker.controller"))
        context.set_offline(True)
        page.reload()  # served from the phone's cache
        expect(page.locator("h1")).to_contain_text("消防日查")
        expect(page.locator("[data-connection]")).to_have_text("离线")
        answer_all_pass(page)
        page.get_by_role("button", name="提交").click()
        page.wait_for_url("**/patrol/")
        outbox = page.locator("[data-outbox]")
        expect(outbox).to_be_visible()
        expect(outbox.locator("[data-outbox-count]")).to_contain_text("1")
        screenshot(page, "patrol-360-offline-outbox")
        assert Inspection.objects.count() == 1

        # 4. Back online: it syncs by itself, exactly once, even when asked to sync again.
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        wait_for(lambda: Inspection.objects.count() == 2, timeout=20)
        expect(outbox).to_be_hidden(timeout=10_000)
        page.evaluate("window.SafeGridOutbox.sync()")
        page.reload()
        time.sleep(1.5)
        assert Inspection.objects.count() == 2
        second = Inspection.objects.latest("pk")
        assert second.is_zero_report and second.device_time is not None
        assert not csp_violations, csp_violations
    finally:
        context.close()
