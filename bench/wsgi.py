"""The app as ``make bench`` serves it: CSRF and rate limits off so wrk can POST.

Only the benchmark imports this module (``gunicorn bench.wsgi:app``); it
refuses to run with ``APP_ENV=production``.
"""

from __future__ import annotations

import os

from app import create_app

if os.environ.get("APP_ENV") == "production" or os.environ.get("SAMRAD_BENCH") != "1":
    raise RuntimeError("bench.wsgi is for `make bench` only (set SAMRAD_BENCH=1, never in production).")

app = create_app(overrides={"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
