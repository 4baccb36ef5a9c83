"""The e-mail outbox delivered to a real SMTP server on the loopback interface."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy.orm import Session

from app.db import make_engine, utcnow
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.services import (
    MAX_ATTEMPTS,
    SmtpSettings,
    SmtpUnavailable,
    deliver_pending,
    queue_email,
    render_email,
)
from tests.mail.helpers import free_port, scratch_postgres, serve_smtp, smtp_server
from tests.support import present

SENDER = "Samrådsportalen <noreply@samradsportalen.example>"

TEMPLATES = {
    "emails/test/hello.txt": (
        "{{ _('Consultations') }}: {{ title }}\n{{ _('Hello,') }} {{ name }}\n\n{{ 3|number }} · {{ when|date }}\n"
    ),
}


@pytest.fixture
def mail_app(app):
    """The app with one small e-mail template of our own."""
    app.jinja_loader  # noqa: B018 - make sure the default loader exists
    app.jinja_env.loader = ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader])
    with app.app_context():
        yield app


def _settings(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, timeout=5)


def _queue(db_session, n: int = 1, language: str = "sv") -> list[OutboxMessage]:
    messages = [
        queue_email(
            db_session,
            to=f"person{i}@example.com",
            template="test/hello",
            language=language,
            kind="test.hello",
            title=f"Samråd nr {i}",
            name="Ärlig",
            when=utcnow(),
        )
        for i in range(n)
    ]
    db_session.commit()
    return messages


def test_render_email_splits_subject_and_body_in_the_recipients_language(mail_app, marker_catalog):
    subject, body = render_email("test/hello", "rom", title="Sfatuipe", name="Ana", when=utcnow())
    assert subject == "[rom]Consultations: Sfatuipe"
    assert body.startswith("[rom]Hello, Ana\n")
    assert "[sv]" not in body
    subject_sv, _body = render_email("test/hello", "sv", title="Samråd", name="Ana", when=utcnow())
    assert subject_sv == "[sv]Consultations: Samråd"


def test_message_arrives_at_a_real_smtp_server(mail_app, db_session):
    (message,) = _queue(db_session)
    with smtp_server() as (sink, port):
        sent, failed = deliver_pending(db_session, _settings(port))
    assert (sent, failed) == (1, 0)
    (received,) = sink.messages
    assert received["To"] == "person0@example.com"
    assert "noreply@samradsportalen.example" in received["From"]
    assert received["Subject"].endswith(": Samråd nr 0")
    assert received["Content-Language"] == "sv"
    assert "Ärlig" in received.get_content()
    assert sink.envelopes[0].rcpt_tos == ["person0@example.com"]
    db_session.refresh(message)
    assert message.status is OutboxStatus.SENT
    assert message.sent_dt is not None and message.attempts == 1 and message.last_error is None


def test_an_unreachable_server_ends_the_run_and_costs_the_message_nothing(mail_app, db_session):
    """The server's outage is not the message's fault: no attempt is counted, no
    back-off, and the next run after the server is back delivers it."""
    first, second = _queue(db_session, 2)
    due = first.next_attempt_dt
    with pytest.raises(SmtpUnavailable, match="ConnectionRefused"):
        deliver_pending(db_session, _settings(free_port()))
    for message in (first, second):
        db_session.refresh(message)
        assert message.status is OutboxStatus.PENDING
        assert message.attempts == 0
    assert "ConnectionRefused" in present(first.last_error)
    assert first.next_attempt_dt == due
    assert second.last_error is None  # the run stopped at the first message

    with smtp_server() as (sink, port):
        assert deliver_pending(db_session, _settings(port)) == (2, 0)
    assert len(sink.messages) == 2
    db_session.refresh(first)
    assert first.status is OutboxStatus.SENT
    assert first.attempts == 1 and first.last_error is None


class _Refusing:
    """An SMTP server that refuses some recipients (550) and accepts the rest."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address.endswith("@blocked.example"):
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.extend(envelope.rcpt_tos)
        return "250 OK"


def _refusing_server():
    return serve_smtp(_Refusing())


