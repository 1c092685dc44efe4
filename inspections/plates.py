"""QR patrol plates (巡查点二维码): a printed plate per place with a QR code to its checklist and what to check,
when and how. A PDF sheet per building, four plates to an A4 page, cut along the dashed lines."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import segno

from core.pdf import render_pdf

PLATES_PER_PAGE = 4
# How many entries each section shows before "等N项": a plate has room for about this much at 8-9pt.
SHOWN_WHAT = 4
SHOWN_WHEN = 3
SHOWN_HOW = 4


@dataclass(frozen=True)
class Plate:
    """One printed plate: the place, the link its QR code opens, and the checks done there."""

    place_name: str  # full path, e.g. "教学楼/二层/化学实验室"
    code: str  # the place's code, e.g. "A-2-05"
    url: str  # absolute URL the QR code encodes, carrying the place's random token
    what: list[str]  # 查什么: checklist names
    when: list[str]  # 何时查: e.g. "每天 07:30–08:00", "每学期2次"
    how: list[str]  # 怎么查: short guidance lines
    key_location: bool = False  # 重点部位: marked on the plate


def qr_svg(url: str) -> str:
    """A standalone SVG of a full-size QR code (never a Micro QR, which many phone scanners cannot read) with
    error correction M or better and a 2-module quiet zone. Sized by its viewBox only: the page sets the size."""
    qr = segno.make_qr(url, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", border=2, xmldecl=False, omitsize=True, svgclass=None, lineclass=None)
    return buffer.getvalue().decode("utf-8")


def qr_data_uri(url: str) -> str:
    """The QR code as a data: URL, which print templates (and the CSP) accept without fetching anything."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url).encode("utf-8")).decode("ascii")


def render_plates(*, school_name: str, title: str, plates: list[Plate]) -> bytes:
    """The PDF of a sheet of plates (a building's places, say), four to an A4 page; an empty list gives one page
    saying there is no place."""
    shown = [_shown(plate) for plate in plates]
    sheets = [shown[start:start + PLATES_PER_PAGE] for start in range(0, len(shown), PLATES_PER_PAGE)]
    return render_pdf("pdf/plates.html", {"school_name": school_name, "title": title, "sheets": sheets})


def _shown(plate: Plate) -> dict:
    """What the template prints for a plate: its lists cut to what fits, and a name size by length."""
    length = len(plate.place_name)
    name_size = "large" if length <= 10 else "medium" if length <= 20 else "small"
    return {
        "plate": plate,
        "qr": qr_data_uri(plate.url),
        "name_size": name_size,
        "what": _cut(plate.what, SHOWN_WHAT),
        "when": _cut(plate.when, SHOWN_WHEN),
        "how": _cut(plate.how, SHOWN_HOW),
    }


def _cut(items: list[str], limit: int) -> dict:
    items = [item.strip() for item in items if item and item.strip()]
    return {"items": items[:limit], "total": len(items), "more": len(items) > limit}
