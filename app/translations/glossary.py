"""Glossary terms and the consistency check (pure functions, also used by the test suite).

The project's glossary ships as ``translations/glossary-terms.json``
(``{"rom": [{"term", "preferred", "avoid": [...], "note"}], "sv": [...]}``);
translators keep it in the app from there (:func:`app.translations.services.import_glossary`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Term:
    term: str
    preferred: str
    avoid: tuple[str, ...]
    note: str = ""


@lru_cache(maxsize=512)
def _pattern(form: str) -> re.Pattern[str]:
    """A single character (a letter from another orthography) matches anywhere;
    a word or phrase only as a whole word."""
    if len(form) == 1:
        return re.compile(re.escape(form), re.IGNORECASE)
    return re.compile(r"(?<!\w)" + re.escape(form) + r"(?!\w)", re.IGNORECASE)


def avoided_in(text: str, forms: Iterable[str]) -> list[str]:
    """The avoided ``forms`` that occur in ``text``."""
    if not text:
        return []
    # Placeholders are code, not language: "%(num)d djes" is checked without them.
    plain = re.sub(r"%\(\w+\)[#0\- +]*\d*(?:\.\d+)?[a-zA-Z]", " ", text)
    return [form for form in forms if form and _pattern(form).search(plain)]


def read_terms(path: str | Path, lang: str) -> list[Term]:
    """The terms of ``lang`` in a glossary file (empty if there is none)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return [
        Term(item["term"], item["preferred"], tuple(item.get("avoid", ())), item.get("note", ""))
        for item in data.get(lang, [])
    ]
