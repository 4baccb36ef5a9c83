"""Command-line operations: ``flask --app app <command>``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import ScriptInfo

from app.db import db_wait_limit, get_session

#: Commands run by cron or a systemd timer (README, Operations).
CRON_COMMANDS = ("send-mail", "send-reminders", "purge", "seed-boards")
#: Seconds one wait for the database may take in those (a hung database must
#: not leave one run hanging and the next ones piling up behind it).
CRON_DB_WAIT = 30.0


def _reporting_outages(app: Flask, callback: Callable[..., Any]) -> Callable[..., Any]:
    """A database outage ends the command with exit status 1 and one clear
    line, not a traceback. Each command commits only whole steps, so what it
    committed before stands and the next run carries on from there.

    A blueprint's command is one object shared by every app of the process
    (tests build many): it is wrapped once, and reads the running app's config."""
    if getattr(callback, "_reports_outages", False):
        return callback

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            # The app this run is for (as flask's with_appcontext finds it), not
            # the one that registered the command first.
            running = click.get_current_context().ensure_object(ScriptInfo).load_app()
            with db_wait_limit(running.config.get("CRON_DB_WAIT", CRON_DB_WAIT)):
                return callback(*args, **kwargs)
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError) as error:
            reason = type(getattr(error, "orig", None) or error).__name__
            raise click.ClickException(
                f"The database is unavailable or did not answer ({reason}). Nothing half-done was kept: "
                "what this run committed before stands, the rest is done by the next run once the database is back."
            ) from None

    run._reports_outages = True  # type: ignore[attr-defined]  # a marker on the function object
    return run


