"""Generic audited writes. Domain apps' actions build on these; views never save models directly."""

from __future__ import annotations

from django.db import transaction

from .audit import Actor, AuditAction, diff, record, snapshot


@transaction.atomic
def create_object(actor: Actor, obj):
    """Save a new object and record its creation with every field as 'after'."""
    obj.full_clean()
    obj.save()
    record(actor, AuditAction.CREATE, obj, changes=diff({}, snapshot(obj)))
    return obj


@transaction.atomic
def update_object(actor: Actor, obj, **values):
    """Apply `values` to a saved object; record only the fields that changed (nothing if none did)."""
    before = snapshot(obj._meta.model._base_manager.get(pk=obj.pk))
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    changes = diff(before, snapshot(obj))
    if changes:
        record(actor, AuditAction.UPDATE, obj, changes=changes)
    return obj


@transaction.atomic
def delete_object(actor: Actor, obj) -> None:
    """Delete an object and record what it held."""
    before = snapshot(obj)
    organisation = obj.audit_organisation() if hasattr(obj, "audit_organisation") else None
    record(actor, AuditAction.DELETE, obj, organisation=organisation, changes=diff(before, {}))
    obj.delete()


def save_form(actor: Actor, form, **extra):
    """Create or update through a bound, valid ModelForm, with `extra` fields set by the view."""
    obj = form.instance
    if obj.pk is None:
        obj = form.save(commit=False)
        for name, value in extra.items():
            setattr(obj, name, value)
        obj = create_object(actor, obj)
        form.save_m2m()
        return obj
    values = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
    values.update(extra)
    return update_object(actor, obj, **values)
