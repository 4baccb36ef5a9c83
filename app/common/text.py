"""Text: Markdown rendering with sanitising (user content never carries markup of its own), one-line and
plain-text normalising, and reading texts and choices from form data (`text_field`, `set_texts`, `enum_value`)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from enum import Enum
from functools import lru_cache
from typing import Any, TypeVar, overload

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.common.errors import DomainError
from app.i18n import UIText, default_language, languages

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
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


def set_texts(
    obj: Any, data: dict[str, Any], *names: str, required: UIText | None = None, field: str | None = None
) -> None:
    """Set the multilingual text columns ``<name>_<lang>`` of ``obj`` from
    ``data["<name>_<lang>"]`` (see :func:`text_field`), for each of ``names``
    and each site language (``LANGUAGES``) that ``obj`` has a column for.
    ``field`` names the form's fields where they are not the column's (one
    name only): ``data["<field>_<lang>"]`` into ``<name>_<lang>``.

    With ``required``, the first name must be filled in the default language
    (Swedish): otherwise ``DomainError(required)`` on that field, raised before
    anything is set.
    """
    if field is not None and len(names) != 1:
        raise TypeError("field= goes with one name")
    if required is not None:
        require_text(data, field or names[0], required)
    for name in names:
        for lang in texts_of(obj, name):
            setattr(obj, f"{name}_{lang}", text_field(data, f"{field or name}_{lang}"))


def texts_of(obj: Any, name: str) -> dict[str, str | None]:
    """``{lang: obj.<name>_<lang>}`` for each site language ``obj`` has a column for."""
    return {column[len(name) + 1 :]: getattr(obj, column) for column in text_columns(type(obj), name)}


def text_columns(cls: type, name: str) -> list[str]:
    """The columns ``<name>_<lang>`` that ``cls`` has, one for each site language (``LANGUAGES``)."""
    return [f"{name}_{lang}" for lang in languages() if hasattr(cls, f"{name}_{lang}")]


def has_text(cls: type, data: dict[str, Any], name: str) -> bool:
    """Whether ``data`` holds a text for ``name`` in any language ``cls`` has a column for."""
    return any(text_field(data, column) for column in text_columns(cls, name))


def require_text(data: dict[str, Any], name: str, message: UIText) -> str:
    """``data["<name>_<default language>"]`` (see :func:`text_field`), or
    ``DomainError(message)`` on that field if it is empty: the text every
    multilingual field needs in Swedish (the default language)."""
    field = f"{name}_{default_language()}"
    value = text_field(data, field)
    if not value:
        raise DomainError(message, field=field)
    return value


E = TypeVar("E", bound=Enum)


@overload
def enum_value(
    data: Mapping[str, Any], name: str, enum: type[E], message: UIText, *, among: Collection[E] | None = None
) -> E: ...
@overload
def enum_value(
    data: Mapping[str, Any], name: str, enum: type[E], message: None = None, *, among: Collection[E] | None = None
) -> E | None: ...
def enum_value(
    data: Mapping[str, Any],
    name: str,
    enum: type[E],
    message: UIText | None = None,
    *,
    among: Collection[E] | None = None,
) -> E | None:
    """``data[name]`` as a member of ``enum`` (given as the member or its value).
    If it is none (or not one of ``among``): ``DomainError(message)`` on that
    field, or ``None`` when no message is given (an optional choice)."""
    value = data.get(name)
    if isinstance(value, str):
        value = enum._value2member_map_.get(value)
    if isinstance(value, enum) and (among is None or value in among):
        return value
    if message is None:
        return None
    raise DomainError(message, field=name)
