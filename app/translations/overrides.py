"""The database overrides on top of the compiled catalogs (installed into :mod:`app.i18n`).

A translator's correction is a row in ``translation_entries``; committing it
bumps the content generation (row 1 of ``content_generation``: the page cache
misses) and the translations generation (row 2), which tells every app server
to reload its overrides. Both rows are read in one primary-key query per
request (:func:`app.generations.request_generations`, shared with the page cache), and
the overrides of a language are read from the database **once per change of
the overrides and process**, not per string or request, and not again after
changes to other content.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import sys
import threading
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from babel.support import NullTranslations, Translations
from flask import Flask, g
from sqlalchemy.orm import Session

from app.db import get_db
from app.generations import TRANSLATIONS_ROW, request_generations

log = logging.getLogger(__name__)


def _plural_default(n: object) -> int:
    return int(n != 1)


def merge(base: NullTranslations, rows: list[Any]) -> NullTranslations:
    """A copy of ``base`` whose lookups return the overrides first.

    ``rows`` carry ``context``, ``msgid``, ``msgid_plural`` and ``text`` (a list
    of forms). Keys follow :mod:`gettext`: ``"ctx\\x04msgid"`` and
    ``(msgid, plural index)``.
    """
    if not rows:
        return base
    if isinstance(base, Translations) and hasattr(base, "_catalog"):
        merged = copy.copy(base)
        merged._catalog = dict(base._catalog)
    else:  # no compiled catalog for this language (yet)
        merged = Translations()
        merged._catalog = {}
        merged.plural = _plural_default
        merged.add_fallback(base)
    catalog = merged._catalog
    for row in rows:
        forms = [form for form in (row.text or []) if form]
        if not forms:
            continue
        msgid = f"{row.context}\x04{row.msgid}" if row.context else row.msgid
        if row.msgid_plural:
            for index, form in enumerate(row.text):
                if form:
                    catalog[(msgid, index)] = form
        else:
            catalog[msgid] = forms[0]
    return merged


class OverrideCache:
    """Per process: ``language -> (generation, compiled catalog, merged catalog)``."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, int, NullTranslations]] = {}
        self._lock = threading.Lock()
        self.loads = 0  # how often overrides were read from the database (tests, bench)

    def __call__(self, lang: str, base: NullTranslations) -> NullTranslations:
        if g.get("_i18n_overrides_failed"):
            return base
        # Rendering an error page (the 503 of a database outage): the compiled
        # catalog must do, whatever the database says. Otherwise a failing read
        # is the request's failure, and goes to the outage handler like any other.
        handling_error = sys.exc_info()[1] is not None
        try:
            generation = _request_generation()
            if generation == 0:  # no override was ever written (or imported): nothing to read
                return base
            cached = self._entries.get(lang)
            if cached is not None and cached[0] == generation and cached[1] == id(base):
                return cached[2]
            rows = _load_rows(lang)
        except sa.exc.SQLAlchemyError as error:
            g._i18n_overrides_failed = True
            log.warning("translation overrides unavailable (%s)", type(error).__name__)
            if handling_error:
                return base
            raise
        merged = merge(base, rows)
        with self._lock:
            self.loads += 1
            self._entries[lang] = (generation, id(base), merged)
        return merged


@contextlib.contextmanager
def _reading_session() -> Iterator[Session]:
    """The request's session if it has one; else a session of our own, closed
    after the read. (Taking the request's slot would make the context's
    teardown roll back a session that code outside a request, a job or a test,
    passed to a service and commits itself.)"""
    current = g.get("db_session")
    if current is not None:
        yield current
        return
    database = get_db()
    session = database.session()
    try:
        yield session
    finally:
        if session is not database.external_session:
            session.rollback()
            session.close()


def _request_generation() -> int:
    """The generation of the overrides (bumped by every commit that wrote
    ``translation_entries``), read with the content generation in one query
    per request."""
    values = g.get("content_generations")
    if values is None:
        with _reading_session() as session:
            values = request_generations(session)
    return values[TRANSLATIONS_ROW]


def _load_rows(lang: str) -> list[Any]:
    from app.translations.models import TranslationEntry

    statement = sa.select(
        TranslationEntry.context, TranslationEntry.msgid, TranslationEntry.msgid_plural, TranslationEntry.text
    ).where(TranslationEntry.language == lang, TranslationEntry.text.is_not(None))
    with _reading_session() as session, session.no_autoflush:
        return list(session.execute(statement))


def init_app(app: Flask) -> None:
    app.extensions["i18n_overrides"] = OverrideCache()
