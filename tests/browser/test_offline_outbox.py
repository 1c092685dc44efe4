"""The offline outbox in a real phone-sized browser: submissions saved on the phone, sent exactly once.

Runs against inspections/tests/offline_test_urls.py: the whole site plus a small patrol form whose
endpoint follows the outbox contract and records what it receives.
"""

from __future__ import annotations

import io
import time

import pytest
from django.urls import clear_url_caches
from playwright.sync_api import expect
from test_shell import log_in, page_width

from core.testing.personas import make_org, make_user
from inspections.tests import offline_test_urls as site
from orgs.choices import OrgKind
from orgs.roles import Role

pytestmark = [pytest.mark.browser]

FORM = "/patrol/test-form/"
SUBMIT = "form[data-offline-form] button[type=submit]"


@pytest.fixture(autouse=True)
def offline_test_site(settings):
    settings.ROOT_URLCONF = "inspections.tests.offline_test_urls"
    clear_url_caches()
    site.reset()
    yield
    clear_url_caches()


@pytest.fixture
def bob(transactional_db):
    """A grid member: the person who patrols with a phone."""
    bureau = make_org("o-bureau", "测试区教育局", OrgKind.BUREAU)
    school = make_org("o-school", "测试实验小学", OrgKind.SCHOOL, bureau)
    return make_user("bob", school, Role.GRID_MEMBER, name="鲍勃")


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (232, 89, 12)).save(buffer, format="PNG")
    return buffer.getvalue()


