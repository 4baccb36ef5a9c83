"""Empty databases for tests that need real commits or a schema built by migrations."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session


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


def commit_consultation(url: str, *, capacity: int = 100, title_sv: str = "Samråd om badhuset") -> int:
    """A published consultation of a new Kulturnämnden, ten days ahead, accepting views and
    registrations, committed for real in the database at ``url`` (for tests whose threads or
    processes must see it); its id."""
    from app.boards.models import Board, BoardKind
    from app.consultations.models import Consultation, ConsultationStatus
    from app.db import make_engine, utcnow

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            board = Board(slug="kultur", kind=BoardKind.SPECIALIST, name_sv="Kulturnämnden")
            start = utcnow() + timedelta(days=10)
            consultation = Consultation(
                lead_board=board,
                status=ConsultationStatus.PUBLISHED,
                title_sv=title_sv,
                capacity=capacity,
                start_dt=start,
                end_dt=start + timedelta(hours=2),
                interpreter_languages=[],
            )
            session.add(consultation)
            session.commit()
            return consultation.id
    finally:
        engine.dispose()
