"""Typed helpers for tests: what mypy needs to narrow, written once.

A test that expects a row, a match or a message part to exist says so with these, and
fails at that line (not with an AttributeError on ``None`` further down) when it does not.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

from babel.support import NullTranslations

T = TypeVar("T")


def present(value: T | None) -> T:
    """``value``, which the test expects to exist."""
    assert value is not None
    return value


def blind_first_lookup(monkeypatch: Any, owner: Any, name: str) -> None:
    """``owner.name`` finds nothing the first time it is called, then what is there: a
    colleague's row committed after this request looked for it (a race, without threads)."""
    real = getattr(owner, name)
    calls = 0

    def lookup(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return None if calls == 1 else real(*args, **kwargs)

    monkeypatch.setattr(owner, name, lookup)


def first_group(pattern: str, text: str, flags: int = 0) -> str:
    """The first group of the first match of ``pattern`` in ``text``."""
    match = re.search(pattern, text, flags)
    assert match is not None, f"{pattern!r} not found"
    return match.group(1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in UTC, as the database stores it."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class MarkerTranslations(NullTranslations):
    """A catalog that prefixes every message with its language, so a test can
    see which language something was rendered in whatever the real catalogs hold
    (the ``marker_catalog`` fixture installs it)."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def ugettext(self, message: str) -> str:
        return f"[{self.lang}]{message}"

    gettext = ugettext

    def ungettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return f"[{self.lang}]" + (msgid1 if n == 1 else msgid2)

    ngettext = ungettext

    def upgettext(self, context: str, message: str) -> str:
        return f"[{self.lang}]{message}"

    pgettext = upgettext


def _buffered(application: Any) -> Any:
    """``application`` with each response body read whole and its iterable closed before
    sending. werkzeug's development server does not close the iterable of a response whose
    client hung up (a browser dropping a favicon request), so a file behind it would be
    closed by the garbage collector, during some later test, as a ResourceWarning."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = application(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return app


@contextlib.contextmanager
def serve(application: Any, port: int = 0) -> Iterator[str]:
    """``application`` served by werkzeug in a thread on 127.0.0.1 (on ``port``, or a free one)
    for the duration of the block, for clients outside the process (a browser, an HTTP
    client); yields the base URL, which also becomes its ``PUBLIC_BASE_URL``. The
    application's engine is disposed afterwards."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on stderr
    server = make_server("127.0.0.1", port, _buffered(application), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    application.config["PUBLIC_BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, name=f"live-server-{server.server_port}", daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        application.extensions["db"].engine.dispose()
