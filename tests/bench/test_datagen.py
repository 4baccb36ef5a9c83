"""The bench generator at a tiny size: the data arrives and the schema is left exactly as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import app.registry  # noqa: F401
from app.db import Base, make_engine
from bench import datagen
from bench.data import bench_data_command
from tests.databases import empty_database

SIZES = datagen.Sizes(boards=3, consultations=40, views=1600, registrations=50, seed=7)


def _indexes(engine: sa.Engine) -> dict[tuple[str, str], object]:
    """Every index of the database with its definition (on PostgreSQL the full ``CREATE INDEX``)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(
                sa.text("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
            )
        else:
            rows = connection.execute(sa.text("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index'"))
        return {(table, name): definition for table, name, definition in rows}


def _metadata_indexes() -> set[tuple[str, str]]:
    return {(table.name, str(index.name)) for table in Base.metadata.tables.values() for index in table.indexes}


def test_generates_and_keeps_every_index(backend: str, tmp_path) -> None:
    with empty_database(backend, tmp_path, "bench") as url:
        engine = make_engine(url)
        try:
            Base.metadata.create_all(engine)
            before = _indexes(engine)
            lines: list[str] = []
            result = datagen.generate(engine, SIZES, echo=lines.append)
            after = _indexes(engine)
            with engine.connect() as connection:
                views = connection.scalar(sa.select(sa.func.count()).select_from(Base.metadata.tables["viewpoints"]))
                present = datagen.dataset_present(connection)
        finally:
            engine.dispose()
    assert views == SIZES.views and result.counts["viewpoints"] == SIZES.views
    assert present is not None and present.consultation_500 == result.consultation_500
    assert _metadata_indexes() <= set(after)
    assert after == before
    if backend == "postgresql":  # the indexes were really dropped and rebuilt
        assert any("secondary indexes dropped" in line for line in lines) and "indexes" in result.timings


def test_failure_leaves_every_index(backend: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise RuntimeError("generator failed half-way")

    monkeypatch.setattr(datagen, "_registrations", fail)
    with empty_database(backend, tmp_path, "bench") as url:
        engine = make_engine(url)
        try:
            Base.metadata.create_all(engine)
            before = _indexes(engine)
            with pytest.raises(RuntimeError, match="half-way"):
                datagen.generate(engine, SIZES, echo=lambda line: None)
            after = _indexes(engine)
            with engine.connect() as connection:
                views = connection.scalar(sa.select(sa.func.count()).select_from(Base.metadata.tables["viewpoints"]))
        finally:
            engine.dispose()
    assert after == before and _metadata_indexes() <= set(after)
    assert views == 0  # nothing half-written either


def test_bench_data_command(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    runner = CliRunner()
    args = ["--boards", "3", "--consultations", "40", "--views", "1600", "--database-url", url]
    result = runner.invoke(bench_data_command, args)
    assert result.exit_code == 0, result.output
    assert "Consultation page (500 views)" in result.output and "Total time" in result.output
    again = runner.invoke(bench_data_command, [*args, "--if-missing"])
    assert again.exit_code == 0 and "already present" in again.output


@pytest.fixture
def built_bench(tmp_path) -> Iterator[tuple[Callable[[], Any], sa.Engine]]:
    """A tiny bench dataset built by the CLI, a function running the same
    ``bench-data --if-missing`` again, and an engine on that database."""
    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    runner = CliRunner()
    args = ["--boards", "3", "--consultations", "40", "--views", "1600", "--database-url", url, "--if-missing"]
    assert runner.invoke(bench_data_command, args).exit_code == 0
    engine = make_engine(url)
    yield (lambda: runner.invoke(bench_data_command, args)), engine
    engine.dispose()


def test_an_outdated_bench_dataset_is_rebuilt(built_bench) -> None:
    """A dataset built before a model gained a column would make every page fail."""
    run_again, engine = built_bench
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE feedback_reports DROP COLUMN version"))
    again = run_again()
    assert again.exit_code == 0, again.output
    assert "feedback_reports.version missing" in again.output and "already present" not in again.output
    assert "version" in {c["name"] for c in sa.inspect(engine).get_columns("feedback_reports")}
    with engine.connect() as connection:
        assert datagen.dataset_present(connection) is not None


def test_a_bench_dataset_with_other_indexes_is_rebuilt(built_bench) -> None:
    run_again, engine = built_bench
    with engine.begin() as connection:
        connection.execute(sa.text("DROP INDEX ix_registrations_consultation_id_status_created_dt"))
        connection.execute(
            sa.text(
                "CREATE INDEX ix_registrations_consultation_id_status_created_dt ON registrations (consultation_id, status)"
            )
        )
    again = run_again()
    assert again.exit_code == 0, again.output
    assert "index ix_registrations_consultation_id_status_created_dt" in again.output
    assert run_again().output.count("already present") == 1  # rebuilt right: nothing missing now