def register_cli(app: Flask) -> None:
    @app.cli.group("db")
    def db_group() -> None:
        """Database migrations."""

    @db_group.command("upgrade")
    @click.option("--revision", default="head")
    def db_upgrade(revision: str) -> None:
        """Apply migrations up to REVISION (default: head)."""
        from app import migrate

        migrate.upgrade(current_app.config["DATABASE_URL"], revision)
        click.echo("Database is up to date.")

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message: str) -> None:
        """Autogenerate a migration from the difference between models and database."""
        from app import migrate

        migrate.revision(current_app.config["DATABASE_URL"], message)

    @app.cli.command("seed-boards")
    def seed_boards_command() -> None:
        """Create or update the city's boards."""
        from app.boards.services import seed_boards

        session = get_session()
        created = seed_boards(session)
        session.commit()
        click.echo(f"Boards: {created} created.")

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--site-admin", is_flag=True, help="Grant site administration.")
    @click.option("--board", "boards", multiple=True, help="BOARD_SLUG:ROLE (editor or publisher); repeatable.")
    def create_user_command(email: str, name: str, password: str, site_admin: bool, boards: tuple[str, ...]) -> None:
        """Create a staff account."""
        from app.accounts.models import Role
        from app.accounts.services import create_user, grant_role
        from app.boards.services import get_board_by_slug
        from app.common.errors import DomainError

        session = get_session()
        try:
            user = create_user(session, email=email, name=name, password=password, is_site_admin=site_admin)
            for spec in boards:
                slug, _, role = spec.partition(":")
                board = get_board_by_slug(session, slug)
                if board is None:
                    raise click.ClickException(f"No board with slug {slug!r}.")
                try:
                    grant_role(session, user, board, Role(role or "editor"))
                except ValueError:
                    raise click.ClickException(f"Role must be editor or publisher, not {role!r}.") from None
        except DomainError as error:
            raise click.ClickException(str(error.message)) from None
        session.commit()
        click.echo(f"Created {user.email}.")

    @app.cli.command("break-glass-login")
    @click.argument("email")
    def break_glass_command(email: str) -> None:
        """Print a one-time login link for a local site administrator, valid 15 minutes.

        For when the identity provider is down or LOCAL_LOGIN=off. Using it ends every
        other session of the account, is written to the audit log and is told to the
        account's holder by e-mail; a two-factor code is still asked where it is on.
        """
        from app.accounts.services import BREAK_GLASS_MINUTES, get_user_by_email, make_break_glass_token
        from app.common.errors import DomainError
        from app.common.urls import external_url

        session = get_session()
        user = get_user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"No account with the e-mail address {email!r}.")
        try:
            token = make_break_glass_token(session, user, current_app.config["SECRET_KEY"])
        except DomainError as error:
            raise click.ClickException(str(error.message)) from None
        link = external_url("sso.break_glass", token=token, lang_code=user.preferred_language)
        click.echo(f"One-time login for {user.email}, valid {BREAK_GLASS_MINUTES} minutes:\n{link}")

    @app.cli.command("send-mail")
    @click.option("--limit", default=100, show_default=True)
    def send_mail_command(limit: int) -> None:
        """Deliver pending e-mails from the outbox over SMTP (MAIL_* settings)."""
        from app.db import utcnow
        from app.mail.services import (
            SmtpSettings,
            SmtpUnavailable,
            deliver_pending,
            fail_interrupted,
            redact_delivered,
        )

        session = get_session()
        # First, what was sent long enough ago loses its address and text (no SMTP needed for that).
        redacted = redact_delivered(session, now=utcnow(), keep_hours=current_app.config["OUTBOX_KEEP_HOURS"])
        session.commit()
        interrupted = fail_interrupted(session)
        try:
            sent, failed = deliver_pending(session, SmtpSettings.from_config(current_app.config), limit=limit)
        except SmtpUnavailable as error:
            raise click.ClickException(
                f"The SMTP server {current_app.config['MAIL_SERVER']}:{current_app.config['MAIL_PORT']} is unavailable "
                f"({error}). Messages accepted before this are marked sent; the others wait in the outbox, "
                "unchanged, for the next run."
            ) from None
        click.echo(f"Sent {sent}, failed {failed}. Redacted {redacted} e-mails sent earlier.")
        if interrupted:
            raise click.ClickException(
                f"{len(interrupted)} message(s) (outbox id {', '.join(map(str, interrupted))}) were interrupted while "
                "being handed to the SMTP server, by a database outage or a killed sender: they may have been "
                "delivered, so they are marked failed and not sent again. Check the mail server's log."
            )

    @app.cli.command("purge")
    @click.option(
        "--days",
        type=click.IntRange(min=0),
        default=None,
        help="Override CONTACT_RETENTION_DAYS (and WISH_CONTACT_RETENTION_DAYS unless --wish-days is given).",
    )
    @click.option("--wish-days", type=click.IntRange(min=0), default=None, help="Override WISH_CONTACT_RETENTION_DAYS.")
    @click.option("--audio-days", type=click.IntRange(min=0), default=None, help="Override AUDIO_RETENTION_DAYS.")
    def purge_command(days: int | None, wish_days: int | None, audio_days: int | None) -> None:
        """Delete personal data on schedule (gallring): contact data of consultations, survey answers and
        wishes, with every e-mail to those people, and the address and text of e-mails sent more than
        OUTBOX_KEEP_HOURS ago; recordings of spoken views AUDIO_RETENTION_DAYS after their
        transcription was published, or with their consultation's contact data; and sound files
        that nothing refers to any more."""
        from app.db import utcnow
        from app.jobs.retention import finished_consultation_ids, purge_answer_contacts, purge_contact_data, sweep_audio
        from app.mail.services import redact_delivered
        from app.media.audio import store_from_config
        from app.participation.audio import purge_recordings
        from app.wishes.services import purge_contacts as purge_wish_contacts

        config = current_app.config
        if wish_days is None:
            wish_days = days if days is not None else config["WISH_CONTACT_RETENTION_DAYS"]
        if days is None:
            days = config["CONTACT_RETENTION_DAYS"]
        session = get_session()
        now = utcnow()
        finished = finished_consultation_ids(session, now=now, retention_days=days)
        result = purge_contact_data(session, now=now, retention_days=days)
        wish_contacts = purge_wish_contacts(session, now=now, retention_days=wish_days)
        answer_contacts = purge_answer_contacts(
            session, now=now, retention_days=days, max_days=config["ANSWER_CONTACT_MAX_DAYS"]
        )
        redacted = redact_delivered(session, now=now, keep_hours=config["OUTBOX_KEEP_HOURS"])
        store = store_from_config(config)
        recordings = purge_recordings(
            session,
            store,
            now=now,
            finished_consultation_ids=finished,
            retention_days=config["AUDIO_RETENTION_DAYS"] if audio_days is None else audio_days,
        )
        session.commit()
        orphans = sweep_audio(session, store, now=now)
        click.echo(
            f"Purged {result.contacts} contacts and {result.needs} needs from {result.consultations} consultations, "
            f"and {wish_contacts} wish contacts, {answer_contacts} survey answer contacts. "
            f"Redacted {redacted} e-mails sent earlier."
        )
        click.echo(f"Deleted {recordings} recordings of spoken views and {orphans} sound files nothing referred to.")

    @app.cli.command("export")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def export_command(path: str) -> None:
        """Write every table to PATH as JSON, readable only by you (mode 0600).

        The file holds everything: staff accounts with their password hashes and
        (encrypted) two-factor secrets, participants' names, e-mail addresses and
        phone numbers, registrations and views. Keep it like the database itself
        and delete it when it has served its purpose.
        """
        import os

        from app.jobs.export import export_database

        engine = current_app.extensions["db"].engine
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
        with engine.connect() as connection, os.fdopen(fd, "w", encoding="utf-8") as out:
            counts = export_database(connection, out)
        click.echo(
            f"Exported {sum(counts.values())} rows from {len(counts)} tables to {path} (mode 0600: "
            "it holds personal data and password hashes)."
        )

    @app.cli.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_command(path: str) -> None:
        """Load an export into an empty, migrated database."""
        from app.jobs.export import import_database

        engine = current_app.extensions["db"].engine
        with engine.begin() as connection, open(path, encoding="utf-8") as data:
            counts = import_database(connection, data)
        click.echo(f"Imported {sum(counts.values())} rows.")

    for name in CRON_COMMANDS:
        command = app.cli.commands[name]
        if command.callback is not None:
            command.callback = _reporting_outages(app, command.callback)

    @app.cli.command("demo-data")
    def demo_data_command() -> None:
        """Load demo boards, a demo staff account and consultations (idempotent)."""
        from app.demo import load_demo_data

        session = get_session()
        load_demo_data(session, current_app.config)
        session.commit()
        click.echo(
            f"Demo staff login: {current_app.config['DEMO_STAFF_EMAIL']} / {current_app.config['DEMO_STAFF_PASSWORD']}"
        )
