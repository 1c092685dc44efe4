"""The JSON API at /api/v1/: token and session authentication, error shape, audit log resources.

Every app adds its router in `ROUTERS`; every endpoint fetches through `core.access` like the
web views do, so scoping and 404-for-other-tenants hold here too.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, NinjaAPI, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer, SessionAuth

from orgs.roles import Capability

from . import access
from .audit import Actor
from .models import AuditEvent
from .security import ip_throttled, throttle_message

TOKEN_TOUCH_INTERVAL = datetime.timedelta(minutes=5)


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; revoked or expired tokens are refused (401)."""

    openapi_description = "POST /api/v1/auth/token 获取令牌 (token from POST /api/v1/auth/token)"

    def authenticate(self, request, token):
        from orgs.models import ApiToken

        api_token = ApiToken.find_active(token)
        if api_token is None or not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_TOUCH_INTERVAL:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class SessionCookieAuth(SessionAuth):
    """The web UI's session (CSRF-checked for writes)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and user.must_change_password:
            return None
        return user


api = NinjaAPI(
    title="SafeGrid API",
    version="1",
    description="校园安全网格化管理平台 JSON API. 所有数据按组织范围隔离；他校对象返回 404。",
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionCookieAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("未找到。")}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": _("没有权限。")}, status=403)


class Pagination(PageNumberPagination):
    """`?page=N&page_size=M`, answers {count, items}."""

    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(50, ge=1, le=200)

    def paginate_queryset(self, queryset, pagination: Input, **params):
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "items": queryset[offset: offset + pagination.page_size],
            "count": self._items_count(queryset),
        }


class ErrorOut(Schema):
    detail: str


# --- Authentication: tokens -------------------------------------------------------------------

auth_router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    id: int
    expires_at: datetime.datetime


class TokenInfo(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


@auth_router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut})
def create_token(request, data: TokenIn):
    """Exchange a username and password for a bearer token (shown once). Counts toward lockout."""
    from orgs.actions import issue_token

    if ip_throttled(request):
        return 429, {"detail": throttle_message()}
    user = authenticate(request, username=data.username, password=data.password)
    if getattr(request, "axes_locked_out", False):
        from .security import lockout_message

        return 429, {"detail": lockout_message()}
    if user is None:
        return 401, {"detail": _("用户名或密码错误。")}
    if user.must_change_password:
        return 403, {"detail": _("请先在网页登录并修改初始密码。")}
    actor = Actor.from_request(request)
    token, raw = issue_token(Actor(user=user, ip=actor.ip, request_id=actor.request_id), user, data.name)
    return 200, {"token": raw, "id": token.id, "expires_at": token.expires_at}


@auth_router.delete("/token", response={204: None})
def revoke_current_token(request):
    """Revoke the token this request was made with."""
    from orgs.actions import revoke_token

    token = getattr(request, "api_token", None)
    if token is None:
        raise Http404
    revoke_token(Actor.from_request(request), token)
    return 204, None


@auth_router.get("/tokens", response=list[TokenInfo])
def list_tokens(request):
    """The caller's own tokens."""
    from orgs.models import ApiToken

    return ApiToken.objects.filter(user=request.user).order_by("-created_at")


@auth_router.delete("/tokens/{token_id}", response={204: None, 404: ErrorOut})
def revoke_token_by_id(request, token_id: int):
    from orgs.actions import revoke_token
    from orgs.models import ApiToken

    token = access.get_for_user(request.user, ApiToken.objects.filter(user=request.user), pk=token_id)
    revoke_token(Actor.from_request(request), token)
    return 204, None


# --- Audit log ----------------------------------------------------------------------------------

audit_router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    at: datetime.datetime
    actor_id: int | None
    actor_name: str
    organisation_id: int | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict
    ip: str | None
    request_id: str


class AuditFilter(FilterSchema):
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    actor_id: int | None = None
    since: datetime.datetime | None = Field(None, q="at__gte")
    until: datetime.datetime | None = Field(None, q="at__lt")


@audit_router.get("/audit-events", response=list[AuditEventOut])
@paginate(Pagination)
def list_audit_events(request, filters: Query[AuditFilter]):
    """The audit log of the caller's subtrees (school leaders, safety office, bureau admins)."""
    access.require_capability(request.user, Capability.VIEW_AUDIT)
    return filters.filter(access.scoped(request.user, AuditEvent, Capability.VIEW_AUDIT))


@audit_router.get("/audit-events/{event_id}", response={200: AuditEventOut, 404: ErrorOut})
def get_audit_event(request, event_id: int):
    return access.get_for_user(request.user, AuditEvent, Capability.VIEW_AUDIT, pk=event_id)


def _mount_routers():
    from orgs.api import router as orgs_router

    api.add_router("/auth", auth_router)
    api.add_router("/", audit_router)
    api.add_router("/", orgs_router)


_mount_routers()
