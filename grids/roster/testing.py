"""Building roster workbooks in tests, from Python lists (no fixture files)."""

from __future__ import annotations

from .schema import CLASSES, GRIDS, PEOPLE, PLACES, SLOTS
from .writer import write_workbook


def workbook(*, people=(), places=(), classes=(), grids=(), slots=()) -> bytes:
    """A workbook with the five sheets; each row a list in the sheet's column order or a dict by column."""
    return write_workbook({PEOPLE.name: list(people), PLACES.name: list(places), CLASSES.name: list(classes),
                           GRIDS.name: list(grids), SLOTS.name: list(slots)}, help_sheet=False)


def person(name, staff_no="", category="在编", department="", title="", phone="", posts="", status="") -> list:
    return [name, staff_no, category, department, title, phone, posts, status]


def place(area, floor="", room="", kind="", key="", hazard="", holders="", duties="") -> list:
    return [area, floor, room, kind, key, hazard, holders, duties]


def school_class(grade, name, teacher, monitor="", classroom="") -> list:
    return [grade, name, teacher, monitor, classroom]


def grid(name, parent="", level="", kind="", holders="", role="", places="", slots="", start="", end="") -> list:
    return [name, parent, level, kind, holders, role, places, slots, start, end]


def slot(name, weekdays, start, end, holders="", areas="") -> list:
    return [name, weekdays, start, end, holders, areas]


def sheets_of(data: bytes) -> dict[str, list[list[str]]]:
    """A workbook's cells as text, header rows left out, for comparing two workbooks."""
    from . import reader, schema

    sheets, errors = reader.read(data)
    assert not errors, errors
    return {name: [[schema.text(row.cells[c]) for c in sheet.column_names] for row in sheets[name]]
            for sheet in (PEOPLE, PLACES, CLASSES, GRIDS, SLOTS) for name in [sheet.name]}
