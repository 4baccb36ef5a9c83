"""Rate limits (Flask-Limiter). Memory storage by default; set RATELIMIT_STORAGE_URI
(e.g. redis://127.0.0.1:6379/0) so that several app servers share the counters.

Counters are keyed by the client address and expire with the window; the
address is never stored with anything a person wrote."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)

#: Anonymous posting: generous for a person, tight for a script.
ANONYMOUS_POST_LIMIT = "10 per minute;60 per hour"


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
