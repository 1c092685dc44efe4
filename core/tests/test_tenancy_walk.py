"""Every URL that takes an object id answers 404 to a user of a sibling school.

The walk enumerates the URL patterns themselves (web views and API endpoints alike), so a view
added later is covered without touching this file; a scoped model added later must add a factory
to core.testing.factories or the first test fails.
"""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from core.tenancy import scoped_models
from core.testing.factories import FACTORIES, school1_objects

METHODS = ("get", "post", "patch", "delete")


def _patterns(resolver=None, prefix=""):
    """(route template, pattern) for every URL pattern, with the prefixes of its includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def _object_patterns():
    found = []
    for route, pattern in _patterns():
        converters = getattr(pattern.pattern, "converters", {})
        if converters and not getattr(pattern.callback, "public_link", False):  # e.g. 随手拍 by QR, for anyone
            found.append((route, converters))
    return found


def _qr_token(value) -> str:
    from campus.models import Place

    return Place.objects.filter(pk=value).values_list("qr_token", flat=True).first() or f"none-{value}"


def _task_target(value) -> str:
    """A patrol task's target (g<grid id>) for the schedule whose id is the walked value."""
    from inspections.models import Schedule

    schedule = Schedule.objects.filter(pk=value).prefetch_related("grids").first()
    grid = next(iter(schedule.grids.all()), None) if schedule is not None else None
    return f"g{grid.pk}" if grid is not None else "g0"


def _checklist_of_place(value) -> int:
    """A checklist of the school of the place whose id is the walked value (an unplanned inspection)."""
    from campus.models import Place
    from inspections.models import Checklist

    organisation = Place.objects.filter(pk=value).values("organisation")
    return Checklist.objects.filter(organisation__in=organisation).values_list("pk", flat=True).first() or 0


# Path parts that are not the walked object's id, by converter name: how to name it through them.
NON_ID_PARTS = {"token": _qr_token, "target": _task_target, "checklist_id": _checklist_of_place,
                "action": lambda value: "photo"}  # a hazard's workflow action


def _url(route: str, converters: dict, value) -> str:
    url = route
    for name, converter in converters.items():
        kind = {"string": "str"}.get(type(converter).__name__.replace("Converter", "").lower(),
                                     type(converter).__name__.replace("Converter", "").lower())
        part = NON_ID_PARTS[name](value) if name in NON_ID_PARTS else value
        url = url.replace(f"<{kind}:{name}>", str(part)).replace(f"<{name}>", str(part))
    return "/" + url.lstrip("^").rstrip("$")


