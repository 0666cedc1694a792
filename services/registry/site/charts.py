"""Charts drawn on the server as SVG: no script, no CDN, readable offline and printable.

Each chart comes with the table of its figures beside it (:func:`figure`): the picture is for
the eye, the table for screen readers and for whoever wants the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

CELL_W, CELL_H, LABEL_W, HEAD_H = 64, 26, 150, 30
SCALE = ("#fff7e0", "#fde3a7", "#fbc768", "#f2a33a", "#d97b1c", "#a8550d")
"""Light to dark, amber: more stars, darker cell (the text turns white on the dark end)."""


def _shade(value: float, top: float) -> tuple[str, str]:
    """The fill for ``value`` out of ``top``, and a text colour that reads on it."""
    if top <= 0 or value <= 0:
        return "#f4f4f4", "#555"
    step = min(len(SCALE) - 1, max(1, round(value / top * (len(SCALE) - 1))))
    return SCALE[step], "#fff" if step >= 4 else "#1b1b1b"


def heat_grid(
    label: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: dict[tuple[int, int], tuple[float, str]],
    top: float,
) -> str:
    """A grid of ``rows`` × ``columns``: each cell (row, column) filled by its value out of
    ``top`` and showing its text; an empty cell stays grey. The labels' column is as wide as the
    longest label (a Chinese character is about 13 px at 12 px type)."""
    label_w = max(LABEL_W, 13 * max((len(r) for r in rows), default=0) + 12)
    width = label_w + CELL_W * len(columns) + 4
    height = HEAD_H + CELL_H * len(rows) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heat" role="img" '
        f'aria-label="{escape(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(label)}</title>'
    ]
    for c, column in enumerate(columns):
        x = label_w + c * CELL_W + CELL_W / 2
        parts.append(
            f'<text x="{x:.0f}" y="{HEAD_H - 10}" text-anchor="middle" class="head">'
            f"{escape(column)}</text>"
        )
    for r, row in enumerate(rows):
        y = HEAD_H + r * CELL_H
        parts.append(
            f'<text x="{label_w - 8}" y="{y + CELL_H / 2 + 5:.0f}" text-anchor="end">'
            f"{escape(row)}</text>"
        )
        for c in range(len(columns)):
            value, text = cells.get((r, c), (0.0, ""))
            fill, ink = _shade(value, top)
            x = label_w + c * CELL_W
            parts.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{CELL_W - 2}" height="{CELL_H - 2}" '
                f'rx="3" fill="{fill}"><title>{escape(row)} · {escape(columns[c])}: '
                f"{escape(text or '0')}</title></rect>"
            )
            if text:
                parts.append(
                    f'<text x="{x + CELL_W / 2:.0f}" y="{y + CELL_H / 2 + 5:.0f}" '
                    f'text-anchor="middle" fill="{ink}">{escape(text)}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def bars(label: str, items: Sequence[tuple[str, int]], colour: str = "#2f6db5") -> str:
    """Horizontal bars, one per item, longest for the largest value: a funnel reads downward."""
    top = max((value for _, value in items), default=0) or 1
    bar_w, row_h = 320, 24
    width, height = LABEL_W + bar_w + 50, row_h * len(items) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" role="img" '
        f'aria-label="{escape(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(label)}</title>'
    ]
    for i, (name, value) in enumerate(items):
        y = 4 + i * row_h
        length = bar_w * value / top
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + 16}" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{max(length, 1):.1f}" height="{row_h - 6}" '
            f'rx="2" fill="{colour if value else "#ccc"}"><title>{escape(name)}: {value}</title>'
            f'</rect><text x="{LABEL_W + length + 6:.1f}" y="{y + 16}">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stars_over_years(label: str, items: Sequence[tuple[int, int]]) -> str:
    """One column per year, as high as its stars (1–5), the stars written above it."""
    col_w, plot_h, axis_w = 56, 150, 30
    width, height = axis_w + col_w * max(len(items), 1) + 10, plot_h + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="years" role="img" '
        f'aria-label="{escape(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(label)}</title>'
    ]
    for n in range(1, 6):
        y = 20 + plot_h - plot_h * n / 5
        parts.append(
            f'<line x1="{axis_w}" x2="{width - 6}" y1="{y:.0f}" y2="{y:.0f}" stroke="#e3e3e3"/>'
            f'<text x="{axis_w - 6}" y="{y + 4:.0f}" text-anchor="end" class="axis">{n}</text>'
        )
    for i, (year, stars) in enumerate(items):
        x = axis_w + i * col_w + 8
        h = plot_h * stars / 5
        fill, _ = _shade(stars, 5)
        parts.append(
            f'<rect x="{x}" y="{20 + plot_h - h:.0f}" width="{col_w - 16}" height="{h:.0f}" '
            f'rx="2" fill="{fill}" stroke="#a8550d"><title>{year}: {stars}★</title></rect>'
            f'<text x="{x + (col_w - 16) / 2:.0f}" y="{14 + plot_h - h:.0f}" '
            f'text-anchor="middle">{"★" * stars}</text>'
            f'<text x="{x + (col_w - 16) / 2:.0f}" y="{plot_h + 38}" text-anchor="middle">'
            f"{year}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def figure(caption: str, svg: str, table: str) -> str:
    """The chart and its table side by side, under one caption."""
    return (
        f'<figure class="chart"><figcaption>{escape(caption)}</figcaption>'
        f'<div class="pair"><div class="picture">{svg}</div>{table}</div></figure>'
    )
