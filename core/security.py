"""Client addresses, the login IP throttle and the lockout answer."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the address our own trusted proxies saw."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR") or None


def client_ip_for_axes(request) -> str | None:
    return client_ip(request)


def ip_throttled(request, now=None) -> bool:
    """Too many failed logins from this address within the lockout window (any usernames)."""
    from axes.models import AccessAttempt
    from django.db.models import Sum

    ip = client_ip(request)
    if not ip:
        return False
    since = (now or timezone.now()) - settings.AXES_COOLOFF_TIME
    failures = (
        AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since)
        .aggregate(total=Sum("failures_since_start"))["total"]
        or 0
    )
    return failures >= settings.IP_THROTTLE_FAILURES


def lockout_minutes() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    return int(cooloff.total_seconds() // 60) if isinstance(cooloff, datetime.timedelta) else 15


def lockout_message() -> str:
    return _("登录失败次数过多，账户已锁定，请%(minutes)d分钟后再试。") % {"minutes": lockout_minutes()}


def throttle_message() -> str:
    return _("该地址登录失败次数过多，请%(minutes)d分钟后再试。") % {"minutes": lockout_minutes()}


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """django-axes calls this when a locked-out account tries again: 429, in Chinese."""
    from .audit import Actor, AuditAction, record

    username = (credentials or {}).get("username", "") if isinstance(credentials, dict) else ""
    record(Actor.from_request(request), AuditAction.LOCKED_OUT, object_type="orgs.user",
           object_repr=username, organisation=_organisation_of(username))
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429)
    from orgs.forms import LoginForm

    form = LoginForm(request, data=None)
    return render(request, "registration/login.html",
                  {"form": form, "error": lockout_message()}, status=429)


def _organisation_of(username: str):
    from orgs.models import User

    user = User.objects.filter(username=username).first() if username else None
    return user.audit_organisation() if user else None
