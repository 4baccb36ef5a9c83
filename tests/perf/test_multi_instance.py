"""More than one app server: rate-limit counters are shared through Redis
(on PostgreSQL, both servers also share the database).

Flask-Limiter keeps its storage on the (module-global) ``Limiter``, so two
apps in one process would share counters even in memory. The second instance
therefore runs in its own process, as a second gunicorn host would; the two
instances hit the login POST alternately and the limit trips at the configured
total, not at twice it.

(Several mail senders at once: ``tests/mail/test_outbox.py::
test_two_concurrent_senders_deliver_each_message_exactly_once``.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import empty_database
from tests.redis_server import redis_client

REDIS_URL = "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_db() -> Iterator[object]:
    client = redis_client(int(REDIS_URL.rsplit("/", 1)[1]))
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


SECOND_INSTANCE = textwrap.dedent(
    """
    import sys
    import app.registry
    from app import create_app
    from app.db import Base
    from config import TestConfig

    application = create_app(TestConfig, {
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": sys.argv[1], "DATABASE_URL": sys.argv[2],
    })
    Base.metadata.create_all(application.extensions["db"].engine)
    client = application.test_client()
    print("ready", flush=True)
    for line in sys.stdin:
        response = client.post("/sv/login", data={"email": "nobody@example.org", "password": "wrong password"})
        print(response.status_code, flush=True)
    """
)


class SecondInstance:
    def __init__(self, tmp_path: Path, database_url: str | None = None) -> None:
        database_url = database_url or f"sqlite:///{tmp_path / 'second.sqlite'}"
        self.process = subprocess.Popen(
            [sys.executable, "-c", SECOND_INSTANCE, REDIS_URL, database_url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "APP_ENV": "test"},
        )
        assert self.readline() == "ready"

    def readline(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def post_login(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write("post\n")
        self.process.stdin.flush()
        return int(self.readline())

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout:
            self.process.stdout.close()


def test_login_limit_is_shared_between_two_app_servers(redis_db, tmp_path, backend):
    from app import create_app
    from app.accounts.views import LOGIN_LIMIT
    from app.db import Base
    from config import TestConfig

    per_minute = int(LOGIN_LIMIT.split()[0])
    # Both servers use one database, as in production, each with its own
    # per-request sessions: a login writes its throttle row and commits, so the
    # first server must not be bound to the test's open transaction (the second
    # would wait on its row locks).
    with empty_database(backend, tmp_path, "multi") as shared:
        first = create_app(
            TestConfig,
            {
                "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE_URI": REDIS_URL,
                "DATABASE_URL": shared,
                "UPLOAD_DIR": str(tmp_path / "uploads"),
            },
        )
        Base.metadata.create_all(first.extensions["db"].engine)
        client = first.test_client()
        second = SecondInstance(tmp_path, shared)
        try:
            statuses = []
            for attempt in range(per_minute):
                if attempt % 2 == 0:
                    statuses.append(
                        client.post("/sv/login", data={"email": "nobody@example.org", "password": "wrong"}).status_code
                    )
                else:
                    statuses.append(second.post_login())
            assert 429 not in statuses, statuses
            # The total is spent: both servers refuse now, although each saw only half.
            assert second.post_login() == 429
            assert (
                client.post("/sv/login", data={"email": "nobody@example.org", "password": "wrong"}).status_code == 429
            )
            assert any(b"LIMITER" in key for key in redis_db.keys("*"))
        finally:
            second.stop()
            first.extensions["db"].engine.dispose()
