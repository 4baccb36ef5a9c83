"""HTTP caching: ETags and shared-cache lifetimes for public pages, immutable static files.

* **Public GET pages, feeds and the open-data API** (the endpoints in :data:`PUBLIC_ENDPOINTS`),
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
* **In the app**, the same public responses are kept in the page cache
  (:mod:`app.web.pagecache`), keyed by the content generation, so a burst of
  anonymous visitors is answered without rendering.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request, session
from werkzeug.http import parse_date

from app.db import utcnow
from app.web import pagecache
from app.web.public import PUBLIC_ENDPOINTS

#: Lifetime for public pages in shared caches and browsers (seconds).
PUBLIC_MAX_AGE = 60
#: Lifetime for static files linked with a content hash (one year).
STATIC_MAX_AGE = 31_536_000


def body_etag(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _cacheable(response: Response) -> bool:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    if request.endpoint not in PUBLIC_ENDPOINTS:
        return False
    if response.direct_passthrough or (response.is_streamed and not g.get("etag")):
        return False  # a streamed body is public only if the view named its validator (``g.etag``)
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
    # A view that knows what its body depends on may name the validator
    # (``g.etag``) and save hashing a large body.
    etag = g.get("etag") or body_etag(response.get_data())
    response.set_etag(etag, weak=True)
    pagecache.store_if_new(response, etag)
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.vary.add("Cookie")
    response.make_conditional(_conditions())  # in place (it returns the same response)
    return response


def _conditions() -> dict[str, Any]:
    """The request's environment for the conditional check, without an ``If-Modified-Since`` later
    than now: such a date is not a valid one (RFC 9110, 13.1.3), and a client whose clock runs
    ahead would otherwise be told "not modified" after every change."""
    environ = request.environ
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    if since is not None and since > utcnow():
        environ = {key: value for key, value in environ.items() if key != "HTTP_IF_MODIFIED_SINCE"}
    return environ


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
    pagecache.init_app(app)
    _fast_language_defaults(app)


def _fast_language_defaults(app: Flask) -> None:
    """Fill ``lang_code`` in ``url_for`` before the language routing's own hook does.

    That hook asks ``url_map.is_endpoint_expecting`` on every ``url_for``,
    which walks the endpoint's rules: about 80 µs a call, and a feedback page
    with 1000 views builds a few thousand URLs. The answer per endpoint never
    changes once the app serves requests, so it is remembered here; the
    original hook then finds ``lang_code`` set and does nothing.
    """
    from app.i18n import current_language

    expecting: dict[str, bool] = {}

    def _add_language(endpoint: str, values: dict[str, Any]) -> None:
        if "lang_code" in values:
            return
        wanted = expecting.get(endpoint)
        if wanted is None:
            wanted = expecting[endpoint] = app.url_map.is_endpoint_expecting(endpoint, "lang_code")
        if wanted:
            values["lang_code"] = current_language()

    app.url_default_functions.setdefault(None, []).insert(0, _add_language)
