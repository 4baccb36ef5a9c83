"""Rate limits (Flask-Limiter). Which limits the public forms have is in
``app/web/intake.py``; this module owns the storage.

* ``RATELIMIT_STORAGE_URI``: ``memory://`` counts in each process, so with N
  gunicorn workers every limit is N times too generous. Production therefore
  **refuses to start** with several gunicorn workers on ``memory://`` and warns
  in the log with one; use ``redis://host:6379/0`` (docs/deployment.md).
* Redis down or hung **fails open**: every Redis call is bounded by a short
  socket timeout (``RATELIMIT_REDIS_TIMEOUT``, 0.5 s, no retries); when one
  fails, the limiter logs a warning and keeps the same limits in this process's
  memory until Redis answers its health check again (checked after 1, 2, 4 …
  32 s). A form post never fails because the counters are unreachable.

Counters are keyed by the client address, the form session or a hash of the
text, and expire with their window; none of them is stored with anything a
person wrote.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)

#: Seconds any one Redis call of the limiter may take (connect, send, read).
DEFAULT_REDIS_TIMEOUT = 0.5


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # Fail open: an unreachable store means counting in memory, never a 500.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    uri = str(app.config["RATELIMIT_STORAGE_URI"])
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **redis_options(float(app.config.get("RATELIMIT_REDIS_TIMEOUT", DEFAULT_REDIS_TIMEOUT))),
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }
    if app.config.get("RATELIMIT_ENABLED", True):
        check_storage(app, uri)
    # The limiter's own warnings ("storage unreachable - falling back") go to the app's log.
    logger = logging.getLogger("flask-limiter")
    logger.handlers[:] = [logging.NullHandler(), *app.logger.handlers]
    logger.setLevel(logging.WARNING)  # its INFO lines name the key: a client address
    # One Limiter serves every app of the process (tests build many): a store
    # that was down for an earlier app must not count for this one.
    limiter._storage_dead = False
    limiter.init_app(app)


def redis_options(timeout: float) -> dict[str, Any]:
    """Options for the limiter's Redis client: every call bounded, no retries."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
        "retry_on_timeout": False,
        "health_check_interval": 0,
    }


def check_storage(app: Flask, uri: str) -> None:
    """Production refuses per-process counters under several gunicorn workers."""
    if app.config.get("ENV_NAME") != "production" or not uri.startswith("memory://"):
        return
    workers = gunicorn_workers()
    if workers is not None and workers > 1:
        raise RuntimeError(
            f"Production refuses to start: gunicorn runs {workers} workers and RATELIMIT_STORAGE_URI is "
            "memory://, so each worker would count on its own and every rate limit would be "
            f"{workers} times too generous. Set RATELIMIT_STORAGE_URI=redis://host:6379/0 "
            "(see docs/deployment.md)."
        )
    app.logger.warning(
        "RATELIMIT_STORAGE_URI is memory://: rate limits are counted in this process only. "
        "With more than one worker or app server, set RATELIMIT_STORAGE_URI=redis://host:6379/0."
    )


def gunicorn_workers() -> int | None:
    """How many workers the gunicorn running this process has (command line,
    ``GUNICORN_CMD_ARGS``, ``WEB_CONCURRENCY``, config file); ``None`` outside
    gunicorn or if it cannot be told."""
    if "gunicorn" not in os.path.basename(sys.argv[0]) and "gunicorn" not in sys.argv[0].split(os.sep):
        return None
    try:
        from gunicorn.app.wsgiapp import WSGIApplication

        class _ReadConfig(WSGIApplication):
            def chdir(self) -> None:  # read the configuration only
                pass

        return int(_ReadConfig("%(prog)s [OPTIONS] [APP_MODULE]").cfg.workers)
    except BaseException:  # noqa: BLE001 - argparse exits on what it cannot read
        return None
