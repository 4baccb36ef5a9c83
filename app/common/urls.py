"""Absolute URLs: the one place that builds them, from ``PUBLIC_BASE_URL`` only.

Every link that leaves the page (e-mails, calendars, feeds, QR codes, API
answers, ``hreflang`` alternates) is built here. The request's ``Host`` and
``X-Forwarded-Host`` headers are never consulted, so a forged header cannot
put a foreign host into a password-reset mail; and it works without a request
(CLI commands, the mail sender).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, current_app


def external_url(endpoint: str, /, **values: Any) -> str:
    """``url_for(endpoint, **values)`` as an absolute URL under ``PUBLIC_BASE_URL``.

    URL defaults apply as with ``url_for`` (the current language, inside a
    request); ``_anchor`` adds a fragment.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's method
    values = dict(values)
    anchor = values.pop("_anchor", None)
    app.inject_url_defaults(endpoint, values)
    url = _adapter(app).build(endpoint, values, force_external=True)
    if anchor:
        url += "#" + quote(str(anchor), safe="-_.~")
    return url


def _adapter(app: Flask) -> Any:  # a werkzeug MapAdapter (common imports no werkzeug)
    """The URL map bound to ``PUBLIC_BASE_URL``, once per application and address (the
    calendar of all builds thousands of URLs; binding anew for each was a tenth of it)."""
    base_url = app.config["PUBLIC_BASE_URL"]
    cached = app.extensions.get("external_url_adapter")
    if cached is None or cached[0] != base_url:
        base = urlsplit(base_url)
        adapter = app.url_map.bind(
            base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
        )
        cached = app.extensions["external_url_adapter"] = (base_url, adapter)
    return cached[1]
