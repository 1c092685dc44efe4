"""The create/edit page shared by simple objects: validate, call the action, redirect."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _


def form_page(request, form, *, save: Callable, title: str, success: Callable, cancel_url: str,
              template: str = "includes/form_page.html", context: dict | None = None):
    """GET shows the form; a valid POST calls `save(form)` (an action) and redirects to `success(obj)`.

    A rule the action enforces (model validation) comes back onto the form, nothing saved.
    """
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(success(obj))
    return render(request, template, {"form": form, "title": title, "cancel_url": cancel_url, **(context or {})})


def join_messages(messages_list) -> str:
    return _("；").join(str(m) for m in messages_list)


def errors_text(error) -> str:
    """One line naming each bad field and why, from a bound form or a ValidationError."""
    if isinstance(error, ValidationError):
        return join_messages(error.messages)
    parts = []
    for field, errors in error.errors.items():
        label = error.fields[field].label if field in error.fields else ""
        parts.append(_("%(field)s：%(error)s") % {"field": label, "error": errors[0]} if label else errors[0])
    return join_messages(parts)
