"""Markdown rendering with sanitising: user content never carries markup of its own."""

from __future__ import annotations

import re
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


#: What a single line of text must not hold: control characters (C0, DEL, C1,
#: which include CR, LF and tab) and the Unicode line and paragraph separators.
NOT_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value: str | None) -> str:
    """``value`` made safe where one line is expected (a calendar SUMMARY, a
    header, a file name, an e-mail subject): each run of line breaks and
    control characters becomes one space. Forms refuse such characters; this
    guards what was stored before they did."""
    if not value:
        return ""
    return re.sub(" {2,}", " ", NOT_SINGLE_LINE.sub(" ", value)).strip()


_CONTROL_BUT_LINE_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def plain_text(value: str | None) -> str:
    """Multi-line text with ``\\n`` line breaks only: CRLF and lone CR become
    ``\\n``, other control characters (but tab) are dropped."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL_BUT_LINE_BREAKS.sub("", value)


def text_field(data: dict[str, Any], name: str) -> str | None:
    """``data[name]`` trimmed and without NUL characters; ``None`` if empty or absent."""
    value = data.get(name)
    if isinstance(value, str):
        value = value.replace("\x00", "").strip()
    return value or None
