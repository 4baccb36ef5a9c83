"""Migrations build the same schema as the models, on every backend."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import app.registry  # noqa: F401
from app import migrate
from app.db import Base, make_engine
from tests.databases import empty_database


def test_migrations_match_models(backend: str, tmp_path) -> None:
    with empty_database(backend, tmp_path, "migrations") as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                diff = compare_metadata(context, Base.metadata)
        finally:
            engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask db revision -m ...`: {diff}"


@pytest.mark.parametrize("revision", ["base"])
def test_migrations_downgrade_to_base(backend: str, tmp_path, revision: str) -> None:
    from alembic import command

    with empty_database(backend, tmp_path, "migrations") as url:
        migrate.upgrade(url)
        command.downgrade(migrate.alembic_config(url), revision)
        engine = make_engine(url)
        try:
            tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        finally:
            engine.dispose()
    assert tables == set()
