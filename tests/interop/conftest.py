"""A live server for the outside clients that speak HTTP (Schemathesis): the
real application in a thread, on a migrated SQLite file holding the demo data."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Served:
    url: str
    app: Any


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from sqlalchemy.orm import Session
    from werkzeug.serving import make_server

    import app.registry  # noqa: F401  (all models)
    from app import create_app
    from app.db import make_engine
    from app.demo import load_demo_data
    from app.migrate import upgrade
    from config import TestConfig

    tmp = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{tmp / 'served.sqlite'}"
    upgrade(url)
    application = create_app(TestConfig, {"DATABASE_URL": url, "UPLOAD_DIR": str(tmp / "uploads"),
                                          "TESTING": False, "RATELIMIT_ENABLED": False})
    engine = make_engine(url)
    with Session(engine) as session:
        load_demo_data(session, application.config)
        session.commit()
    engine.dispose()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, application, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    application.config["PUBLIC_BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, name="served-demo", daemon=True)
    thread.start()
    try:
        yield Served(url=base, app=application)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        application.extensions["db"].engine.dispose()
