"""Full JSON export and import: a round trip between databases keeps every row."""

from __future__ import annotations

import io
import os
import uuid

import sqlalchemy as sa

from app import migrate
from app.core.export import export_database, import_database
from app.db import Base, make_engine
from app.demo import load_demo_data
from config import TestConfig


def _scratch_url(backend: str, tmp_path, name: str) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.sqlite')}", lambda: None
    base = sa.make_url(os.environ["TEST_DATABASE_URL"])
    db_name = f"samrad_{name}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{db_name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}"'))
        admin.dispose()

    return base.set(database=db_name).render_as_string(hide_password=False), drop


def test_export_import_round_trip(backend, tmp_path) -> None:
    source_url, drop_source = _scratch_url(backend, tmp_path, "source")
    target_url, drop_target = _scratch_url(backend, tmp_path, "target")
    try:
        migrate.upgrade(source_url)
        migrate.upgrade(target_url)
        source, target = make_engine(source_url), make_engine(target_url)
        try:
            from flask import Flask  # noqa: F401
            from sqlalchemy.orm import Session

            from app import create_app

            app = create_app(TestConfig, {"DATABASE_URL": source_url})
            with app.app_context(), Session(source) as session:
                load_demo_data(session, app.config)
                session.commit()
            app.extensions["db"].engine.dispose()

            buffer = io.StringIO()
            with source.connect() as conn:
                exported = export_database(conn, buffer)
            assert exported["consultations"] >= 3 and exported["boards"] == 24
            buffer.seek(0)
            with target.begin() as conn:
                imported = import_database(conn, buffer)
            assert imported == exported
            for table in Base.metadata.sorted_tables:
                with source.connect() as a, target.connect() as b:
                    order = list(table.primary_key.columns)
                    assert a.execute(sa.select(table).order_by(*order)).all() == b.execute(sa.select(table).order_by(*order)).all(), table.name
            # New rows still get fresh ids after the import (sequences reset on PostgreSQL).
            with target.begin() as conn:
                conn.execute(sa.text("INSERT INTO contacts (language, created_dt) VALUES ('sv', CURRENT_TIMESTAMP)"))
        finally:
            source.dispose()
            target.dispose()
    finally:
        drop_source()
        drop_target()
