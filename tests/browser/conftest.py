"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

Skipped where Chromium is missing, unless SAFEGRID_REQUIRE_BROWSER=1 (CI), which fails them.
Never `playwright install`: the bundled browsers are not used.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# Short waits: a page of ours answers in milliseconds, so a failure should not hang for 30 s.
TIMEOUT_MS = 5_000


def _browser_required() -> bool:
    return os.environ.get("SAFEGRID_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (Debian package chromium)"
        if _browser_required():
            pytest.fail(f"{reason} and SAFEGRID_REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """open_page(width, height): a fresh context (no cookies) and page at that viewport."""
    contexts = []

    def open_(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    """A desktop-sized page (1280×800)."""
    return open_page(1280, 800)


@pytest.fixture
def screenshot():
    """screenshot(page, name): a full-page PNG under artifacts/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
