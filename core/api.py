"""The JSON API at /api/v1/: token and session authentication, error shape, audit log resources.

Every app adds its router in `_mount_routers`; every endpoint fetches through `core.access` like
the web views do, so scoping and 404-for-other-tenants hold here too.

No `from __future__ import annotations` in API modules: django-ninja resolves a paginated
endpoint's string annotations in its own module, where `Query[...]` means nothing.
"""

import datetime
from typing import Annotated

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, FilterLookup, FilterSchema, NinjaAPI, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as InputValidationError
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from orgs.roles import Capability

from . import access
from .audit import Actor
from .models import AuditEvent
from .security import ip_throttled, lockout_message, throttle_message

TOKEN_TOUCH_INTERVAL = datetime.timedelta(minutes=5)


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; revoked or expired tokens are refused (401)."""

    openapi_description = "POST /api/v1/auth/token 获取令牌 (token from POST /api/v1/auth/token)"

    def authenticate(self, request, token):
        from orgs.models import ApiToken

        api_token = ApiToken.find_active(token)
        # An account reset by an administrator is refused until its owner sets a new password,
        # as in the web UI.
        if api_token is None or not api_token.user.is_active or api_token.user.must_change_password:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_TOUCH_INTERVAL:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        request.api_token = api_token
        # The language middleware ran before the token named the user: answer in the user's language.
        translation.activate(api_token.user.language)
        return api_token.user


class SessionCookieAuth(SessionAuth):
    """The web UI's session (CSRF-checked for writes)."""

    def _get_key(self, request):
        # Without a session cookie there is nothing to forge: the caller gets 401, not a CSRF 403.
        if self.param_name not in request.COOKIES:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, _("CSRF 校验失败，请刷新页面后重试。"))
        return request.COOKIES[self.param_name]

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


# --- Errors: {"detail": "..."} in the user's language; 422 adds every field's messages ----------


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    """422: `detail` names the first field and its problem; `errors` lists every field's."""

    detail: str
    errors: dict[str, list[str]]


def _error_body(errors: dict[str, list[str]]) -> dict:
    field, messages = next(iter(errors.items()))
    detail = messages[0] if field == NON_FIELD_ERRORS else f"{field}: {messages[0]}"
    return {"detail": detail, "errors": errors}


def model_validation_error(exc: ModelValidationError, **renames: str) -> Status:
    """A model's ValidationError as a 422; `renames` maps model fields to the API's (parent → parent_id)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    return Status(422, _error_body({renames.get(name, name): messages for name, messages in errors.items()}))


# Pydantic's input errors by type, in the user's language; other types read INVALID_INPUT.
INPUT_ERRORS = {
    "missing": gettext_lazy("此项为必填项。"),
    "enum": gettext_lazy("不是有效的选项。"),
    "int_parsing": gettext_lazy("请输入整数。"),
    "int_type": gettext_lazy("请输入整数。"),
    "bool_parsing": gettext_lazy("请输入 true 或 false。"),
    "bool_type": gettext_lazy("请输入 true 或 false。"),
    "string_type": gettext_lazy("请输入文本。"),
    "datetime_parsing": gettext_lazy("请输入有效的日期时间（ISO 8601）。"),
    "datetime_from_date_parsing": gettext_lazy("请输入有效的日期时间（ISO 8601）。"),
    "greater_than_equal": gettext_lazy("不能小于%(ge)s。"),
    "less_than_equal": gettext_lazy("不能大于%(le)s。"),
}
INVALID_INPUT = gettext_lazy("输入无效。")


def _input_field(loc) -> str:
    """The client's name for an error location: ("body", "data", "kind") → "kind"."""
    source, *rest = loc
    if source == "body":
        rest = rest[1:]  # the endpoint's own name for its body
    return ".".join(str(part) for part in rest) or NON_FIELD_ERRORS


def _input_message(error: dict) -> str:
    return str(INPUT_ERRORS.get(error["type"], INVALID_INPUT)) % error.get("ctx", {})


@api.exception_handler(InputValidationError)
def invalid_input(request, exc):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_input_field(error["loc"]), []).append(_input_message(error))
    return api.create_response(request, _error_body(errors), status=422)


@api.exception_handler(ModelValidationError)
def invalid_object(request, exc):
    status = model_validation_error(exc)
    return api.create_response(request, status.value, status=status.status_code)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("请先登录或提供有效的接口令牌。")}, status=401)


@api.exception_handler(HttpError)
def http_error(request, exc):
    # django-ninja raises its only 400 for a body it cannot parse, with an English message.
    detail = _("请求内容不是有效的 JSON。") if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


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
        return Status(429, {"detail": throttle_message()})
    user = authenticate(request, username=data.username, password=data.password)
    if getattr(request, "axes_locked_out", False):
        # AxesMiddleware then answers with core.security.lockout_response: the same 429, audited.
        return Status(429, {"detail": lockout_message()})
    if user is None:
        return Status(401, {"detail": _("用户名或密码错误。")})
    if user.must_change_password:
        return Status(403, {"detail": _("请先在网页登录并修改初始密码。")})
    # A token exchange is a login: last_login, the audit entry and the reset of failed attempts.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    actor = Actor.from_request(request)
    token, raw = issue_token(Actor(user=user, ip=actor.ip, request_id=actor.request_id), user, data.name)
    return Status(200, {"token": raw, "id": token.id, "expires_at": token.expires_at})


@auth_router.delete("/token", response={204: None, 404: ErrorOut})
def revoke_current_token(request):
    """Revoke the token this request was made with."""
    from orgs.actions import revoke_token

    token = getattr(request, "api_token", None)
    if token is None:
        raise Http404
    revoke_token(Actor.from_request(request), token)
    return Status(204, None)


@auth_router.get("/tokens", response=list[TokenInfo])
def list_tokens(request):
    """The caller's own tokens."""
    from orgs.models import ApiToken

    return ApiToken.objects.filter(user=request.user).order_by("-created_at")


@auth_router.delete("/tokens/{token_id}", response={204: None, 404: ErrorOut})
def revoke_token_by_id(request, token_id: int):
    """Revoke another of the caller's own tokens; anyone else's answers 404."""
    from orgs.actions import revoke_token
    from orgs.models import ApiToken

    token = access.get_for_user(request.user, ApiToken.objects.filter(user=request.user), pk=token_id)
    revoke_token(Actor.from_request(request), token)
    return Status(204, None)


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
    since: Annotated[datetime.datetime | None, FilterLookup("at__gte")] = None
    until: Annotated[datetime.datetime | None, FilterLookup("at__lt")] = None


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
    from campus.api import router as campus_router
    from grids.api import router as grids_router
    from orgs.api import router as orgs_router
    from people.api import router as people_router

    api.add_router("/auth", auth_router)
    api.add_router("/", audit_router)
    api.add_router("/", orgs_router)
    api.add_router("/", campus_router)
    api.add_router("/", people_router)
    api.add_router("/", grids_router)
    api.add_router("/", "inspections.api.router")
    api.add_router("/", "hazards.api.router")
    api.add_router("/", "dashboards.api.router")


_mount_routers()
