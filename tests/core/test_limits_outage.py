"""Redis down or hung under the rate limiter: form posts fail open (a warning in
the log, the same limits counted in the process's memory), every Redis call is
bounded by a short timeout, and the shared counters come back with Redis.

A TCP proxy (tests.faults.proxy.TcpProxy) between the app and Redis cuts or
hangs the connection, as the fault-injection suite does for PostgreSQL."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.web.intake import PER_FORM_SESSION
from tests.faults.proxy import TcpProxy
from tests.redis_server import redis_client as connect_redis

REDIS = ("127.0.0.1", 6379)
DB = 14


@pytest.fixture
def redis_client() -> Iterator[Any]:
    client = connect_redis(DB)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def proxy(redis_client) -> Iterator[TcpProxy]:
    p = TcpProxy(*REDIS)
    yield p
    p.close()


@pytest.fixture
def app_overrides(request):
    proxy = request.getfixturevalue("proxy")
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{proxy.port}/{DB}"}


@pytest.fixture
def consultation(create_consultation):
    return create_consultation()


def _view(client, consultation, i: int) -> Any:
    return client.post(
        f"/sv/consultations/{consultation.id}/views/new",
        data={
            "body": f"Synpunkt nummer {i} om fritidsgården, skickad medan Redis krånglar.",
            "language": "sv",
            "agenda_item_id": "",
            "submission_key": f"view-{i}",
        },
    )


def _registration(client, consultation, i: int) -> Any:
    return client.post(
        f"/sv/consultations/{consultation.id}/register",
        data={"name": f"Deltagare {i}", "language": "sv", "consent": "y", "submission_key": f"reg-{i}"},
    )


def _timed(send, *args) -> tuple[int, float]:
    started = time.monotonic()
    response = send(*args)
    return response.status_code, time.monotonic() - started


def _counters(redis_client) -> int:
    return len(redis_client.keys("LIMITS*"))


def test_limits_are_counted_in_redis_while_it_answers(client, consultation, redis_client):
    client.get(f"/sv/consultations/{consultation.id}/views/new")
    assert _view(client, consultation, 1).status_code == 302
    assert _counters(redis_client) > 0


@pytest.mark.parametrize("fault", ["cut", "hang"])
def test_redis_down_or_hung_posts_still_work_within_seconds(client, consultation, proxy, redis_client, fault, caplog):
    client.get(f"/sv/consultations/{consultation.id}/views/new")
    assert _view(client, consultation, 0).status_code == 302  # connected and counting in Redis
    getattr(proxy, fault)()
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        results = [
            _timed(_view, client, consultation, 1),
            _timed(_registration, client, consultation, 1),
            _timed(_registration, client, consultation, 2),
        ]
    assert [status for status, _ in results] == [302, 302, 302]
    assert max(seconds for _, seconds in results) < 3, results  # a bounded wait, not 5 s or a hang
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)


def test_the_fallback_still_stops_a_hammering_client(client, consultation, proxy):
    client.get(f"/sv/consultations/{consultation.id}/views/new")
    proxy.hang()
    per_minute = int(PER_FORM_SESSION.split()[0])
    started = time.monotonic()
    statuses = [_view(client, consultation, i).status_code for i in range(per_minute + 2)]
    assert statuses[:per_minute] == [302] * per_minute and statuses[-1] == 429
    assert time.monotonic() - started < 10


def test_the_app_starts_while_redis_is_down_and_uses_it_when_it_returns(
    proxy, redis_client, engine, tmp_path, db_session, create_consultation
):
    from app import create_app
    from config import TestConfig

    proxy.cut()
    app = create_app(
        TestConfig,
        {
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "UPLOAD_DIR": str(tmp_path),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{proxy.port}/{DB}",
        },
    )
    app.extensions["db"].external_session = db_session
    consultation = create_consultation()
    try:
        client = app.test_client()
        assert _view(client, consultation, 1).status_code == 302
        assert _registration(client, consultation, 1).status_code == 302
        proxy.restore()
        deadline = time.monotonic() + 20  # the limiter looks again after 1, 2, 4 … s
        i = 2
        while _counters(redis_client) == 0 and time.monotonic() < deadline:
            participant = app.test_client()  # another person at the venue: a form session of their own
            participant.get(f"/sv/consultations/{consultation.id}/register")
            assert _registration(participant, consultation, i).status_code == 302
            i += 1
            time.sleep(0.5)
        assert _counters(redis_client) > 0
    finally:
        app.extensions["db"].engine.dispose()