def _example(schema: dict, components: dict, value):
    """A value that satisfies a JSON schema: ids are the walked id, so the endpoint reaches its lookup."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[-1]], components, value)
    if "anyOf" in schema:
        if any(s.get("type") == "null" for s in schema["anyOf"]):
            return None  # optional references stay empty: only the walked object is looked up
        return _example(next(s for s in schema["anyOf"] if s.get("type") != "null"), components, value)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: _example(prop, components, value) for name, prop in schema.get("properties", {}).items()}
    if kind == "array":
        return [_example(schema["items"], components, value)]
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return False
    return {"date": "2026-10-01", "date-time": "2026-10-01T08:00:00+08:00", "time": "08:00:00"}.get(
        schema.get("format"), "walk")


def _api_bodies() -> dict[tuple[str, str], dict]:
    """(OpenAPI path, method) → the request body schema of every API operation that takes one."""
    from core.api import api

    schema = api.get_openapi_schema()
    bodies = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                bodies[(path, method)] = body
    return bodies, schema.get("components", {}).get("schemas", {})


def _request(client, method: str, url: str, route: str = "", value=None):
    if url.startswith("/api/") and method != "get":
        bodies, components = _api_bodies_cached()
        openapi_path = "/" + route.replace("<", "{").replace(">", "}")
        body = bodies.get((openapi_path, method))
        data = _example(body, components, value) if body else {}
        return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")
    return getattr(client, method)(url)


_BODIES = {}


def _api_bodies_cached():
    if not _BODIES:
        _BODIES["value"] = _api_bodies()
    return _BODIES["value"]


def _visible_ids(user) -> set[str]:
    return {
        str(pk)
        for model in scoped_models()
        for pk in model._default_manager.for_user(user).values_list("pk", flat=True)
    }


def _candidate_ids(owner, sibling, per_model: int = 1) -> list[str]:
    """Ids of the owner's objects, a few per model, that name nothing the sibling may see in any table.

    Ids are per table, so an id of a school1 user may be the id of a school2 audit entry: such ids
    prove nothing and are left out (`_spread_ids` keeps that from emptying a model).
    """
    sibling_sees = _visible_ids(sibling)
    chosen: set[str] = set()
    for model in scoped_models():
        ids = [str(pk) for pk in model._default_manager.for_user(owner).values_list("pk", flat=True)]
        chosen.update([i for i in ids if i not in sibling_sees][:per_model])
    return sorted(chosen, key=int)


def test_every_scoped_model_has_a_walk_factory():
    missing = [m._meta.label for m in scoped_models() if m not in FACTORIES]
    assert not missing, f"add a factory to core/testing/factories.py for: {missing}"


def test_there_are_object_urls_to_walk():
    routes = [route for route, _c in _object_patterns()]
    assert any(r.startswith("api/") for r in routes) and any(not r.startswith("api/") for r in routes)


def _spread_ids() -> None:
    """From here on each table numbers its rows from its own million: an id of school1's row in one table
    cannot also name a row the sibling sees in another (PostgreSQL's sequences are not reset between tests,
    so without this the ids drawn for a model may all be taken and its URLs go unwalked)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for i, model in enumerate(scoped_models(), start=1):
            table, start = model._meta.db_table, i * 1_000_000
            cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
            floor = max(start, cursor.fetchone()[0])
            if connection.vendor == "postgresql":
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, floor])
            else:
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, floor])


@pytest.mark.django_db
def test_sibling_school_gets_404_from_every_object_url(cast, client):
    _spread_ids()
    school1_objects(cast)
    candidates = _candidate_ids(cast.alice, cast.charlie)
    assert candidates, "the fixture gives the walk no usable ids"

    failures, unreached = [], []

    def sibling_tries(route, converters, values):
        client.force_login(cast.charlie, backend="orgs.backends.Backend")
        for value in values:
            url = _url(route, converters, value)
            for method in METHODS:
                status = _request(client, method, url, route, value).status_code
                if status not in (404, 405):
                    failures.append(f"{method.upper()} {url} as sibling-school user → {status}")

    for route, converters in _object_patterns():
        # Which of school1's objects this URL shows its owner (GET changes nothing): the sibling must get 404
        # from every method on exactly those. Ids are unique across tables (_spread_ids), so no other id names
        # an object of this URL's kind.
        client.force_login(cast.alice, backend="orgs.backends.Backend")
        shown = [v for v in candidates
                 if _request(client, "get", _url(route, converters, v), route, v).status_code not in (404, 405)]
        if shown:
            sibling_tries(route, converters, shown)
            continue
        # A URL without GET: every id, every method, for the sibling first; then the owner must reach one.
        sibling_tries(route, converters, candidates)
        client.force_login(cast.alice, backend="orgs.backends.Backend")
        reached = False
        for value in candidates:
            url = _url(route, converters, value)
            statuses = (_request(client, method, url, route, value).status_code for method in METHODS)
            status = next((s for s in statuses if s != 405), 405)
            if status != 404 and status != 405:
                reached = True
                break
        if not reached:
            unreached.append(route)
    assert not failures, "cross-tenant answers:\n" + "\n".join(failures)
    assert not unreached, f"no school1 object reachable by its owner through: {unreached}"
