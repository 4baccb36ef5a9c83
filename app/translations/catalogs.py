"""Reading the shipped catalogs: the ``.po`` of a language, and the ``.pot``
with the source locations of every message (where a string appears).

Files are parsed once and re-read only when they change on disk.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from app.i18n import entry_key

#: ``%(name)s``, ``%(num)d``, ``%(share).1f`` … and the literal ``%%``.
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%%")
#: A complete HTML tag, attributes included.
TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


@dataclass(frozen=True)
class SourceMessage:
    """One message of a shipped catalog."""

    key: str
    context: str | None
    msgid: str
    msgid_plural: str | None
    #: The catalog's text: one item, or one per plural form.
    forms: tuple[str, ...]
    locations: tuple[tuple[str, int], ...] = field(default=())

    @property
    def is_plural(self) -> bool:
        return self.msgid_plural is not None

    @property
    def placeholders(self) -> list[str]:
        source = " ".join(filter(None, (self.msgid, self.msgid_plural)))
        return sorted({m.group(0) for m in PLACEHOLDER.finditer(source) if m.group(0) != "%%"})

    @property
    def tags(self) -> list[str]:
        return sorted(set(TAG.findall(self.msgid)))


_lock = threading.Lock()
_parsed: dict[Path, tuple[float, Catalog]] = {}


def _read(path: Path) -> Catalog | None:
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _parsed.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    with path.open("rb") as handle:
        catalog = read_po(handle)
    with _lock:
        _parsed[path] = (mtime, catalog)
    return catalog


def po_path(directory: str | Path, lang: str) -> Path:
    return Path(directory) / lang / "LC_MESSAGES" / "messages.po"


def read_catalog(directory: str | Path, lang: str) -> Catalog | None:
    """The shipped ``.po`` of ``lang`` (parsed, cached by modification time)."""
    return _read(po_path(directory, lang))


def _as_forms(string: object, nforms: int) -> tuple[str, ...]:
    if isinstance(string, (tuple, list)):
        forms = tuple(str(s or "") for s in string)
    else:
        forms = (str(string or ""),)
    if len(forms) < nforms:
        forms += ("",) * (nforms - len(forms))
    return forms


def messages(directory: str | Path, lang: str, nplurals: int = 2) -> list[SourceMessage]:
    """Every message of the template (``messages.pot``), with ``lang``'s text
    and where it appears. Messages only in the ``.po`` (not yet re-extracted)
    are included too."""
    template = _read(Path(directory) / "messages.pot")
    catalog = read_catalog(directory, lang)
    seen: dict[str, SourceMessage] = {}
    sources = [c for c in (template, catalog) if c is not None]
    for source in sources:
        for message in source:
            if not message.id:
                continue
            if isinstance(message.id, str):
                msgid, plural = message.id, None
            else:  # a plural message: (singular, plural)
                msgid, plural = message.id[0], message.id[1]
            key = entry_key(message.context, msgid)
            if key in seen:
                continue
            translated = catalog.get(message.id, context=message.context) if catalog is not None else None
            nforms = nplurals if plural else 1
            forms = _as_forms(translated.string if translated is not None else "", nforms)
            locations = tuple(message.locations) if source is template else ()
            seen[key] = SourceMessage(key, message.context, msgid, plural, forms, locations)
    return sorted(seen.values(), key=lambda m: (m.msgid.lower(), m.context or ""))


def plural_count(directory: str | Path, lang: str) -> int:
    catalog = read_catalog(directory, lang)
    return catalog.num_plurals if catalog is not None else 2


def parse_po(data: bytes) -> Catalog:
    return read_po(io.BytesIO(data))
