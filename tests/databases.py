"""Empty databases for tests that need real commits or a schema built by migrations."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa


@contextlib.contextmanager
def empty_database(backend: str, directory: Path, name: str = "scratch") -> Iterator[str]:
    """The URL of a new, empty database on ``backend`` (a SQLite file in
    ``directory``, or a PostgreSQL database next to ``TEST_DATABASE_URL``),
    dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / (name + '.sqlite')}"
        return
    base = sa.make_url(os.environ["TEST_DATABASE_URL"])
    db_name = f"samrad_{name}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{db_name}"'))
    try:
        yield base.set(database=db_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()
