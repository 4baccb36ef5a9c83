"""Queue e-mails in the recipient's language; deliver them over SMTP.

``queue_email`` renders ``templates/emails/<template>.txt`` inside
``force_language(language)``: the first line is the subject, the rest the body.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import Session

from app.common.text import one_line, plain_text
from app.db import rowcount, utcnow
from app.i18n import force_language
from app.mail.models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 6


def render_email(template: str, language: str, **context: Any) -> tuple[str, str]:
    """``(subject, body)`` rendered in ``language``."""
    with force_language(language):
        text = render_template(f"emails/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    # A header holds one line: a CR stored in a title (before the forms refused
    # one) would otherwise make the message fail to send.
    return one_line(subject), plain_text(body).strip() + "\n"


@dataclass
class Attachment:
    """A text file sent with a message, e.g. ``Attachment("invitation.ics", "text/calendar; method=REQUEST", ics)``."""

    filename: str
    content_type: str
    text: str


def queue_email(
    session: Session,
    *,
    to: str,
    template: str,
    language: str,
    kind: str,
    contact_id: int | None = None,
    attachment: Attachment | None = None,
    **context: Any,
) -> OutboxMessage:
    """Write a message to the outbox, to be sent after the current transaction commits.

    ``contact_id`` names the participant's ``Contact`` the message goes to, so
    that withdrawing or purging that contact deletes the message too.
    """
    subject, body = render_email(template, language, **context)
    message = OutboxMessage(
        to_address=to, subject=subject, body_text=body, language=language, kind=kind, contact_id=contact_id
    )
    if attachment is not None:
        message.attachment_name = attachment.filename
        message.attachment_type = attachment.content_type
        message.attachment_text = attachment.text
    session.add(message)
    session.flush()
    return message


@dataclass
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    use_tls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Any) -> SmtpSettings:
        return cls(
            host=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            sender=config["MAIL_DEFAULT_SENDER"],
            username=config.get("MAIL_USERNAME", ""),
            password=config.get("MAIL_PASSWORD", ""),
            use_tls=bool(config.get("MAIL_USE_TLS")),
        )


def _claim_next(session: Session) -> OutboxMessage | None:
    """The oldest due pending message. On PostgreSQL the row is locked with
    SKIP LOCKED, so several senders running at once never take the same one."""
    stmt = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_dt <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalar(stmt)


def _to_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="samradsportalen")
    email.set_content(message.body_text)
    if message.attachment_text is not None:
        maintype, _, rest = (message.attachment_type or "application/octet-stream").partition("/")
        subtype, *params = (p.strip() for p in rest.split(";"))
        email.add_attachment(
            message.attachment_text.encode("utf-8"),
            maintype=maintype,
            subtype=subtype,
            filename=message.attachment_name or "attachment",
            params=dict(p.partition("=")[::2] for p in params if p) | {"charset": "utf-8"},
        )
    # After set_content() and add_attachment(), which clear (or move into the
    # first part) every Content-* header set before them.
    email["Content-Language"] = message.language
    return email


class SmtpUnavailable(Exception):
    """The SMTP server could not be reached, or it dropped the connection."""


#: How long a sender's claim on a message lasts (far longer than one SMTP exchange).
CLAIM = timedelta(minutes=15)


def deliver_pending(session: Session, settings: SmtpSettings, *, limit: int = 100) -> tuple[int, int]:
    """Send due messages, one transaction per step; return ``(sent, failed)``.

    Each message is first claimed (status SENDING, committed), then handed to
    the SMTP server, then marked SENT (committed). So the database is known to
    work right before a message goes out, a message is never marked sent that
    the server did not accept, and a message the server accepted is never
    picked up again, even if the database went away before SENT was recorded
    (it stays SENDING: :func:`fail_interrupted` reports it instead of sending
    it twice).

    A message the server refuses is retried later with exponential back-off,
    up to ``MAX_ATTEMPTS``; then it is marked failed. A server that cannot be
    reached or drops the connection is not the message's fault: the message
    goes back to the queue unchanged and :class:`SmtpUnavailable` ends the run.
    Database errors propagate (the caller reports them); what was committed stands.
    """
    sent = failed = 0
    smtp: smtplib.SMTP | None = None
    try:
        for _ in range(limit):
            message = _claim_next(session)
            if message is None:
                break
            message.attempts += 1
            try:
                email = _to_email(message, settings.sender)
            except (ValueError, TypeError) as error:
                # A message that cannot be built never will be: give up on it
                # instead of crashing on it at every run and blocking the rest.
                failed += 1
                message.status = OutboxStatus.FAILED
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                session.commit()
                continue
            message.status = OutboxStatus.SENDING
            due = message.next_attempt_dt
            message.next_attempt_dt = utcnow() + CLAIM
            session.commit()
            try:
                if smtp is None:
                    smtp = _connect(settings)
                smtp.send_message(email)
            except OSError as error:  # smtplib.SMTPException is an OSError too
                if smtp is not None:
                    _close_quietly(smtp)
                    smtp = None
                if not _refused(error):
                    _requeue(session, message, due, error)
                    raise SmtpUnavailable(f"{type(error).__name__}: {error}") from error
                failed += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                else:
                    message.status = OutboxStatus.PENDING
                    message.next_attempt_dt = utcnow() + timedelta(minutes=2**message.attempts)
            else:
                sent += 1
                message.status = OutboxStatus.SENT
                message.sent_dt = utcnow()
                message.last_error = None
            session.commit()
    finally:
        session.rollback()
        if smtp is not None:
            _close_quietly(smtp)
    return sent, failed


def _refused(error: OSError) -> bool:
    """The server answered and refused this message (its recipient, sender or
    content), as opposed to being unreachable, dropping the connection, or
    closing the channel (421)."""
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return error.smtp_code != 421
    return isinstance(error, smtplib.SMTPRecipientsRefused)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.use_tls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password)
    except BaseException:
        _close_quietly(smtp)
        raise
    return smtp


def _requeue(session: Session, message: OutboxMessage, due: Any, error: BaseException) -> None:
    """Back to the queue as it was (the attempt does not count): the server, not the message, failed."""
    message.status = OutboxStatus.PENDING
    message.attempts -= 1
    message.next_attempt_dt = due
    message.last_error = f"SMTP server unavailable: {type(error).__name__}: {error}"[:2000]
    session.commit()


def fail_interrupted(session: Session) -> list[int]:
    """Messages whose sender was interrupted between claiming and recording
    the outcome (the database went away, the process was killed): whether the
    SMTP server accepted them is unknown. They are marked failed, not sent
    again, so nobody gets a message twice; the ids are returned for the operator,
    who can check the mail server's log and queue them again if needed."""
    rows = list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.next_attempt_dt <= utcnow())
            .order_by(OutboxMessage.id)
        )
    )
    for message in rows:
        message.status = OutboxStatus.FAILED
        message.last_error = (
            "Interrupted while being handed to the SMTP server (the database or the sender failed): "
            "it may or may not have been delivered, so it is not sent again. Check the mail server's log."
        )
    session.commit()
    return [m.id for m in rows]