def test_a_refused_message_is_retried_later(mail_app, db_session):
    (message,) = _queue(db_session)
    message.to_address = "nobody@blocked.example"
    db_session.commit()
    before = utcnow()
    with _refusing_server() as (_handler, port):
        assert deliver_pending(db_session, _settings(port)) == (0, 1)
    db_session.refresh(message)
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 1
    assert "550" in present(message.last_error)
    assert message.next_attempt_dt > before + timedelta(seconds=60)
    with smtp_server() as (sink, port):
        assert deliver_pending(db_session, _settings(port)) == (0, 0)  # not due yet: nothing is tried
        assert sink.messages == []


def test_gives_up_after_the_last_attempt(mail_app, db_session):
    (message,) = _queue(db_session)
    message.to_address = "nobody@blocked.example"
    message.attempts = MAX_ATTEMPTS - 1
    db_session.commit()
    with _refusing_server() as (_handler, port):
        assert deliver_pending(db_session, _settings(port)) == (0, 1)
    db_session.refresh(message)
    assert message.status is OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS


def test_one_failure_does_not_stop_the_rest(mail_app, db_session):
    messages = _queue(db_session, 3)
    messages[0].to_address = "nobody@blocked.example"
    db_session.commit()
    with _refusing_server() as (handler, port):
        assert deliver_pending(db_session, _settings(port)) == (2, 1)
    assert sorted(handler.received) == ["person1@example.com", "person2@example.com"]
    db_session.refresh(messages[0])
    assert messages[0].status is OutboxStatus.PENDING and "550" in present(messages[0].last_error)


def test_send_mail_command(mail_app, db_session, runner):
    _queue(db_session, 2)
    with smtp_server() as (sink, port):
        mail_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        result = runner.invoke(args=["send-mail", "--limit", "1"])
        assert result.exit_code == 0, result.output
        assert "Sent 1, failed 0." in result.output
        assert "Sent 1, failed 0." in runner.invoke(args=["send-mail"]).output
        assert "Sent 0, failed 0." in runner.invoke(args=["send-mail"]).output
    assert len(sink.messages) == 2


# --- Two senders at once (PostgreSQL, real commits) -----------------------------------------


@pytest.fixture
def scratch_url(backend):
    if backend != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    with scratch_postgres() as url:
        yield url


def test_two_concurrent_senders_deliver_each_message_exactly_once(scratch_url):
    count = 30
    engine = make_engine(scratch_url)
    with Session(engine) as session:
        session.add_all(
            OutboxMessage(
                to_address=f"p{i}@example.com",
                subject=f"Message {i}",
                body_text=f"Body {i}\n",
                language="sv",
                kind="test.concurrent",
            )
            for i in range(count)
        )
        session.commit()

    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    with smtp_server(delay=0.02) as (sink, port):
        barrier = threading.Barrier(2)

        def sender() -> None:
            own = make_engine(scratch_url)
            try:
                with Session(own, expire_on_commit=False) as session:
                    barrier.wait(timeout=10)
                    results.append(deliver_pending(session, _settings(port), limit=count))
            except BaseException as error:  # noqa: BLE001 - reported by the test
                errors.append(error)
            finally:
                own.dispose()

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    subjects = sorted(str(m["Subject"]) for m in sink.messages)
    assert subjects == sorted(f"Message {i}" for i in range(count))  # every one, and none twice
    assert sum(sent for sent, _failed in results) == count
    assert all(sent > 0 for sent, _failed in results), results  # both really worked at the same time
    with Session(engine) as session:
        rows = session.execute(sa.select(OutboxMessage.status, OutboxMessage.attempts)).all()
    engine.dispose()
    assert {(status, attempts) for status, attempts in rows} == {(OutboxStatus.SENT, 1)}


def test_a_broken_message_does_not_block_the_queue(mail_app, db_session):
    broken, good = _queue(db_session, 2)
    broken.to_address = "person@example.com\nBcc: everyone@example.com"
    db_session.commit()
    with smtp_server() as (sink, port):
        assert deliver_pending(db_session, _settings(port)) == (1, 1)
    assert [m["To"] for m in sink.messages] == ["person1@example.com"]
    db_session.refresh(broken)
    assert broken.status is OutboxStatus.FAILED and "ValueError" in present(broken.last_error)
