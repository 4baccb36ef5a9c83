"""QR codes as inline SVG, for printed posters that lead to a page."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(url: str, label: str) -> Markup:
    """A QR code for ``url`` as inline SVG, named for screen readers."""
    svg = segno.make(url, error="m").svg_inline(scale=6, title=label, svgclass="qr", lineclass="qr-line")
    # segno's own SVG (no input in it but the escaped label and the URL it encodes).
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1))  # nosec B704
