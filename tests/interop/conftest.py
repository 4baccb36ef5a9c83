"""A live server for the outside clients that speak HTTP (Schemathesis): the
real application in a thread, on a migrated SQLite file holding the demo data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support import serve


@dataclass
class Served:
    url: str
    app: Any


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from sqlalchemy.orm import Session

    import app.registry  # noqa: F401  (all models)
    from app import create_app
    from app.db import make_engine
    from app.demo import load_demo_data
    from app.migrate import upgrade
    from config import TestConfig

    tmp = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{tmp / 'served.sqlite'}"
    upgrade(url)
    application = create_app(
        TestConfig,
        {"DATABASE_URL": url, "UPLOAD_DIR": str(tmp / "uploads"), "TESTING": False, "RATELIMIT_ENABLED": False},
    )
    engine = make_engine(url)
    with Session(engine) as session:
        load_demo_data(session, application.config)
        session.commit()
    engine.dispose()
    with serve(application) as base:
        yield Served(url=base, app=application)
