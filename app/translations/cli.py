"""``flask translations …``: export a catalog with the workbench's overrides, merge them into the ``.po`` files."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.db import get_session
from app.translations import services

group = AppGroup("translations", help="The translators' workbench: export and merge overrides.")


@group.command("export")
@click.argument("language")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
def export_command(language: str, output: str | None) -> None:
    """Print LANGUAGE's catalog with every override applied, as a .po file."""
    if language not in current_app.config["LANGUAGES"]:
        raise click.BadParameter(f"not one of the site's languages: {', '.join(current_app.config['LANGUAGES'])}")
    data = services.export_po(get_session(), current_app.config["TRANSLATIONS_DIR"], language)
    if output:
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


@group.command("merge")
def merge_command() -> None:
    """Write the overrides that are not yet in the .po files into them (run by `make translations`).

    Without a database holding overrides (none configured, not migrated, not
    reachable) there is nothing to keep, and this says so and succeeds."""
    session = get_session()
    directory = current_app.config["TRANSLATIONS_DIR"]
    try:
        if not sa.inspect(session.connection()).has_table("translation_entries"):
            click.echo("translations merge: no workbench tables in this database; nothing to keep.")
            return
        for language in current_app.config["LANGUAGES"]:
            pending = services.pending_overrides(session, directory, language)
            if not pending:
                continue
            target = Path(directory) / language / "LC_MESSAGES" / "messages.po"
            target.write_bytes(services.export_po(session, directory, language))
            click.echo(f"translations merge: {pending} override(s) written into {target}")
    except sa.exc.SQLAlchemyError as error:
        click.echo(f"translations merge: database unavailable ({type(error).__name__}); nothing merged.")