def _close_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


# --- Keeping as little as possible ----------------------------------------------------------------


def redact_delivered(session: Session, *, now: datetime, keep_hours: float) -> int:
    """Empty address, subject, body, attachment and error of messages sent (or given up) more than ``keep_hours`` ago.

    What stays is what happened — kind, language, status, attempts, times — without
    whom it went to or what it said (names, private links). Idempotent; flushes
    only. Returns the number of messages redacted.
    """
    cutoff = now - timedelta(hours=keep_hours)
    done = sa.or_(
        sa.and_(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_dt < cutoff),
        sa.and_(OutboxMessage.status == OutboxStatus.FAILED, OutboxMessage.next_attempt_dt < cutoff),
    )
    count = rowcount(
        session.execute(
            sa.update(OutboxMessage)
            .where(done, OutboxMessage.body_text != "")
            .values(
                to_address="",
                subject="",
                body_text="",
                last_error=None,
                contact_id=None,
                attachment_name=None,
                attachment_type=None,
                attachment_text=None,
            )
            .execution_options(synchronize_session=False)
        )
    )
    session.flush()
    return count or 0


def forget_contacts(session: Session, contact_ids: Iterable[int | None]) -> int:
    """Delete every message (pending or sent) to these contacts: they are being withdrawn or purged.

    Call before deleting the contacts (the foreign key cascades too, but this
    does not rely on it). Flushes only. Returns the number of messages deleted.
    """
    ids = sorted({contact_id for contact_id in contact_ids if contact_id is not None})
    if not ids:
        return 0
    count = rowcount(
        session.execute(
            sa.delete(OutboxMessage)
            .where(OutboxMessage.contact_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    )
    session.flush()
    return count or 0
