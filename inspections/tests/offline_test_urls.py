"""Test-only URLconf: the whole site plus a small patrol form that follows the offline outbox's contract.

Used by tests/browser/test_offline_outbox.py through `settings.ROOT_URLCONF`. The endpoint keeps what
it receives in module-level lists (the live server runs in a thread of the test process) and answers
like the real patrol views: JSON to `Accept: application/json`, a repeated client_id recognised and
not stored twice. Special `note` values make it misbehave on purpose:
- "refuse": 422 with a Chinese error;
- "lose-answer": stored, but the answer is a 500 as if it had been lost on the way back.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_POST

from safegrid import urls as site_urls

RECEIVED: list[dict] = []  # one entry per stored submission
ATTEMPTS: list[str] = []  # the client_id of every POST that reached the endpoint
PAGE_VIEWS: list[str] = []  # the full path of every GET of the form page

REFUSAL = "测试：这条记录不被接受"

FORM_PAGE = """{% extends "base.html" %}
{% block title %}测试巡查表{% endblock %}
{% block content %}
<div class="actions spread"><h1>测试巡查表</h1><span class="badge" data-connection>在线</span></div>
{% include "inspections/includes/outbox.html" %}
<form method="post" action="{% url 'offline_test_submit' %}" enctype="multipart/form-data" class="card"
      data-offline-form data-offline-label="测试巡查表 · 一号教学楼"
      {% if next %}data-offline-next="{{ next }}"{% endif %}>
  {% csrf_token %}
  <input type="hidden" name="client_id" value="">
  <p class="field"><label for="note">说明</label><input type="text" id="note" name="note" required></p>
  <p class="field"><label for="photo">拍照</label><input type="file" id="photo" name="photo" accept="image/*"></p>
  <button type="submit" class="btn">提交</button>
</form>
<p><a data-precache href="{% url 'offline_test_form' %}?variant=precached">预存页面</a></p>
{% endblock %}
"""

# A bare page carrying the login page's attribute: offline.js forgets cached pages there.
CLEAR_PAGE = """{% load static %}<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>清除</title>
<script src="{% static 'inspections/offline.js' %}" defer></script></head>
<body data-offline-clear><p>已退出</p></body></html>
"""


def reset() -> None:
    RECEIVED.clear()
    ATTEMPTS.clear()
    PAGE_VIEWS.clear()


@login_required
def form_page(request):
    PAGE_VIEWS.append(request.get_full_path())
    # ?next=/url renders the form with data-offline-next (where to go after saving offline).
    context = {"next": request.GET.get("next", "")}
    return HttpResponse(engines["django"].from_string(FORM_PAGE).render(context, request))


@login_required
@require_POST
def submit(request):
    client_id = request.POST.get("client_id", "")
    note = request.POST.get("note", "")
    ATTEMPTS.append(client_id)
    if note == "refuse":
        return JsonResponse({"ok": False, "error": REFUSAL}, status=422)
    duplicate = any(entry["client_id"] == client_id for entry in RECEIVED)
    if not duplicate:
        RECEIVED.append({
            "client_id": client_id,
            "header_client_id": request.headers.get("X-Client-Id", ""),
            "note": note,
            "user": request.user.username,
            "files": {name: (upload.name, upload.read()) for name, upload in request.FILES.items()},
        })
    if note == "lose-answer" and not duplicate:
        return HttpResponse(status=500)
    if "application/json" not in request.headers.get("Accept", ""):
        return redirect("offline_test_form")
    return JsonResponse({"ok": True, "duplicate": duplicate, "redirect": "/patrol/test-form/?sent=1",
                         "message": "已提交"}, status=200 if duplicate else 201)


def clear_page(request):
    return HttpResponse(engines["django"].from_string(CLEAR_PAGE).render({}, request))


urlpatterns = [
    path("patrol/test-form/", form_page, name="offline_test_form"),
    path("patrol/test-form/submit/", submit, name="offline_test_submit"),
    path("test-clear/", clear_page, name="offline_test_clear"),
    *site_urls.urlpatterns,
]
