"""A cache of rendered public pages, shared by every request of a process (or,
with Redis, of every app server), that is never stale after a change.

Public pages are the same for every anonymous visitor (see
:func:`app.web.caching.is_cacheable`), and a burst of visitors from a link
shared in a group chat asks for the same few pages again and again. Rendering
the consultation page costs 10–20 ms of Python; answering from this cache
costs one primary-key query and a dictionary (or Redis) lookup.

**Never stale.** Every entry is keyed by the *content generation*
(:class:`app.generations.ContentGeneration`): a counter that every commit
which wrote rows a public page may show bumps as its last statement
(:mod:`app.generations`). Each request reads the counter first, so a page rendered
before a change is never served after it, by any server. A participant's
view, registration or evaluation bumps only its consultation's own counter and
a counter of such writes (:data:`app.generations.SCOPED_TABLES`): the pages of that
consultation are keyed by the first, the pages that show no such input
(:data:`app.web.public.BLIND_TO_SCOPED_WRITES`) by neither, every other page
by the second (:func:`page_generation`). So an evening of submitted views
does not empty the cache of every other consultation's page. Time is the other
input of a page ("upcoming" becomes "past", "registration closes"), so an
entry also expires after :data:`PAGE_TTL` seconds — the ``max-age`` that public
pages already carry for browsers and proxies.

**Only for the anonymous.** A page is looked up only for a GET/HEAD to a
public endpoint from a visitor with an empty session who is not logged in,
and stored only if the response is cacheable by the HTTP-caching rules (no
cookie set, nothing put in the session — so no form with a CSRF token, no
flash message). Everyone else gets a freshly rendered page.

Configuration: ``PAGE_CACHE_URL`` = ``memory://`` (default: a per-process LRU
bounded by ``PAGE_CACHE_MAX_MB``), ``redis://host:6379/1`` (shared by all app
servers; entries expire in Redis), or ``off``. A Redis that is down or hung
makes the cache miss, never the page fail or wait (see :class:`RedisPageStore`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from flask import Flask, Response, current_app, g, request, session

from app.db import get_session
from app.generations import CONTENT_ROW, SCOPED_ROW, request_generations, scope_row
from app.web.public import BLIND_TO_SCOPED_WRITES, PUBLIC_ENDPOINTS, SCOPED_ENDPOINTS

log = logging.getLogger(__name__)

#: Seconds an entry is served at most (the same as public pages' ``max-age``).
PAGE_TTL = 60
#: Larger bodies are not kept (the all-consultations calendar has its own cache).
MAX_BODY_BYTES = 2 * 1024 * 1024
#: Headers that are per response, not part of the page.
_NOT_STORED = frozenset({"set-cookie", "content-length", "date", "etag", "cache-control", "vary"})


class PageStore(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, payload: bytes, ttl: int) -> None: ...


class MemoryPageStore:
    """Least-recently-used entries of one process, bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: str, payload: bytes, ttl: int) -> None:
        if len(payload) > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + ttl, payload)
            self._size += len(payload)
            while self._size > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        _, payload = self._entries.pop(key)
        self._size -= len(payload)

    def __len__(self) -> int:
        return len(self._entries)


class RedisPageStore:
    """Entries in Redis, shared by every app server; Redis expires them.

    Fails open: a Redis that is down or hung makes the cache miss, never a
    page fail or wait long. Every call is bounded by short socket timeouts and
    is not retried; after a failure Redis is left alone for
    :attr:`pause_after_failure` seconds (the pages are rendered meanwhile), so
    a hung Redis costs one timeout per pause, not one per request. One warning
    per outage, one note when Redis answers again.
    """

    #: Seconds to connect, and to wait for an answer.
    SOCKET_TIMEOUT = 0.25

    def __init__(self, url: str, prefix: str, *, pause_after_failure: float = 10.0) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self._errors = redis.RedisError
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=self.SOCKET_TIMEOUT,
            socket_connect_timeout=self.SOCKET_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        self.prefix = prefix
        self.pause_after_failure = pause_after_failure
        self._paused_until = 0.0
        self._failing = False
        #: Calls that reached Redis (for tests and the curious).
        self.calls = 0

    def get(self, key: str) -> bytes | None:
        value = self._call(lambda: self.client.get(self.prefix + key))
        return value if isinstance(value, bytes) else None

    def set(self, key: str, payload: bytes, ttl: int) -> None:
        self._call(lambda: self.client.set(self.prefix + key, payload, ex=ttl))

    def _call(self, operation: Callable[[], object]) -> object:
        if time.monotonic() < self._paused_until:
            return None
        self.calls += 1
        try:
            result = operation()
        except self._errors as error:
            self._paused_until = time.monotonic() + self.pause_after_failure
            if not self._failing:  # once per outage: a missing Redis must not flood the log
                log.warning("page cache: Redis unavailable (%s); serving uncached pages", type(error).__name__)
                self._failing = True
            return None
        if self._failing:
            log.info("page cache: Redis answers again")
            self._failing = False
        return result


