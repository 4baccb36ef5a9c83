"""Fixtures of the fault-injection suite: a scratch PostgreSQL database with
real commits, reached through a :class:`~tests.faults.proxy.TcpProxy` that can
cut or hang the connection, and an application configured like production."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.db import make_engine
from config import TestConfig
from tests.databases import commit_consultation
from tests.faults.proxy import TcpProxy
from tests.mail.helpers import scratch_postgres

#: The request deadline the fault tests run with (production: DB_REQUEST_TIMEOUT, 8 s).
REQUEST_TIMEOUT = 3.0


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    if not os.environ.get("TEST_DATABASE_URL"):
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("the fault-injection suite needs TEST_DATABASE_URL (PostgreSQL)")
        pytest.skip("the fault-injection suite runs on PostgreSQL (set TEST_DATABASE_URL)")
    with scratch_postgres() as url:
        yield url


@pytest.fixture(scope="module")
def consultation_id(pg_url: str) -> int:
    """A published consultation that accepts written views and registrations."""
    return commit_consultation(pg_url)


@pytest.fixture
def db_proxy(pg_url: str) -> Iterator[TcpProxy]:
    url = sa.make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    yield proxy
    proxy.close()


@pytest.fixture
def fault_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def make_fault_app(pg_url: str, db_proxy: TcpProxy, tmp_path: Any) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        url = sa.make_url(pg_url).set(host="127.0.0.1", port=db_proxy.port)
        app = create_app(
            TestConfig,
            {
                "DATABASE_URL": url.render_as_string(hide_password=False),
                "UPLOAD_DIR": str(tmp_path / "uploads"),
                "DB_REQUEST_TIMEOUT": REQUEST_TIMEOUT,
                # As in production: exceptions become error pages, never tracebacks through the server.
                "TESTING": False,
                "PROPAGATE_EXCEPTIONS": False,
                **overrides,
            },
        )
        app.logger.disabled = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["db"].engine.dispose()


@pytest.fixture
def fault_app(make_fault_app: Callable[..., Flask], fault_overrides: dict[str, Any]) -> Flask:
    return make_fault_app(**fault_overrides)


def count_rows(url: str, statement: str, **params: Any) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(statement), params).scalar() or 0)
    finally:
        engine.dispose()
