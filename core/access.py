"""Access helpers: the only way views, exports and API endpoints fetch tenant data.

Outside the user's subtrees an object does not exist (404, same as a missing id); inside them
but without the capability the user is refused (403).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404


def scoped(user, model_or_qs, capability: str | None = None) -> models.QuerySet:
    """The rows of a model (or a queryset of it) that the user may see."""
    qs = model_or_qs._default_manager.all() if isinstance(model_or_qs, type) else model_or_qs
    return qs.for_user(user, capability)


def get_for_user(user, model_or_qs, capability: str | None = None, **lookup):
    """One object the user may see, or 404. With a capability: 403 when seen but not allowed."""
    try:
        obj = scoped(user, model_or_qs).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if capability is not None and not scoped(user, type(obj), capability).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


def require_capability(user, capability: str, organisation=None) -> None:
    if not user.has_capability(capability, organisation):
        raise PermissionDenied
