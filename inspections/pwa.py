"""Installable patrol app: the service worker script, the web app manifest and the offline page.

The service worker (static/inspections/sw.js) is served from the site root so that its scope can be
`/`; this view puts a one-line configuration in front of it: the URLs to precache (as `static()`
spells them, hashed in production) and a version made from the script, those URLs and the files'
contents. A deploy that changes any of them changes the script's bytes, so phones install the new
worker and drop the old caches.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.jinja import htmx_script

SW_SOURCE = "inspections/sw.js"
# Static files every patrol page needs, precached when the worker installs (besides htmx).
PRECACHE_STATIC = (
    "core/safegrid.css",
    "core/favicon.svg",
    "inspections/offline.js",
    "inspections/icons/icon-192.png",
)
# Colours of static/core/safegrid.css (--brand, --bg).
THEME_COLOR = "#123a6b"
BACKGROUND_COLOR = "#f4f6f9"


def _read_static(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, "rb") as handle:
        return handle.read()


def _htmx_paths() -> list[str]:
    """The static URLs django-htmx's {% htmx_script %} loads, whatever its version."""
    return re.findall(r'src="([^"]+)"', str(htmx_script()))


def _service_worker() -> bytes:
    source = _read_static(SW_SOURCE)
    # The copy the worker keeps says it stands in for another page (see offline()).
    offline_url = reverse("patrol_offline") + "?standin=1"
    static_names = list(PRECACHE_STATIC)
    precache = [offline_url, *(static(name) for name in static_names), *_htmx_paths()]
    digest = hashlib.sha256(source)
    digest.update(json.dumps(precache).encode())
    for name in static_names:
        digest.update(_read_static(name))
    digest.update(get_template("inspections/offline.html").template.source.encode())
    config = {"version": digest.hexdigest()[:12], "offline": offline_url, "precache": precache}
    return b"self.SAFEGRID_SW = " + json.dumps(config).encode() + b";\n" + source


@functools.cache
def _service_worker_cached() -> bytes:
    return _service_worker()


@require_GET
def service_worker(request):
    """/sw.js: the worker's scope is the whole site, its caches only touch patrol pages and static files."""
    body = _service_worker() if settings.DEBUG else _service_worker_cached()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request):
    """/manifest.webmanifest: lets a phone install the patrol pages as an app."""
    data = {
        "id": "/patrol/",
        "name": _("SafeGrid 校园安全巡查"),
        "short_name": _("SafeGrid 巡查"),
        "description": _("校园安全网格巡查：没有网络时也能填写，联网后自动提交。"),
        "start_url": "/patrol/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "lang": "zh-CN",
        "dir": "ltr",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": static("inspections/icons/icon-192.png"), "sizes": "192x192", "type": "image/png",
             "purpose": "any"},
            {"src": static("inspections/icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "any"},
            {"src": static("inspections/icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
            {"src": static("inspections/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml",
             "purpose": "any"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
def offline(request):
    """/patrol/offline/: what the worker shows for a patrol page it has no copy of. No login: it is cached.

    The worker's copy (?standin=1) is marked so that offline.js, once there is a signal, loads the page that
    was asked for instead; opened for itself, the page stays put.
    """
    return render(request, "inspections/offline.html", {"standin": "standin" in request.GET})
