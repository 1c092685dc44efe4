"""Login, failed login and logout go into the audit log.

Django sends these signals from every authentication path (web form, API token endpoint), so a
receiver is the one place that sees them all.
"""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import Actor, AuditAction, record


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    actor = Actor.from_request(request) if request is not None else Actor()
    actor = Actor(user=user, ip=actor.ip, request_id=actor.request_id)
    record(actor, AuditAction.LOGIN, user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is None:
        return
    actor = Actor.from_request(request)
    record(Actor(user=user, ip=actor.ip, request_id=actor.request_id), AuditAction.LOGOUT, user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    from orgs.models import User

    username = credentials.get("username", "") or ""
    user = User.objects.filter(username=username).first() if username else None
    actor = Actor.from_request(request) if request is not None else Actor()
    record(
        Actor(user=None, ip=actor.ip, request_id=actor.request_id),
        AuditAction.LOGIN_FAILED,
        user,
        object_type="orgs.user",
        object_repr=username[:150],
        organisation=user.audit_organisation() if user else None,
        actor_name=username[:150] or "anonymous",
    )


@receiver(user_logged_in)
def session_fresh_at_login(sender, request, user, **kwargs):
    """A new session counts as just refreshed (see core.middleware.SessionRefreshMiddleware)."""
    from .middleware import SessionRefreshMiddleware

    session = getattr(request, "session", None) if request is not None else None
    if session is not None:
        session[SessionRefreshMiddleware.KEY] = int(time.time())
