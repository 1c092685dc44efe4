"""The installable patrol app: service worker script, manifest, offline page, and the page shell's links."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from core.testing.personas import make_org, make_user
from orgs.choices import OrgKind
from orgs.roles import Role


def test_service_worker_is_served_from_the_root_uncached_as_javascript(client, db):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    assert reverse("service_worker") == "/sw.js"


def test_service_worker_precaches_the_offline_page_and_the_patrol_assets(client, db):
    body = client.get("/sw.js").content.decode()
    first_line, source = body.split("\n", 1)
    config = json.loads(first_line.removeprefix("self.SAFEGRID_SW = ").removesuffix(";"))

    assert config["offline"] == "/patrol/offline/?standin=1"
    for url in ("/patrol/offline/?standin=1", "/static/core/safegrid.css", "/static/inspections/offline.js",
                "/static/django_htmx/htmx-2.min.js"):
        assert url in config["precache"]
    assert len(config["version"]) == 12
    assert 'addEventListener("fetch"' in source


def test_manifest_describes_the_installable_patrol_app(client, db):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "SafeGrid 校园安全巡查"
    assert data["short_name"] == "SafeGrid 巡查"
    assert (data["start_url"], data["scope"], data["display"], data["lang"]) == ("/patrol/", "/", "standalone", "zh-CN")
    assert data["theme_color"] == "#123a6b"
    assert data["background_color"] == "#f4f6f9"
    sizes = {(icon["sizes"], icon["type"]) for icon in data["icons"]}
    assert {("192x192", "image/png"), ("512x512", "image/png"), ("any", "image/svg+xml")} <= sizes


def test_manifest_icons_exist(client, db):
    for icon in client.get("/manifest.webmanifest").json()["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]


def test_offline_page_needs_no_login_and_explains_the_outbox(client, db):
    response = client.get("/patrol/offline/")

    assert response.status_code == 200
    assert reverse("patrol_offline") == "/patrol/offline/"
    html = response.content.decode()
    assert "当前没有网络连接" in html
    assert "联网后会自动提交" in html
    assert "data-outbox" in html


def test_only_the_workers_copy_of_the_offline_page_reloads_itself(client, db):
    assert "data-offline-standin" in client.get("/patrol/offline/?standin=1").content.decode()
    assert "data-offline-standin" not in client.get("/patrol/offline/").content.decode()


def test_outbox_include_is_hidden_until_the_script_fills_it(client, db):
    html = client.get("/patrol/offline/").content.decode()

    assert '<section class="outbox" data-outbox hidden' in html


@pytest.fixture
def grid_member(db):
    bureau = make_org("pwa-bureau", "测试区教育局", OrgKind.BUREAU)
    school = make_org("pwa-school", "测试实验小学", OrgKind.SCHOOL, bureau)
    return make_user("pwa_bob", school, Role.GRID_MEMBER, name="鲍勃")


def _assert_links_manifest_and_outbox_script(html: str) -> None:
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color" content="#123a6b">' in html
    assert '<script src="/static/inspections/offline.js" defer></script>' in html


@pytest.mark.parametrize("url", ["/accounts/login/", "/patrol/offline/"])
def test_public_pages_link_the_manifest_and_load_the_outbox_script(client, db, url):
    _assert_links_manifest_and_outbox_script(client.get(url).content.decode())


def test_signed_in_home_page_links_the_manifest_and_loads_the_outbox_script(client_for, grid_member):
    response = client_for(grid_member).get("/")

    assert response.status_code == 200
    _assert_links_manifest_and_outbox_script(response.content.decode())
