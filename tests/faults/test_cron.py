"""The cron commands during a database or SMTP outage: exit status 1 and one
clear line, nothing marked sent that the SMTP server did not accept, and no
message sent twice after recovery."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import make_engine, utcnow
from app.mail.models import OutboxMessage, OutboxStatus
from tests.mail.helpers import SmtpSink, free_port, serve_smtp, smtp_server


@pytest.fixture
def outbox(pg_url):
    """Three pending messages in an otherwise empty outbox; returns a reader of (subject, status)."""
    engine = make_engine(pg_url)
    with Session(engine) as session:
        session.execute(sa.delete(OutboxMessage))
        session.add_all(
            OutboxMessage(
                to_address=f"p{i}@example.com",
                subject=f"Message {i}",
                body_text=f"Body {i}\n",
                language="sv",
                kind="test.outage",
            )
            for i in range(3)
        )
        session.commit()

    def rows() -> dict[str, tuple[OutboxStatus, int]]:
        with Session(engine) as session:
            return {m.subject: (m.status, m.attempts) for m in session.scalars(sa.select(OutboxMessage))}

    yield rows
    engine.dispose()


def _run(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


@pytest.mark.parametrize("command", ["send-mail", "send-reminders", "purge", "seed-boards"])
def test_cron_commands_exit_1_with_a_clear_message_when_the_database_is_down(make_fault_app, db_proxy, command):
    app = make_fault_app()
    db_proxy.cut()
    result = _run(app, command)
    assert result.exit_code == 1
    assert "The database is unavailable" in result.output
    assert "Traceback" not in result.output


def test_send_mail_does_not_hang_on_a_hung_database(make_fault_app, db_proxy, outbox):
    app = make_fault_app(CRON_DB_WAIT=1.0)
    assert _run(app, "send-mail", "--limit", "0").exit_code == 0  # a pooled connection exists
    db_proxy.hang()
    started = time.monotonic()
    result = _run(app, "send-mail")
    assert result.exit_code == 1
    assert "did not answer" in result.output
    assert time.monotonic() - started < 8  # the wait limit, then at most one connect timeout


def test_smtp_outage_sends_nothing_marks_nothing_and_the_next_run_delivers_once(make_fault_app, outbox):
    port = free_port()
    app = make_fault_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    result = _run(app, "send-mail")
    assert result.exit_code == 1
    assert f"The SMTP server 127.0.0.1:{port} is unavailable" in result.output
    assert set(outbox().values()) == {(OutboxStatus.PENDING, 0)}  # nothing sent, no attempt spent
    with smtp_server(port=port) as (sink, _port):
        result = _run(app, "send-mail")
        assert result.exit_code == 0, result.output
        assert "Sent 3, failed 0." in result.output
        assert _run(app, "send-mail").output.startswith("Sent 0, failed 0.")
    assert sorted(str(m["Subject"]) for m in sink.messages) == ["Message 0", "Message 1", "Message 2"]
    assert set(outbox().values()) == {(OutboxStatus.SENT, 1)}


class _CuttingSink(SmtpSink):
    """Accepts the first message and cuts the database at that moment: the
    sender cannot record that the message went out."""

    def __init__(self, proxy: Any) -> None:
        super().__init__()
        self.proxy = proxy

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == 1:
            self.proxy.cut()
        return answer


def test_database_lost_after_the_smtp_handoff_never_sends_a_message_twice(make_fault_app, db_proxy, outbox, pg_url):
    with serve_smtp(_CuttingSink(db_proxy)) as (sink, port):
        app = make_fault_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        result = _run(app, "send-mail")
        assert result.exit_code == 1
        assert "The database is unavailable" in result.output
        assert [str(m["Subject"]) for m in sink.messages] == ["Message 0"]
        rows = outbox()
        assert rows["Message 0"][0] is OutboxStatus.SENDING  # delivered, not (yet) recorded: never SENT by guess
        assert rows["Message 1"] == rows["Message 2"] == (OutboxStatus.PENDING, 0)

        db_proxy.restore()
        result = _run(app, "send-mail")
        assert result.exit_code == 0, result.output  # the claim on Message 0 has not run out yet
        assert "Sent 2, failed 0." in result.output

        engine = make_engine(pg_url)  # time passes: the claim runs out
        with engine.begin() as connection:
            connection.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.SENDING)
                .values(next_attempt_dt=utcnow())
            )
        engine.dispose()
        result = _run(app, "send-mail")
        assert result.exit_code == 1
        assert "interrupted while being handed to the SMTP server" in result.output
        assert _run(app, "send-mail").exit_code == 0

    # Every message exactly once.
    assert sorted(str(m["Subject"]) for m in sink.messages) == ["Message 0", "Message 1", "Message 2"]
    rows = outbox()
    assert rows["Message 0"][0] is OutboxStatus.FAILED
    assert rows["Message 1"][0] is rows["Message 2"][0] is OutboxStatus.SENT


def test_a_blueprint_cron_command_is_wrapped_once_however_many_apps_are_built(tmp_path):
    """``send-reminders`` lives on a module-level blueprint shared by every app of
    the process: wrapping it again per app nested it until a long test run
    raised RecursionError in the command."""
    from app import create_app
    from config import TestConfig

    apps = [create_app(TestConfig, {"DATABASE_URL": f"sqlite:///{tmp_path / 'cron.sqlite'}"}) for _ in range(3)]
    callback = apps[-1].cli.commands["send-reminders"].callback
    assert getattr(callback, "_reports_outages", False)
    assert not getattr(getattr(callback, "__wrapped__"), "_reports_outages", False)  # the command's own function
    for app in apps:
        app.extensions["db"].engine.dispose()
