"""HTTP caching: ETags and shared-cache lifetimes for public pages, immutable static files.

* **Public GET pages and feeds** (the endpoints in :data:`PUBLIC_ENDPOINTS`),
  answered to an anonymous visitor with nothing in the session (no flash
  message, no CSRF token, no login) and no cookie being set, get a weak
  ``ETag`` computed from the body, ``Cache-Control: public, max-age=60`` and
  ``Vary: Cookie``. A request with a matching ``If-None-Match`` gets ``304 Not
  Modified`` without a body. So a reverse proxy or browser may keep a public
  page for a minute; a change (a cancellation, a hidden view) shows within
  that minute. Staff pages, pages with forms (they carry a CSRF token in the
  session) and anything for a logged-in user are never marked cacheable.
* **Static files** are linked as ``/static/css/site.css?v=<content hash>``;
  such a request is answered with ``Cache-Control: public, max-age=31536000,
  immutable``. A changed file gets a new hash, hence a new URL.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, session

#: Lifetime for public pages in shared caches and browsers (seconds).
PUBLIC_MAX_AGE = 60
#: Lifetime for static files linked with a content hash (one year).
STATIC_MAX_AGE = 31_536_000

#: Endpoints whose GET responses are the same for every anonymous visitor.
PUBLIC_ENDPOINTS = frozenset({
    "core.home", "core.privacy", "core.accessibility",
    "consultations.index", "consultations.detail", "consultations.calendar", "consultations.calendar_all",
    "consultations.atom",
    "boards.index", "boards.detail", "boards.calendar",
    "feedback.public", "feedback.ledger", "feedback.view",
})


def body_etag(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _cacheable(response: Response) -> bool:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    if request.endpoint not in PUBLIC_ENDPOINTS:
        return False
    if response.is_streamed or response.direct_passthrough:
        return False
    if "Cache-Control" in response.headers or "Set-Cookie" in response.headers:
        return False  # the view decided itself, or the response is personal
    if session:  # flash messages, a CSRF token, a login: personal
        return False
    from flask_login import current_user

    return not current_user.is_authenticated


def _add_http_caching(response: Response) -> Response:
    if request.endpoint == "static":
        if request.args.get("v") and response.status_code in (200, 304):
            response.cache_control.public = True
            response.cache_control.max_age = STATIC_MAX_AGE
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
    if not _cacheable(response):
        return response
    response.set_etag(body_etag(response.get_data()), weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.vary.add("Cookie")
    return response.make_conditional(request)


class StaticHashes:
    """Content hashes of static files, computed once per file (again when it changes)."""

    def __init__(self, folder: str | None) -> None:
        self.folder = Path(folder) if folder else None
        self._cache: dict[str, tuple[float, str]] = {}

    def __call__(self, filename: str) -> str | None:
        if self.folder is None:
            return None
        path = (self.folder / filename).resolve()
        try:
            if not path.is_relative_to(self.folder.resolve()):
                return None
            mtime = path.stat().st_mtime
        except OSError:
            return None
        cached = self._cache.get(filename)
        if cached and cached[0] == mtime:
            return cached[1]
        digest = hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest()
        self._cache[filename] = (mtime, digest)
        return digest


def init_app(app: Flask) -> None:
    hashes = StaticHashes(app.static_folder)

    @app.url_defaults
    def _static_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = hashes(values["filename"])
            if digest:
                values["v"] = digest

    app.after_request(_add_http_caching)
