"""Request id, per-user language, the first-login password change, and the Content-Security-Policy header."""

import uuid
from dataclasses import asdict

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class RequestIdMiddleware:
    """Gives each request an id (kept in audit entries, echoed as X-Request-ID)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming[:32] if incoming.isalnum() else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


def language_for(request) -> str:
    """Simplified Chinese unless the user (or, before login, the language cookie) asks otherwise.

    The browser's Accept-Language is deliberately ignored: SafeGrid is Chinese first.
    """
    supported = {code for code, _label in settings.LANGUAGES}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in supported:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return cookie if cookie in supported else settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        translation.deactivate()
        return response


class PasswordChangeRequiredMiddleware:
    """Accounts created by import (or reset by an administrator) must set a password first."""

    allowed_names = ("password_change", "logout", "set_language", "service_worker", "manifest", "patrol_offline")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith((settings.STATIC_URL, "/api/"))
            and request.path not in {reverse(name) for name in self.allowed_names}
        ):
            return redirect("password_change")
        return self.get_response(request)


class SessionRefreshMiddleware:
    """Moves an active session's idle expiry forward at most once per SESSION_REFRESH_SECONDS.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) costs a database write per
    request; marking it modified once a minute keeps the idle timeout exact to the minute for a
    fraction of that. Only sessions that already exist are touched.
    """

    KEY = "_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.modified:
            import time

            from django.conf import settings

            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the header built once per process. SafeGrid uses no nonces and no
    per-view policies, so the header depends on settings alone (built again when a test changes them);
    a response that carries its own policy (csp_update, csp_exempt…) or a request that asked for a nonce
    goes through django-csp's own path. django-csp builds the policy string on every response: a quarter
    of the whole middleware stack's time on a small page."""

    PER_RESPONSE = frozenset({"_csp_config", "_csp_update", "_csp_replace", "_csp_exempt", "_csp_config_ro",
                              "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro"})
    _built: dict[str, tuple[str, tuple[str, ...]]] = {}

    def process_response(self, request, response):
        if self.PER_RESPONSE.intersection(vars(response)) or getattr(request, "_csp_nonce", None) is not None:
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        if not self._built:
            for header, report_only, setting in ((HEADER, False, "CONTENT_SECURITY_POLICY"),
                                                 (HEADER_REPORT_ONLY, True, "CONTENT_SECURITY_POLICY_REPORT_ONLY")):
                parts = self.get_policy_parts(request=request, response=response, report_only=report_only)
                policy = getattr(settings, setting, None) or {}
                self._built[header] = (build_policy(**asdict(parts), report_only=report_only),
                                       tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ()))
        for header, (value, excluded) in self._built.items():
            if value and header not in response and not request.path_info.startswith(excluded):
                response[header] = value
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


@receiver(setting_changed)
def _policy_settings_changed(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        ContentSecurityPolicyMiddleware._built.clear()