def wait_until(page, condition, timeout_s: float = 8.0, message: str = "") -> None:
    """Polls a Python-side condition (what the live server received) while the browser runs."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message or "condition not met in time")
        page.wait_for_timeout(100)


def controlled_form_page(page, live_server):
    """The test form, opened under the control of the service worker (as on a phone's second visit)."""
    page.goto(f"{live_server.url}{FORM}")
    assert page.evaluate("window.isSecureContext"), "service workers need a secure context"
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    return page


def outbox_events(page) -> list[dict]:
    return page.evaluate("window.__outboxEvents || []")


@pytest.fixture
def phone(open_page, live_server, bob):
    page = open_page(360, 740)
    # Records the outbox's announcements on every page load (added by the test, not by the site).
    page.context.add_init_script(
        "window.__outboxEvents = [];"
        "addEventListener('safegrid:outbox', (e) => window.__outboxEvents.push(e.detail));"
    )
    page.csp_violations = []
    page.on("console", lambda message: page.csp_violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    log_in(page, live_server, "bob")
    return controlled_form_page(page, live_server)


def test_a_submission_made_offline_is_sent_once_when_the_signal_returns(phone, live_server, screenshot):
    page = phone
    outbox = page.locator("[data-outbox]")
    expect(outbox).to_be_hidden()

    # Online: sent at once, and the page goes where the server says.
    page.fill("#note", "第一次巡查")
    page.click(SUBMIT)
    page.wait_for_url(f"{live_server.url}{FORM}?sent=1")
    assert [entry["note"] for entry in site.RECEIVED] == ["第一次巡查"]
    assert site.RECEIVED[0]["header_client_id"] == site.RECEIVED[0]["client_id"]

    # Offline: saved on the phone, nothing reaches the server.
    page.context.set_offline(True)
    expect(page.locator("[data-connection]")).to_have_text("离线")
    photo = png_bytes()
    page.fill("#note", "离线巡查")
    page.set_input_files("#photo", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": photo}])
    page.click(SUBMIT)
    expect(page.locator("[data-offline-status]")).to_have_text("已保存在手机上，联网后自动提交")
    expect(outbox).to_be_visible()
    expect(outbox.locator("[data-outbox-count]")).to_have_text("待同步 1 条")
    expect(outbox.locator(".outbox-label")).to_have_text("测试巡查表 · 一号教学楼")
    expect(page.locator("#note")).to_have_value("")
    assert len(site.RECEIVED) == 1
    assert page_width(page) <= 360
    screenshot(page, "offline-outbox-360")

    # Reloading without a signal: the page comes from the service worker's cache, the item is still there.
    views = len(site.PAGE_VIEWS)
    page.reload()
    expect(page.locator("h1")).to_have_text("测试巡查表")
    expect(page.locator("[data-connection]")).to_have_text("离线")
    expect(outbox.locator("[data-outbox-count]")).to_have_text("待同步 1 条")
    assert len(site.PAGE_VIEWS) == views, "the offline reload reached the server"

    # Back online: synced by itself, the photo's bytes intact.
    page.context.set_offline(False)
    expect(outbox).to_be_hidden(timeout=8_000)
    wait_until(page, lambda: len(site.RECEIVED) == 2, message="the queued submission never arrived")
    page.wait_for_function("window.__outboxEvents.some((d) => d.pending === 0)")
    sent = site.RECEIVED[1]
    assert sent["note"] == "离线巡查"
    assert sent["user"] == "bob"
    assert sent["files"] == {"photo": ("photo.png", photo)}
    expect(page.locator("[data-connection]")).to_have_text("在线")

    # Another sync run finds nothing to send: still exactly once.
    page.evaluate("window.SafeGridOutbox.sync()")
    page.reload()
    page.evaluate("window.SafeGridOutbox.sync()")
    assert len(site.RECEIVED) == 2
    assert site.ATTEMPTS.count(sent["client_id"]) == 1
    assert page.csp_violations == []


def test_saved_offline_the_form_goes_on_to_its_next_page(phone, live_server):
    page = phone
    page.goto(f"{live_server.url}{FORM}?next=/patrol/offline/")
    page.context.set_offline(True)

    page.fill("#note", "离线后去下一页")
    page.click(SUBMIT)
    expect(page.locator("[data-offline-status]")).to_have_text("已保存在手机上，联网后自动提交")
    # The next page comes from the phone: here the offline page, showing what waits to be sent.
    page.wait_for_url(f"{live_server.url}/patrol/offline/")
    expect(page.locator("h1")).to_have_text("当前没有网络连接")
    expect(page.locator("[data-outbox-count]")).to_have_text("待同步 1 条")
    expect(page.locator(".outbox-meta")).to_contain_text("等待联网")
    assert site.RECEIVED == []

    # With a signal the offline page loads the real page again, and the outbox is sent from there.
    page.context.set_offline(False)
    wait_until(page, lambda: len(site.RECEIVED) == 1, timeout_s=20, message="the queued submission never arrived")
    expect(page.locator("[data-outbox]")).to_be_hidden()
    assert site.RECEIVED[0]["note"] == "离线后去下一页"


def test_a_lost_answer_is_resent_and_recognised_as_a_duplicate(phone):
    page = phone
    outbox = page.locator("[data-outbox]")

    page.fill("#note", "lose-answer")
    page.click(SUBMIT)
    # The server stored it but the answer was a 500: the phone keeps it and says so.
    expect(page.locator("[data-offline-status]")).to_have_text("已保存在手机上，联网后自动提交")
    expect(outbox.locator("[data-outbox-count]")).to_have_text("待同步 1 条")
    assert len(site.RECEIVED) == 1

    outbox.get_by_role("button", name="立即同步").click()
    expect(outbox).to_be_hidden()
    client_id = site.RECEIVED[0]["client_id"]
    assert site.ATTEMPTS == [client_id, client_id]
    assert len(site.RECEIVED) == 1


def test_a_refused_submission_shows_the_error_and_can_be_discarded(phone, screenshot):
    page = phone
    outbox = page.locator("[data-outbox]")
    page.on("dialog", lambda dialog: dialog.accept())

    page.fill("#note", "refuse")
    page.click(SUBMIT)
    expect(page.locator("[data-offline-status]")).to_have_text(site.REFUSAL)
    item = outbox.locator(".outbox-item")
    expect(item.locator(".outbox-error")).to_have_text(site.REFUSAL)
    expect(item.locator(".outbox-meta")).to_contain_text("未能提交")
    # The form keeps what was typed so it can be corrected.
    expect(page.locator("#note")).to_have_value("refuse")
    assert page_width(page) <= 360
    screenshot(page, "offline-outbox-refused-360")

    # Never retried by itself; 重试 sends it once more, 放弃 removes it.
    page.wait_for_timeout(300)
    assert len(site.ATTEMPTS) == 1
    item.get_by_role("button", name="重试").click()
    wait_until(page, lambda: len(site.ATTEMPTS) == 2)
    expect(item.locator(".outbox-error")).to_have_text(site.REFUSAL)
    item.get_by_role("button", name="放弃").click()
    expect(outbox).to_be_hidden()
    assert page.evaluate("window.SafeGridOutbox.items().then((items) => items.length)") == 0
    assert site.RECEIVED == []


def test_a_corrected_resubmission_replaces_the_refused_one(phone, live_server):
    page = phone

    page.fill("#note", "refuse")
    page.click(SUBMIT)
    expect(page.locator("[data-offline-status]")).to_have_text(site.REFUSAL)
    page.fill("#note", "改正后的说明")
    page.click(SUBMIT)

    page.wait_for_url(f"{live_server.url}{FORM}?sent=1")
    assert [entry["note"] for entry in site.RECEIVED] == ["改正后的说明"]
    expect(page.locator("[data-outbox]")).to_be_hidden()
    assert len(set(site.ATTEMPTS)) == 2, "the corrected submission must have its own client_id"


def test_an_expired_session_keeps_the_item_until_the_person_logs_in_again(phone, live_server):
    page = phone
    outbox = page.locator("[data-outbox]")

    page.context.set_offline(True)
    page.fill("#note", "会话过期前填写")
    page.click(SUBMIT)
    expect(outbox.locator("[data-outbox-count]")).to_have_text("待同步 1 条")
    page.context.clear_cookies(name="sessionid")
    page.context.set_offline(False)

    login_note = outbox.locator("[data-outbox-login]")
    expect(login_note).to_be_visible()
    expect(login_note).to_contain_text("登录已过期，请重新登录后同步")
    expect(login_note.get_by_role("link", name="重新登录")).to_have_attribute(
        "href", "/accounts/login/?next=%2Fpatrol%2Ftest-form%2F")
    expect(outbox.locator(".outbox-meta")).to_contain_text("需重新登录")
    assert site.RECEIVED == []

    log_in(page, live_server, "bob")
    page.goto(f"{live_server.url}{FORM}")
    # The outbox starts hidden before the script has looked at it: wait for the send itself.
    wait_until(page, lambda: len(site.RECEIVED) == 1, message="the kept item was not sent after logging in")
    expect(outbox).to_be_hidden()
    assert [(entry["note"], entry["user"]) for entry in site.RECEIVED] == [("会话过期前填写", "bob")]


def page_is_cached(page, url: str) -> bool:
    return page.evaluate(
        """async (url) => {
            for (const name of await caches.keys()) {
                if (name.startsWith("safegrid-pages-") && await (await caches.open(name)).match(url)) return true;
            }
            return false;
        }""",
        url,
    )


def test_linked_task_pages_are_precached_and_forgotten_on_the_login_page(phone, live_server):
    page = phone
    precached = f"{live_server.url}{FORM}?variant=precached"
    wait_until(page, lambda: page_is_cached(page, precached), message="the linked page was not precached")

    page.context.set_offline(True)
    views = len(site.PAGE_VIEWS)
    page.goto(precached)
    expect(page.locator("h1")).to_have_text("测试巡查表")
    assert len(site.PAGE_VIEWS) == views
    # A patrol page never opened: the offline page instead of the browser's error.
    page.goto(f"{live_server.url}/patrol/never-opened/")
    expect(page.locator("h1")).to_have_text("当前没有网络连接")
    expect(page.locator("[data-connection]")).to_have_text("离线")
    assert page_width(page) <= 360

    # The login page (body[data-offline-clear]) forgets cached pages; the outbox database stays.
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/test-clear/")
    wait_until(page, lambda: not page_is_cached(page, precached), message="cached pages survived the login page")
    assert page.evaluate("indexedDB.databases().then((dbs) => dbs.map((db) => db.name))") == ["safegrid-outbox"]


def test_two_tabs_coming_online_together_send_the_item_once(phone, live_server):
    first = phone
    second = first.context.new_page()
    second.goto(f"{live_server.url}{FORM}")
    first.context.set_offline(True)

    first.fill("#note", "两个标签页")
    first.click(SUBMIT)
    # The other tab hears of it at once.
    expect(second.locator("[data-outbox-count]")).to_have_text("待同步 1 条")

    first.context.set_offline(False)
    for tab in (first, second):
        expect(tab.locator("[data-outbox]")).to_be_hidden(timeout=8_000)
    first.wait_for_timeout(500)
    assert len(site.RECEIVED) == 1
    assert site.ATTEMPTS == [site.RECEIVED[0]["client_id"]], "both tabs sent it"
