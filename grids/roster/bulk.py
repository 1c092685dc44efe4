"""Creating a run of new rows of one kind at once, with the checks and audit events of one by one.

A district-sized roster creates thousands of people, places, grids and assignments. One at a time,
each costs about ten queries (a query per foreign key and per unique rule in `full_clean`, the row,
its audit event, savepoints) and a coverage-cache write. Here a run of create steps of the same kind
is made in a few statements, with the same outcome:

- every object passes the model's own rules (`full_clean`: fields, choices, `clean()`); the rows it
  refers to are looked up once for the whole run instead of once per object; unique names are left
  to the database's constraints;
- the rows and the new grids' places and time slots are inserted in batches, the audit events by
  COPY on PostgreSQL: the same events, field for field, that `core.actions.create_object` and
  `grids.actions.set_grid_links` record one at a time (`core.audit.unsaved` mirrors `core.audit.record`);
- the receivers of `post_save` (and `m2m_changed` for the grids' places and time slots) are told once
  per run and school, with the run's first object: those that watch these models — the cached coverage
  counts, the inspection plan's data version — ask only whether a school's rows changed (one at a
  time, every row told them again).

If the database refuses the run (a name taken meanwhile), the run is undone to its savepoint and made
again one step at a time through the actions, so that the error names the row exactly as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models.signals import m2m_changed, post_save

from core.audit import AuditAction, diff, record_many, snapshot, unsaved
from grids.models import Grid

BATCH = 1000
LOOKUP_CHUNK = 2000


@dataclasses.dataclass
class Insert:
    """How a create step is made in bulk; the step's `run` makes it alone through the actions."""

    batch: tuple                                       # neighbouring steps with the same key go together
    build: Callable                                    # ctx → the unsaved object, as the action would save it
    keep: Callable | None = None                       # (ctx, obj): where later steps find the new object
    links: Callable | None = None                      # ctx → {"places": [...], "time_slots": [...]} (grids)


def runs(steps: list) -> list[list]:
    """The steps cut into runs: neighbouring create steps with the same batch key, every other step alone."""
    out: list[list] = []
    for step in steps:
        if step.insert is not None and out and out[-1][0].insert is not None \
                and out[-1][0].insert.batch == step.insert.batch:
            out[-1].append(step)
        else:
            out.append([step])
    return out


def _foreign_keys(model) -> list:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.many_to_one]


def _check(obj, foreign_keys) -> None:
    """`full_clean` without its per-object queries: foreign keys are looked up by `_check_references`,
    unique rules are the database's."""
    errors: dict = {}
    for field in foreign_keys:  # null and blank, without the lookup ForeignKey.validate adds
        try:
            models.Field.validate(field, getattr(obj, field.attname), obj)
        except ValidationError as exc:
            errors.setdefault(field.name, []).extend(exc.error_list)
    try:
        obj.full_clean(exclude=[f.name for f in foreign_keys], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _check_references(ctx, steps, objects, foreign_keys, refused) -> None:
    """Every referenced row exists: one query per foreign key (and 2,000 ids) for the whole run; rows this
    transaction has just inserted in bulk are known to."""
    for field in foreign_keys:
        target = field.remote_field.model
        to = field.remote_field.field_name
        known = ctx.inserted[target] if to == target._meta.pk.name else set()
        wanted = sorted({v for v in (getattr(o, field.attname) for o in objects) if v is not None} - known)
        found = set()
        for i in range(0, len(wanted), LOOKUP_CHUNK):
            found.update(target._base_manager.filter(**{f"{to}__in": wanted[i:i + LOOKUP_CHUNK]})
                         .values_list(to, flat=True))
        if len(found) == len(wanted):
            continue
        for step, obj in zip(steps, objects, strict=True):
            value = getattr(obj, field.attname)
            if value is not None and value not in found and value not in known:
                try:
                    field.validate(value, obj)  # the same error one by one would give
                except ValidationError as exc:
                    refused(step, ValidationError({field.name: exc.error_list}))


def create(ctx, steps: list, refused: Callable) -> None:
    """Make a run of create steps of one kind (see the module's docstring). `refused(step, error)` raises."""
    objects = [step.insert.build(ctx) for step in steps]
    model = type(objects[0])
    foreign_keys = _foreign_keys(model)
    for step, obj in zip(steps, objects, strict=True):
        try:
            _check(obj, foreign_keys)
        except ValidationError as exc:
            refused(step, exc)
    _check_references(ctx, steps, objects, foreign_keys, refused)
    links = [step.insert.links(ctx) if step.insert.links else {} for step in steps]
    try:
        with transaction.atomic():
            model._base_manager.bulk_create(objects, batch_size=BATCH)
            _link(objects, links)
    except IntegrityError:
        # A rule the database keeps and the run broke: one step at a time says which row.
        for step in steps:
            try:
                step.run(ctx)
            except ValidationError as exc:
                refused(step, exc)
        return
    ctx.inserted[model].update(obj.pk for obj in objects)
    events = []
    for step, obj, covers in zip(steps, objects, links, strict=True):
        if step.insert.keep is not None:
            step.insert.keep(ctx, obj)
        events.append(unsaved(ctx.actor, AuditAction.CREATE, obj, diff({}, snapshot(obj))))
        changes = {name: [[], sorted(str(o) for o in new)] for name, new in covers.items() if new}
        if changes:  # what set_grid_links records for a new grid
            events.append(unsaved(ctx.actor, AuditAction.UPDATE, obj, changes))
    record_many(events)
    _announce(model, objects, links)


def _announce(model, objects: list, links: list[dict]) -> None:
    """The signals a save would send, once per school: see the module's docstring."""
    first: dict = {}
    for obj in objects:
        first.setdefault(getattr(obj, "organisation_id", None), obj)
    for obj in first.values():
        post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False,
                       using=connection.alias)
    for name in ("places", "time_slots"):
        covering = {}
        for grid, covers in zip(objects, links, strict=True):
            if covers.get(name):
                covering.setdefault(grid.organisation_id, (grid, covers[name]))
        field = Grid._meta.get_field(name)
        for grid, covered in covering.values():
            m2m_changed.send(sender=field.remote_field.through, instance=grid, action="post_add", reverse=False,
                             model=field.related_model, pk_set={o.pk for o in covered}, using=connection.alias)


def _link(grids: list, links: list[dict]) -> None:
    for name, column in (("places", "place_id"), ("time_slots", "timeslot_id")):
        through = getattr(Grid, name).through
        rows = [through(grid_id=grid.pk, **{column: o.pk}) for grid, covers in zip(grids, links, strict=True)
                for o in covers.get(name, ())]
        if rows:
            through.objects.bulk_create(rows, batch_size=BATCH)
