"""SQLite with more than one writer (two gunicorn workers on `make run`'s file):
a request that writes begins with ``BEGIN IMMEDIATE`` and so waits for its turn,
instead of failing ("database is locked") when another process wrote meanwhile."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import create_app, migrate
from app.consultations.models import Consultation, ConsultationStatus
from app.demo import load_demo_data
from app.participation.models import Viewpoint
from config import TestConfig
from tests.databases import empty_database


def test_a_form_post_waits_for_another_writer_instead_of_failing(tmp_path) -> None:
    with empty_database("sqlite", tmp_path, "writers") as url:
        migrate.upgrade(url)
        app = create_app(TestConfig, {"DATABASE_URL": url})
        engine = app.extensions["db"].engine
        with app.app_context(), Session(engine) as session:
            load_demo_data(session, app.config)
            session.commit()
            consultation_id = session.scalar(
                sa.select(Consultation.id)
                .where(
                    Consultation.status == ConsultationStatus.PUBLISHED,
                    Consultation.start_dt > datetime.now(timezone.utc),
                )
                .limit(1)
            )
        assert consultation_id is not None

        # Another process holds the write lock for a while and then commits a write.
        holding, release = threading.Event(), threading.Event()

        def other_writer() -> None:
            other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO contacts (language, created_dt) VALUES ('sv', CURRENT_TIMESTAMP)")
            holding.set()
            release.wait(5)
            other.execute("COMMIT")
            other.close()

        writer = threading.Thread(target=other_writer)
        writer.start()
        assert holding.wait(5)
        threading.Timer(0.5, release.set).start()
        response = app.test_client().post(
            f"/sv/consultations/{consultation_id}/views/new",
            data={
                "body": "Vi vill ha kvällsmöten.",
                "language": "sv",
                "submission_key": "k1",
                "agenda_item_id": "",
            },
        )
        writer.join()
        assert response.status_code in (302, 303), response.status_code
        with Session(engine) as session:
            assert (
                session.scalar(
                    sa.select(sa.func.count())
                    .select_from(Viewpoint)
                    .where(Viewpoint.consultation_id == consultation_id, Viewpoint.body == "Vi vill ha kvällsmöten.")
                )
                == 1
            )
        engine.dispose()


def test_reading_requests_begin_deferred(tmp_path) -> None:
    with empty_database("sqlite", tmp_path, "readers") as url:
        migrate.upgrade(url)
        app = create_app(TestConfig, {"DATABASE_URL": url})
        engine = app.extensions["db"].engine
        begins: list[str] = []
        sa.event.listen(
            engine,
            "before_cursor_execute",
            lambda c, cur, stmt, *a: begins.append(stmt) if stmt.startswith("BEGIN") else None,
        )
        client = app.test_client()
        assert client.get("/sv/consultations/").status_code == 200
        assert begins and set(begins) == {"BEGIN"}
        begins.clear()
        client.post("/sv/login", data={"email": "nobody@example.org", "password": "wrong password"})
        assert begins and set(begins) == {"BEGIN IMMEDIATE"}
        engine.dispose()
