"""A hazard's whole life in real Chromium: a class teacher reports it on a 360 px phone with a photo, the
safety office assigns it with a deadline, the teacher marks it fixed with an after photo, the safety office
verifies it (someone other than the fixer), and it shows closed in the register and in the statistics."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect
from test_shell import log_in, page_width

from core.actions import update_object
from core.audit import Actor
from core.testing.personas import make_org, make_user
from core.testing.photos import jpeg_bytes
from core.testing.school import make_school
from hazards.models import Hazard
from orgs.choices import OrgKind
from orgs.roles import Role

pytestmark = [pytest.mark.browser]


@pytest.fixture
def school(transactional_db):
    bureau = make_org("h-bureau", "测试区教育局", OrgKind.BUREAU)
    org = make_org("h-school", "测试实验小学", OrgKind.SCHOOL, bureau)
    school = make_school(org)
    update_object(Actor(), school.wang, user=make_user("wang", org, Role.GRID_MEMBER, name="王老师"))
    make_user("alice", org, Role.SAFETY_OFFICE, name="艾丽")
    return school


def photo(name: str) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes()}


def test_report_assign_fix_and_verify_a_hazard_then_see_it_closed(live_server, open_page, school, screenshot):
    csp_violations = []

    def phone_of(username):
        page = open_page(360, 740)
        page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m.text))
        log_in(page, live_server, username)
        return page

    # 1. The class teacher reports it on the phone, from classroom 101, with a photo.
    wang = phone_of("wang")
    wang.goto(f"{live_server.url}/hazards/new/?place={school.room101.pk}")
    expect(wang.locator("select[name=place]")).to_have_value(str(school.room101.pk))
    assert not wang.locator("textarea[name=fix_note]").is_visible()  # shown only for 当场整改
    wang.locator("textarea[name=description]").fill("教室后门被课桌堵住，无法打开")
    wang.locator("select[name=topic]").select_option("fire")
    wang.locator("input[name=photo]").set_input_files(photo("后门.jpg"))
    assert page_width(wang) <= 360
    screenshot(wang, "hazard-report-360")
    wang.locator("form.hazard-report button[type=submit]").click()
    expect(wang.locator("h1")).to_contain_text("教室后门被课桌堵住")
    hazard = Hazard.objects.get()
    assert hazard.state == "reported" and hazard.photos.filter(kind="before").count() == 1

    # 2. The safety office assigns it to the teacher with a deadline.
    alice = phone_of("alice")
    alice.goto(f"{live_server.url}/hazards/{hazard.pk}/")
    deadline = datetime.date.today() + datetime.timedelta(days=3)
    assign = alice.locator(f"form[action='/hazards/{hazard.pk}/assign/']")
    assign.locator("select[name=responsible]").select_option(str(school.wang.pk))
    assign.locator("input[name=deadline]").fill(deadline.isoformat())
    assign.locator("textarea[name=measures]").fill("清理课桌，保持通道畅通")
    assign.locator("button[type=submit]").click()
    expect(alice.locator(".messages")).to_contain_text("交办整改")
    expect(alice.locator(".hazard-state")).to_contain_text("整改中")

    # 3. The teacher finds it under "my hazards" and marks it fixed with an after photo.
    wang.goto(f"{live_server.url}/hazards/mine/")
    wang.locator(".hazard-cards a", has_text="教室后门被课桌堵住").first.click()
    fix = wang.locator(f"form[action='/hazards/{hazard.pk}/submit_fix/']")
    fix.locator("textarea[name=note]").fill("课桌已移开，后门可正常开启")
    fix.locator("input[name=after_photo]").set_input_files(photo("整改后.jpg"))
    assert page_width(wang) <= 360
    screenshot(wang, "hazard-fix-360")
    fix.locator("button[type=submit]").click()
    expect(wang.locator(".hazard-state")).to_contain_text("待验收")
    expect(wang.locator("form[action$='/verify/']")).to_have_count(0)  # the fixer cannot verify

    # 4. The safety office verifies it: closed (销号).
    alice.goto(f"{live_server.url}/hazards/{hazard.pk}/")
    expect(alice.locator(".photo-grid img")).to_have_count(2)
    alice.locator(f"form[action='/hazards/{hazard.pk}/verify/'] button[type=submit]").click()
    expect(alice.locator(".hazard-state")).to_contain_text("已销号")
    hazard.refresh_from_db()
    assert (hazard.state, hazard.fixed_by.username, hazard.verified_by.username) == ("closed", "wang", "alice")

    # 5. Closed in the register and counted in the statistics.
    alice.goto(f"{live_server.url}/hazards/?state=closed")
    expect(alice.locator("table")).to_contain_text("教室后门被课桌堵住")
    alice.goto(f"{live_server.url}/hazards/statistics/")
    expect(alice.locator("[data-figure=closed]")).to_have_text("1")
    assert page_width(alice) <= 360
    screenshot(alice, "hazard-statistics-360")
    assert not csp_violations
