"""Fixtures of tests/core: two app servers sharing one page cache on the test machine's Redis."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from tests.redis_server import require_redis

PAGE_CACHE_REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def page_cache_prefix() -> str:
    """A key prefix of this test's own, so that tests running at once do not share entries."""
    return f"test:{os.getpid()}:{time.monotonic_ns()}:"


@pytest.fixture
def page_cache_on_redis(page_cache_prefix: str) -> dict[str, Any]:
    """``app_overrides`` for a page cache on Redis (skipped locally without Redis)."""
    require_redis()
    return {"PAGE_CACHE_URL": PAGE_CACHE_REDIS_URL, "PAGE_CACHE_PREFIX": page_cache_prefix}


@pytest.fixture
def second_server(
    app: Flask, engine: sa.Engine, db_session: Session, page_cache_on_redis: dict[str, Any], page_cache_prefix: str
) -> Iterator[Flask]:
    """Another app server on the same database and the same Redis page cache as ``app``
    (use with ``app_overrides`` returning ``page_cache_on_redis``); the test's entries are
    deleted afterwards."""
    from app import create_app
    from config import TestConfig

    second = create_app(
        TestConfig,
        {
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            **page_cache_on_redis,
        },
    )
    second.extensions["db"].external_session = db_session
    try:
        yield second
    finally:
        store = app.extensions["page_cache"]
        for key in store.client.scan_iter(page_cache_prefix + "*"):
            store.client.delete(key)
        store.client.close()
        second.extensions["db"].engine.dispose()
