"""The page shell in a real browser: login, phone and desktop layout, language switch, CJK fonts, CSP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.testing.personas import PASSWORD, make_org, make_user
from orgs.choices import OrgKind
from orgs.roles import Role

pytestmark = [pytest.mark.browser]


@pytest.fixture
def alice(transactional_db):
    """A school safety officer: the richest home page."""
    bureau = make_org("b-bureau", "测试区教育局", OrgKind.BUREAU)
    school = make_org("b-school", "测试实验小学", OrgKind.SCHOOL, bureau)
    return make_user("alice", school, Role.SAFETY_OFFICE, name="艾丽")


def log_in(page, live_server, username: str) -> None:
    """Through the real login form, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    login_form = page.locator("form[action='/accounts/login/']")
    login_form.locator("input[name=username]").fill(username)
    login_form.locator("input[name=password]").fill(PASSWORD)
    login_form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_phone_home_page_fits_360px_and_shows_chinese(alice, live_server, open_page, screenshot):
    page = open_page(360, 740)
    log_in(page, live_server, "alice")

    assert page_width(page) <= 360
    expect(page.locator(".brand")).to_contain_text("校园安全网格")
    expect(page.locator("h1")).to_have_text("测试实验小学")
    screenshot(page, "home-360")
    # On a phone the navigation folds into the menu; opened, it must still fit the screen.
    page.locator("details.menu > summary").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    assert page_width(page) <= 360
    screenshot(page, "home-360-menu")


def test_desktop_home_page_fits_1280px_and_shows_chinese(alice, live_server, page, screenshot):
    log_in(page, live_server, "alice")

    assert page_width(page) <= 1280
    expect(page.locator(".brand")).to_contain_text("校园安全网格")
    expect(page.locator("h1")).to_have_text("测试实验小学")
    screenshot(page, "home-1280")


def test_desktop_shows_navigation_and_logout_without_a_menu_button(alice, live_server, page):
    log_in(page, live_server, "alice")

    expect(page.locator("details.menu")).to_be_hidden()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible(timeout=1_000)


def test_language_switch_changes_to_english_and_back(alice, live_server, page):
    log_in(page, live_server, "alice")
    switch = page.locator("header form.lang-switch")

    switch.locator("button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(switch.locator("button[aria-pressed=true]")).to_have_attribute("value", "en")

    switch.locator("button[value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(switch.locator("button[aria-pressed=true]")).to_have_attribute("value", "zh-hans")


def test_chinese_renders_with_a_cjk_font_not_tofu(live_server, page, transactional_db):
    page.goto(f"{live_server.url}/accounts/login/")
    heading = page.locator(".login-wrap h2")
    expect(heading).to_have_text("登录")

    # Which installed fonts Chromium actually used to draw the heading's glyphs.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": ".login-wrap h2"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    assert any(re.search(r"Noto Sans CJK|Noto Serif CJK", font["familyName"]) for font in fonts), fonts

    # Tofu draws every missing character as the same box: two different characters drawn in the
    # page's own font must differ, and both must leave ink.
    glyphs = page.evaluate(
        """() => {
            const font = getComputedStyle(document.body).font;
            const draw = (text) => {
                const canvas = document.createElement("canvas");
                canvas.width = 64; canvas.height = 64;
                const ctx = canvas.getContext("2d");
                ctx.font = font.replace(/\\d+(\\.\\d+)?px/, "48px");
                ctx.textBaseline = "top";
                ctx.fillText(text, 4, 4);
                return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3));
            };
            const an = draw("安"), quan = draw("全");
            return {
                inkAn: an.filter(a => a > 0).length,
                inkQuan: quan.filter(a => a > 0).length,
                same: an.every((a, i) => a === quan[i]),
            };
        }"""
    )
    assert glyphs["inkAn"] > 0 and glyphs["inkQuan"] > 0, glyphs
    assert not glyphs["same"], "安 and 全 render identically: CJK glyphs are missing (tofu)"


def test_home_page_breaks_no_content_security_policy_rule(alice, live_server, page):
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    log_in(page, live_server, "alice")
    page.reload()

    assert violations == []
