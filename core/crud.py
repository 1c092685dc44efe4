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


def edit_page(request, form_class, *, title: str, success: Callable, cancel_url: str, instance=None,
              initial=None, save: Callable | None = None, **options):
    """Create (no instance) or edit a scoped object through its ScopedModelForm; audited by default
    through core.actions.save_form."""
    from .actions import save_form
    from .audit import Actor

    form = form_class(request.POST or None, user=request.user, instance=instance, initial=initial or {})
    return form_page(request, form, save=save or (lambda f: save_form(Actor.from_request(request), f)),
                     title=title, success=success, cancel_url=cancel_url, **options)


def run_action(request, form, action: Callable, done: str) -> bool:
    """A small POST (add a holder, end an assignment): run `action(cleaned_data)` when the form is
    valid; the outcome, or why not, becomes a message. True when it ran."""
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return False
    messages.success(request, done)
    return True


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
