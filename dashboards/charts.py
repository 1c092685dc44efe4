"""Server-side SVG charts for the dashboards: small pure functions returning markup marked safe.

No script and no style attribute (the Content-Security-Policy allows neither): sizes and positions are
SVG presentation attributes, colours come from CSS classes in static/dashboards/dashboards.css. Every
label is escaped. Each chart is drawn in a viewBox about a phone's width, so it scales down to 360 px
and up (to the CSS's max-width) without its text becoming unreadable; the page puts the same numbers
beside it in a table.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
HEIGHT = 200
TOP, BOTTOM, LEFT, RIGHT = 18, 22, 30, 6  # margins of the plot area (labels above the bars, axis below)


def _number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return f"{text}{unit}"


def _coord(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_max(value: float) -> float:
    """The axis's top: the data's maximum rounded up to 1, 2 or 5 × a power of ten (at least 2, so that the
    half-way line of a chart of counts is a whole number)."""
    if value <= 2:
        return 2
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover (the loop ends at 10)


def _svg(title: str, body: list[str], css: str, height: int = HEIGHT) -> SafeString:
    # role=img with an aria-label: a screen reader hears the title; the table beside has the numbers.
    return mark_safe(
        f'<svg class="chart {escape(css)}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>')


def _axis(top_value: float, unit: str, plot_height: float) -> list[str]:
    """Horizontal grid lines at 0, half and the top, labelled on the left."""
    parts = []
    for fraction in (0, 0.5, 1):
        y = TOP + plot_height * (1 - fraction)
        parts.append(f'<line class="grid-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_coord(y)}" y2="{_coord(y)}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 3}" y="{_coord(y + 4)}" text-anchor="end">'
                     f'{escape(_number(top_value * fraction if fraction != 0.5 else top_value / 2, unit))}</text>')
    return parts


def column_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | int | None], str]], *,
                 title: str, unit: str = "", max_value: float | None = None) -> SafeString:
    """Columns per label, one per series side by side: `series` is [(name, values, css class)]. A value of
    None draws nothing (no data), unlike 0. A legend names each series when there is more than one."""
    values = [v for _name, vals, _css in series for v in vals if v is not None]
    top_value = max_value if max_value is not None else _nice_max(max(values, default=0))
    legend = len(series) > 1
    height = HEIGHT + (16 if legend else 0)
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)
    parts = _axis(top_value, unit, plot_height)
    for i, label in enumerate(labels):
        x0 = LEFT + slot * i + slot * 0.1
        for j, (name, vals, css) in enumerate(series):
            value = vals[i] if i < len(vals) else None
            if value is None:
                continue
            h = plot_height * min(value, top_value) / top_value if top_value else 0
            x, y = x0 + bar * j, TOP + plot_height - h
            parts.append(f'<rect class="bar {escape(css)}" x="{_coord(x)}" y="{_coord(y)}" width="{_coord(bar)}"'
                         f' height="{_coord(h)}"><title>{escape(label)} {escape(name)}{escape(_number(value, unit))}'
                         f'</title></rect>')
            # Side by side, narrow columns' numbers would overlap: the table beside has them.
            if len(series) == 1 or (bar >= 16 and value):
                parts.append(f'<text class="value" x="{_coord(x + bar / 2)}" y="{_coord(y - 3)}" text-anchor="middle">'
                             f'{escape(_number(value))}</text>')
        parts.append(f'<text class="axis" x="{_coord(LEFT + slot * (i + 0.5))}" y="{HEIGHT - 6}"'
                     f' text-anchor="middle">{escape(label)}</text>')
    if legend:
        x = LEFT
        for name, _vals, css in series:
            parts.append(f'<rect class="bar {escape(css)}" x="{x}" y="{HEIGHT + 3}" width="10" height="10"/>'
                         f'<text class="axis" x="{x + 14}" y="{HEIGHT + 12}">{escape(name)}</text>')
            x += 28 + 12 * len(name)
    return _svg(title, parts, "columns", height)


def line_chart(labels: Sequence[str], values: Sequence[float | int | None], *, title: str, unit: str = "",
               max_value: float | None = None, css: str = "") -> SafeString:
    """A line through the values with a dot and its number at each point; None (no data) breaks the line."""
    known = [v for v in values if v is not None]
    top_value = max_value if max_value is not None else _nice_max(max(known, default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(labels), 1)
    parts = _axis(top_value, unit, plot_height)
    segments: list[list[tuple[float, float]]] = [[]]
    points = []
    for i, label in enumerate(labels):
        x = LEFT + slot * (i + 0.5)
        parts.append(f'<text class="axis" x="{_coord(x)}" y="{HEIGHT - 6}" text-anchor="middle">{escape(label)}</text>')
        value = values[i] if i < len(values) else None
        if value is None:
            segments.append([])
            continue
        y = TOP + plot_height * (1 - min(value, top_value) / top_value) if top_value else TOP + plot_height
        segments[-1].append((x, y))
        points.append((x, y, label, value))
    for segment in segments:
        if len(segment) > 1:
            coords = " ".join(f"{_coord(x)},{_coord(y)}" for x, y in segment)
            parts.append(f'<polyline class="line {escape(css)}" points="{coords}" fill="none"/>')
    for x, y, label, value in points:
        parts.append(f'<circle class="dot {escape(css)}" cx="{_coord(x)}" cy="{_coord(y)}" r="3">'
                     f'<title>{escape(label)} {escape(_number(value, unit))}</title></circle>'
                     f'<text class="value" x="{_coord(x)}" y="{_coord(y - 6)}" text-anchor="middle">'
                     f'{escape(_number(value))}</text>')
    return _svg(title, parts, "lines")


def bar_list(rows: Sequence[tuple[str, float | int, str]], *, title: str, unit: str = "",
             max_value: float | None = None) -> SafeString:
    """Horizontal bars, one row per (label, value, css class), the label on the left and the number at the
    bar's end: for a handful of categories (a school's open hazards by state)."""
    row_height, label_width = 26, 84
    height = max(len(rows), 1) * row_height + 6
    top_value = max_value if max_value is not None else max([v for _l, v, _c in rows] + [0]) or 1
    plot_width = WIDTH - label_width - 40
    parts = []
    for i, (label, value, css) in enumerate(rows):
        y = 4 + i * row_height
        w = plot_width * min(value, top_value) / top_value if top_value else 0
        parts.append(f'<text class="axis label" x="{label_width - 6}" y="{y + 15}" text-anchor="end">'
                     f'{escape(label)}</text>'
                     f'<rect class="track" x="{label_width}" y="{y + 3}" width="{_coord(plot_width)}" height="16"/>'
                     f'<rect class="bar {escape(css)}" x="{label_width}" y="{y + 3}" width="{_coord(w)}" height="16">'
                     f'<title>{escape(label)} {escape(_number(value, unit))}</title></rect>'
                     f'<text class="value" x="{_coord(label_width + w + 4)}" y="{y + 15}">'
                     f'{escape(_number(value, unit))}</text>')
    return _svg(title, parts, "bars", height)
