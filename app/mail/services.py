"""Queue e-mails in the recipient's language; deliver them over SMTP.

``queue_email`` renders ``templates/emails/<template>.txt`` inside
``force_language(language)``: the first line is the subject, the rest the body.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import Session

from app.db import utcnow
from app.i18n import force_language
from app.mail.models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 6


def render_email(template: str, language: str, **context: Any) -> tuple[str, str]:
    """``(subject, body)`` rendered in ``language``."""
    with force_language(language):
        text = render_template(f"emails/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def queue_email(session: Session, *, to: str, template: str, language: str, kind: str, **context: Any) -> OutboxMessage:
    """Write a message to the outbox, to be sent after the current transaction commits."""
    subject, body = render_email(template, language, **context)
    message = OutboxMessage(to_address=to, subject=subject, body_text=body, language=language, kind=kind)
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
            host=config["MAIL_SERVER"], port=int(config["MAIL_PORT"]), sender=config["MAIL_DEFAULT_SENDER"],
            username=config.get("MAIL_USERNAME", ""), password=config.get("MAIL_PASSWORD", ""),
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
    # After set_content(), which clears every Content-* header set before it.
    email["Content-Language"] = message.language
    return email


def deliver_pending(session: Session, settings: SmtpSettings, *, limit: int = 100) -> tuple[int, int]:
    """Send due messages, one transaction per message; return ``(sent, failed)``.

    A message is marked sent and committed right after the SMTP server accepted
    it. A failure is recorded with its error and retried later with exponential
    back-off, up to ``MAX_ATTEMPTS``; then it is marked failed.
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
            try:
                if smtp is None:
                    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
                    if settings.use_tls:
                        smtp.starttls()
                    if settings.username:
                        smtp.login(settings.username, settings.password)
                smtp.send_message(email)
            except (OSError, smtplib.SMTPException) as error:
                failed += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                else:
                    message.next_attempt_dt = utcnow() + timedelta(minutes=2 ** message.attempts)
                if smtp is not None:
                    _close_quietly(smtp)
                    smtp = None
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


def _close_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
