"""Markdown rendering with sanitising: user content never carries markup of its own."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6",
}


def render_markdown(text: str | None) -> Markup:
    """Markdown to safe HTML: raw HTML is escaped, then the result is cleaned."""
    if not text:
        return Markup("")
    return _render_markdown(text)


@lru_cache(maxsize=2048)
def _render_markdown(text: str) -> Markup:
    # A pure function of the text, and the same few texts are shown on every
    # request (a consultation page renders five): parse and clean each once.
    html = _md.render(text)
    # Headings in user text start below the page's own h1/h2.
    for level, new in (("h1", "h3"), ("h2", "h4")):
        html = html.replace(f"<{level}>", f"<{new}>").replace(f"</{level}>", f"</{new}>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # nh3 removed everything but the allowed tags and attributes.
    return Markup(clean)  # nosec B704


def strip_nul(value: str | None) -> str | None:
    """Remove NUL characters, which PostgreSQL refuses in text."""
    if value is None:
        return None
    return value.replace("\x00", "")


def text_field(data: dict[str, Any], name: str) -> str | None:
    """``data[name]`` trimmed and without NUL characters; ``None`` if empty or absent."""
    value = data.get(name)
    if isinstance(value, str):
        value = value.replace("\x00", "").strip()
    return value or None
