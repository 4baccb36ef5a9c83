"""Migrations build the same schema as the models, on every backend."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import app.registry  # noqa: F401
from app import migrate
from app.db import Base, make_engine


def _fresh_database(backend: str, tmp_path) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}", lambda: None
    base_url = sa.make_url(os.environ["TEST_DATABASE_URL"])
    name = f"samrad_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return base_url.set(database=name).render_as_string(hide_password=False), drop


def test_migrations_match_models(backend: str, tmp_path) -> None:
    url, cleanup = _fresh_database(backend, tmp_path)
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                diff = compare_metadata(context, Base.metadata)
        finally:
            engine.dispose()
    finally:
        cleanup()
    assert diff == [], f"models and migrations differ; run `flask db revision -m ...`: {diff}"


@pytest.mark.parametrize("revision", ["base"])
def test_migrations_downgrade_to_base(backend: str, tmp_path, revision: str) -> None:
    from alembic import command

    url, cleanup = _fresh_database(backend, tmp_path)
    try:
        migrate.upgrade(url)
        command.downgrade(migrate.alembic_config(url), revision)
        engine = make_engine(url)
        try:
            tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        finally:
            engine.dispose()
    finally:
        cleanup()
    assert tables == set()