def make_store(url: str, *, max_mb: int, prefix: str) -> PageStore | None:
    url = (url or "").strip()
    if url in ("", "off", "none"):
        return None
    if url.startswith("memory://"):
        return MemoryPageStore(max_mb * 1024 * 1024)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisPageStore(url, prefix)
    raise RuntimeError(f"PAGE_CACHE_URL must be memory://, redis://… or off, not {url!r}")


def encode(response: Response, etag: str) -> bytes:
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _NOT_STORED]
    meta = json.dumps({"etag": etag, "headers": headers}, separators=(",", ":")).encode()
    return meta + b"\n" + response.get_data()


def decode(payload: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    meta, _, body = payload.partition(b"\n")
    data = json.loads(meta)
    return data["etag"], [tuple(h) for h in data["headers"]], body


def page_store() -> PageStore | None:
    return current_app.extensions.get("page_cache")


def _anonymous() -> bool:
    if session:
        return False
    from flask_login import current_user

    return not current_user.is_authenticated


def page_generation(endpoint: str, view_args: dict[str, object]) -> str:
    """What a public page's cache key depends on: every change (row 1), and either
    the changes scoped to its own consultation, or any scoped change, or none
    (see :data:`SCOPED_ENDPOINTS` and :data:`BLIND_TO_SCOPED_WRITES`)."""
    scope_arg = SCOPED_ENDPOINTS.get(endpoint)
    scope_id = view_args.get(scope_arg) if scope_arg else None
    if isinstance(scope_id, int):
        row = scope_row(scope_id)
        values = request_generations(get_session(), (row,))
        return f"{values[CONTENT_ROW]}.c{values[row]}"
    values = request_generations(get_session())
    if endpoint in BLIND_TO_SCOPED_WRITES:
        return str(values[CONTENT_ROW])
    return f"{values[CONTENT_ROW]}.s{values[SCOPED_ROW]}"


def _lookup() -> Response | None:
    """``before_request``: answer a public page from the cache if it is there."""
    store = page_store()
    if store is None or request.method not in ("GET", "HEAD") or request.endpoint not in PUBLIC_ENDPOINTS:
        return None
    if not _anonymous():
        return None
    # The generations are read before anything is rendered: a page rendered while
    # a change commits is stored under the old generation and never served after.
    generation = page_generation(request.endpoint, request.view_args or {})
    # The scheme and host are part of the key: pages carry absolute links (hreflang, feeds).
    raw = f"{generation}\0{request.scheme}://{request.host}\0{request.full_path}"
    key = hashlib.blake2b(raw.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()
    payload = store.get(key)
    if payload is None:
        g.page_cache_key = key
        return None
    etag, headers, body = decode(payload)
    g.etag = etag
    g.page_cache_hit = True
    response = current_app.response_class(body, status=200, headers=headers)
    response.headers["X-Page-Cache"] = "hit"
    return response


def store_if_new(response: Response, etag: str) -> None:
    """Called by the HTTP-caching hook once it decided ``response`` is public."""
    key = g.pop("page_cache_key", None)
    store = page_store()
    if key is None or store is None or g.get("page_cache_hit") or response.is_streamed:
        return  # a streamed body (the calendar of all) is assembled from pieces of its own
    if response.content_length is not None and response.content_length > MAX_BODY_BYTES:
        return
    store.set(key, encode(response, etag), PAGE_TTL)
    response.headers["X-Page-Cache"] = "miss"


def init_app(app: Flask) -> None:
    store = make_store(
        app.config.get("PAGE_CACHE_URL", "memory://"),
        max_mb=int(app.config.get("PAGE_CACHE_MAX_MB", 64)),
        prefix=app.config.get("PAGE_CACHE_PREFIX", "samrad:page:"),
    )
    if store is not None:
        app.extensions["page_cache"] = store
        app.before_request(_lookup)
