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
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup

INK = "#1b1b1b"
BAR = "#00558c"
#: Geometry, in viewBox units (the SVG scales to the width of its container).
WIDTH = 600
ROW = 46
BAR_HEIGHT = 18
BAR_MAX = 470
LABEL_CHARS = 70

_fallback_ids = itertools.count(1)


def _pairs(rows: Iterable[Any]) -> list[tuple[str, float]]:
    """Rows as ``(label, value)``: pairs, or objects with ``label`` and ``count``."""
    pairs = []
    for row in rows:
        if isinstance(row, Sequence) and not isinstance(row, str):
            label, value = row[0], row[1]
        else:
            label, value = row.label, row.count
        pairs.append((str(label), value or 0))
    return pairs


def _next_id() -> str:
    """A page-unique id when the caller gives none (counted per request)."""
    from flask import g, has_app_context

    if has_app_context():
        g._chart_ids = getattr(g, "_chart_ids", 0) + 1
        return f"chart-{g._chart_ids}"
    return f"chart-{next(_fallback_ids)}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(title: str, rows: Iterable[Any], *, chart_id: str | None = None) -> Markup:
    """A horizontal bar chart: each row's label on a line, the bar and its value under it.

    ``rows`` are ``(label, value)`` pairs or objects with ``label`` and
    ``count``. Values are formatted for the UI language.
    """
    from app.i18n import format_number

    pairs = _pairs(rows)
    chart_id = chart_id or _next_id()
    height = ROW * len(pairs) + 8
    top = max((value for _, value in pairs), default=0) or 1
    described = "; ".join(f"{label}: {format_number(value)}" for label, value in pairs)
    parts = [
        Markup(
            '<svg class="chart" role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" '
            'viewBox="0 0 {w} {h}" width="100%" xmlns="http://www.w3.org/2000/svg" '
            'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif">'
        ).format(id=chart_id, w=WIDTH, h=height),
        Markup('<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>').format(
            chart_id, title, chart_id, described
        ),
    ]
    for i, (label, value) in enumerate(pairs):
        y = 4 + ROW * i
        width = round(BAR_MAX * value / top) if value > 0 else 0
        parts.append(Markup(
            '<g><text x="0" y="{ty}" font-size="15" fill="{ink}">{label}</text>'
            '<rect x="0" y="{by}" width="{bw}" height="{bh}" fill="{bar}"></rect>'
            '<text x="{vx}" y="{vy}" font-size="15" font-weight="bold" fill="{ink}">{value}</text></g>'
        ).format(
            ty=y + 15, ink=INK, label=_short(label), by=y + 22, bw=width, bh=BAR_HEIGHT, bar=BAR,
            vx=width + 8, vy=y + 36, value=format_number(value),
        ))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
