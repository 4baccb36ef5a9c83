"""Load the synthetic benchmark dataset: ``python -m bench.data --database-url URL [sizes]``.

Part of the benchmark tooling (``make bench``, bench/run.py), not of the app:
the production package never imports it.
"""

from __future__ import annotations

import json

import click
import sqlalchemy as sa

import app.registry  # noqa: F401
from app.db import Base, make_engine


@click.command("bench-data")
@click.option("--boards", default=30, show_default=True)
@click.option("--consultations", default=20_000, show_default=True)
@click.option("--views", default=1_000_000, show_default=True)
@click.option("--registrations", type=int, default=None, help="Default: one per ten views.")
@click.option("--seed", default=2026, show_default=True)
@click.option("--database-url", default=None, help="Default: the DATABASE_URL of the configuration.")
@click.option("--if-missing", is_flag=True, help="Do nothing (but print the ids) if the dataset is already there.")
@click.option("--reset", is_flag=True, help="Drop every table first. Destroys all data in that database.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Write the ids here.")
def bench_data_command(
    boards: int,
    consultations: int,
    views: int,
    registrations: int | None,
    seed: int,
    database_url: str | None,
    if_missing: bool,
    reset: bool,
    json_path: str | None,
) -> None:
    """Fill a database with a large, realistic synthetic dataset for benchmarks."""
    from bench.datagen import Sizes, dataset_present, describe, generate

    url = database_url or _configured_url()
    engine = make_engine(url)
    sizes = Sizes(boards=boards, consultations=consultations, views=views, registrations=registrations, seed=seed)
    try:
        if reset:
            Base.metadata.drop_all(engine)
        with engine.connect() as connection:
            existing = dataset_present(connection)
            outdated = existing is not None and _missing_columns(connection)
        if outdated and if_missing:
            # A dataset built before a model gained a column cannot serve the
            # app; it is the bench's own (it carries the marker): build it again.
            click.echo(f"The bench dataset predates the models ({', '.join(outdated[:5])} missing): rebuilding it.")
            Base.metadata.drop_all(engine)
            existing = None
        if existing is not None:
            if not if_missing:
                raise click.ClickException("The database already holds a bench dataset (use --reset or --if-missing).")
            # Tables added to the models since the dataset was built (empty).
            Base.metadata.create_all(engine)
            click.echo("Bench dataset already present.")
            result = existing
        else:
            click.echo(f"Generating into {engine.url.render_as_string(hide_password=True)} …")
            result = generate(engine, sizes, echo=click.echo)
        click.echo(describe(result, sizes))
        if json_path:
            with open(json_path, "w", encoding="utf-8") as out:
                json.dump(result.as_dict(), out, indent=2)
    finally:
        engine.dispose()


def _configured_url() -> str:
    from config import config_from_env

    return str(config_from_env()().DATABASE_URL)


def _missing_columns(connection: sa.Connection) -> list[str]:
    """``table.column`` of the models that the database's existing tables lack,
    and indexes that are missing or index other columns than the models say
    (a benchmark on other indexes measures something else)."""
    inspector = sa.inspect(connection)
    tables = set(inspector.get_table_names())
    missing = []
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{column.name}" for column in table.columns if column.name not in present]
        indexes = {index["name"]: list(index["column_names"]) for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if indexes.get(str(index.name)) != [column.name for column in index.columns]:
                missing.append(f"index {index.name}")
    return missing


if __name__ == "__main__":
    bench_data_command()
