"""The real Redis of the test machine (127.0.0.1:6379): one check for every test that needs it."""

from __future__ import annotations

import os
from typing import Any

import pytest

HOST, PORT = "127.0.0.1", 6379


def redis_client(db: int = 0) -> Any:
    """A client of Redis database ``db``; the test is skipped when Redis does not answer
    (it fails instead in CI, where ``.ci/run`` runs with Redis)."""
    import redis

    client = redis.Redis(host=HOST, port=PORT, db=db, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        client.close()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable on {HOST}:{PORT}")
    return client


def require_redis() -> None:
    redis_client().close()
