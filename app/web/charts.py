"""Accessible charts as server-rendered inline SVG (no JavaScript, no CSS needed).

A chart is a picture of numbers that the page also shows in a table next to
it (``templates/_macros/charts.html`` renders both), so nothing is only in the
picture. The SVG has ``role="img"``, a ``<title>`` that names it and a
``<desc>`` that lists the values, both referenced by id; each bar carries its
label and value as text, so colour is never the only cue. Colours are the
site's ink and brand blue: 16:1 and 7.5:1 against white (WCAG AA needs 4.5:1
for text and 3:1 for graphics).
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup

INK = "#1b1b1b"
BAR = "#00558c"
#: Geometry, in CSS pixels: the SVG has no viewBox, so its text is never scaled
#: down with the picture (a 600-unit viewBox on a 390 px phone drew 9 px labels).
#: Bars are a share of the width; labels wrap to lines short enough for a phone.
FONT_SIZE = 15
LINE = 19
BAR_HEIGHT = 18
ROW_GAP = 10
#: The longest bar, in percent of the chart's width (the value is written after it).
BAR_MAX_PERCENT = 78
#: Characters per label line: about 330 px at 15 px, inside a 390 px screen's margins.
LINE_CHARS = 38
MAX_LINES = 3
#: Shown instead of a bar for a cell held back (too few answers to show).
HIDDEN = "–"

_fallback_ids = itertools.count(1)


def _pairs(rows: Iterable[Any]) -> list[tuple[str, float | None]]:
    """Rows as ``(label, value)``: pairs, or objects with ``label`` and ``count``.
    A value of ``None`` is a cell held back: no bar, and :data:`HIDDEN` for the number."""
    pairs = []
    for row in rows:
        if isinstance(row, Sequence) and not isinstance(row, str):
            label, value = row[0], row[1]
        else:
            label, value = row.label, row.count
        pairs.append((str(label), value))
    return pairs


def _next_id() -> str:
    """A page-unique id when the caller gives none (counted per request)."""
    from flask import g, has_app_context

    if has_app_context():
        g._chart_ids = getattr(g, "_chart_ids", 0) + 1
        return f"chart-{g._chart_ids}"
    return f"chart-{next(_fallback_ids)}"


def _lines(label: str) -> list[str]:
    """The label wrapped to phone-wide lines, at most :data:`MAX_LINES` (the last one cut with "…")."""
    lines = textwrap.wrap(label, LINE_CHARS, break_long_words=True) or [""]
    if len(lines) > MAX_LINES:
        last = " ".join(lines[MAX_LINES - 1 :])
        lines = lines[: MAX_LINES - 1] + [last[: LINE_CHARS - 1].rstrip() + "…"]
    return lines


def bar_chart(title: str, rows: Iterable[Any], *, chart_id: str | None = None, hidden_text: str = "") -> Markup:
    """A horizontal bar chart: each row's label on its lines, the bar and its value under it.

    ``rows`` are ``(label, value)`` pairs or objects with ``label`` and
    ``count``. Values are formatted for the UI language; a value of ``None``
    (held back) is drawn without a bar and described as ``hidden_text``.
    """
    from app.i18n import format_number

    pairs = _pairs(rows)
    chart_id = chart_id or _next_id()
    top = max((value for _, value in pairs if value), default=0) or 1
    described = "; ".join(
        f"{label}: {format_number(value) if value is not None else (hidden_text or HIDDEN)}" for label, value in pairs
    )
    body = []
    y = 4
    for label, value in pairs:
        lines = _lines(label)
        text = Markup("").join(
            Markup('<tspan x="0" dy="{dy}">{line}</tspan>').format(dy=FONT_SIZE if i == 0 else LINE, line=line)
            for i, line in enumerate(lines)
        )
        bar_y = y + LINE * len(lines) + 4
        if value is None:
            bar = Markup('<text x="0" y="{vy}" font-size="{fs}" fill="{ink}">{hidden}</text>').format(
                vy=bar_y + 14, fs=FONT_SIZE, ink=INK, hidden=hidden_text or HIDDEN
            )
        else:
            percent = round(BAR_MAX_PERCENT * value / top, 2) if value > 0 else 0
            bar = Markup(
                '<rect x="0" y="{by}" width="{bw}%" height="{bh}" fill="{bar}"></rect>'
                '<text x="{bw}%" dx="8" y="{vy}" font-size="{fs}" font-weight="bold" fill="{ink}">{value}</text>'
            ).format(
                by=bar_y,
                bw=percent,
                bh=BAR_HEIGHT,
                bar=BAR,
                vy=bar_y + 14,
                fs=FONT_SIZE,
                ink=INK,
                value=format_number(value),
            )
        body.append(
            Markup('<g><text y="{ty}" font-size="{fs}" fill="{ink}">{text}</text>{bar}</g>').format(
                ty=y, fs=FONT_SIZE, ink=INK, text=text, bar=bar
            )
        )
        y = bar_y + BAR_HEIGHT + ROW_GAP
    parts = [
        Markup(
            '<svg class="chart" role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" '
            'width="100%" height="{h}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
        ).format(id=chart_id, h=y),
        Markup('<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>').format(
            chart_id, title, chart_id, described
        ),
        *body,
        Markup("</svg>"),
    ]
    return Markup("").join(parts)
