"""Redis (the shared page cache) goes down or hangs: pages and forms are
served as before, each Redis call is bounded by short timeouts, the cache is
left alone for a pause after a failure, one warning per outage, and the cache
works again once Redis answers. (The rate limiter's Redis: tests of app/web/limits.py.)"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

import pytest

from app.web import pagecache
from tests.faults.proxy import TcpProxy
from tests.redis_server import require_redis

REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def redis_proxy() -> Iterator[TcpProxy]:
    require_redis()
    proxy = TcpProxy(*REDIS)
    yield proxy
    proxy.close()


@pytest.fixture
def cached_app(make_fault_app, redis_proxy):
    prefix = f"faults:{os.getpid()}:{time.monotonic_ns()}:"
    app = make_fault_app(PAGE_CACHE_URL=f"redis://127.0.0.1:{redis_proxy.port}/13", PAGE_CACHE_PREFIX=prefix)
    store = app.extensions["page_cache"]
    # Longer than the test's requests take on a loaded machine: the count of calls below must not
    # depend on speed (the pause is ended explicitly once Redis is back).
    store.pause_after_failure = 120.0
    yield app
    redis_proxy.restore()  # also when the test failed while Redis was cut or hung
    try:
        for key in store.client.scan_iter(prefix + "*"):
            store.client.delete(key)
    finally:
        store.client.close()


@pytest.mark.parametrize("fault", ["cut", "hang"])
def test_pages_and_forms_work_while_redis_is_down_or_hung(
    cached_app, redis_proxy, consultation_id, pg_url, caplog, fault
):
    client = cached_app.test_client()
    store = cached_app.extensions["page_cache"]
    url = f"/sv/consultations/{consultation_id}"
    assert client.get(url).headers["X-Page-Cache"] == "miss"
    assert client.get(url).headers["X-Page-Cache"] == "hit"

    getattr(redis_proxy, fault)()
    calls_before = store.calls
    caplog.set_level(logging.WARNING, logger="app.web.pagecache")
    for _ in range(10):
        page = client.get(url)
        assert page.status_code == 200
        assert "Samråd om badhuset" in page.get_data(as_text=True)
        assert page.headers["X-Page-Cache"] == "miss"
    # Paused after the first failure: one bounded call (test_each_redis_call_is_bounded), not one per request.
    assert store.calls - calls_before == 1
    warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(warnings) == 1

    response = client.post(
        f"/sv/consultations/{consultation_id}/views/new",
        data={"body": "Redis är nere", "language": "sv", "submission_key": f"redis-{fault}"},
    )
    assert response.status_code == 302

    redis_proxy.restore()
    store._paused_until = 0.0  # the pause is over (it would end by itself after pause_after_failure)
    visitor = cached_app.test_client()  # the sender's browser now keeps its sent key: not anonymous
    assert visitor.get(url).headers["X-Page-Cache"] == "miss"  # the view above changed the page
    assert visitor.get(url).headers["X-Page-Cache"] == "hit"
    assert len([r for r in caplog.records if "Redis unavailable" in r.getMessage()]) == 1


@pytest.mark.parametrize("fault", ["cut", "hang"])
def test_each_redis_call_is_bounded(redis_proxy, fault):
    """A dead or hung Redis costs one short timeout per call at most."""
    store = pagecache.RedisPageStore(f"redis://127.0.0.1:{redis_proxy.port}/13", "bounded:")
    try:
        assert store.get("x") is None
        getattr(redis_proxy, fault)()
        started = time.monotonic()
        assert store.get("x") is None
        # Bounded, not hanging: far below what an unbounded read would take, with room for a loaded machine.
        assert time.monotonic() - started < 10 * store.SOCKET_TIMEOUT
    finally:
        store.client.close()
