"""Cross-cutting pages: the audit log and its export, language switch, health check."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from orgs.roles import Capability

from . import access
from .audit import Actor
from .exports import audit_workbook_response
from .filters import AuditFilterForm
from .models import AuditEvent
from .paging import page_context


def _filtered_events(request):
    events = access.scoped(request.user, AuditEvent, Capability.VIEW_AUDIT)
    form = AuditFilterForm(request.user, request.GET or None)
    if form.is_valid():
        events = form.filter(events)
    return form, events


@login_required
def audit_list(request):
    access.require_capability(request.user, Capability.VIEW_AUDIT)
    form, events = _filtered_events(request)
    context = {"form": form, "nav_active": "audit",
               **page_context(request, events.select_related("organisation"))}
    template = "core/audit_list.html#results" if request.htmx else "core/audit_list.html"
    return render(request, template, context)


@login_required
def audit_export(request):
    access.require_capability(request.user, Capability.EXPORT_AUDIT)
    _form, events = _filtered_events(request)
    return audit_workbook_response(Actor.from_request(request), events.select_related("organisation"))


@require_POST
def set_language(request):
    """Switch the interface language: kept on the account, and in a cookie before login."""
    from django.conf import settings

    from orgs.actions import set_user_language

    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if request.user.is_authenticated:
        set_user_language(Actor.from_request(request), request.user, language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE, httponly=True,
    )
    return response


def healthz(request):
    """For the load balancer: the app answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "time": datetime.datetime.now(datetime.UTC).isoformat()})
