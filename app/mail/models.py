from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, str_enum, utcnow


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    #: Claimed by a sender and being handed to the SMTP server; ``next_attempt_dt``
    #: is the end of the claim. Still SENDING after that: the sender died or lost
    #: the database before it could record the outcome (see mail.services).
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the maximum number of attempts, or interrupted while sending


class OutboxMessage(Base):
    """A message to send, and for a short while after, what was sent.

    The body holds names and private links: :func:`app.mail.services.redact_delivered`
    empties address, subject, body and attachment ``OUTBOX_KEEP_HOURS`` after delivery (or
    after giving up), and :func:`app.mail.services.forget_contacts` deletes the
    messages to a person whose contact data is withdrawn or purged.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_status_next_attempt_dt", "status", "next_attempt_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(8))
    #: What caused the message, e.g. "registration.confirmed" (for support and tests).
    kind: Mapped[str] = mapped_column(sa.String(60), index=True)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_dt: Mapped[datetime] = mapped_column(default=utcnow)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    sent_dt: Mapped[datetime | None]
    #: One attached file, if any (a calendar entry): its name, MIME type (with
    #: parameters, e.g. ``text/calendar; method=REQUEST``) and text. Emptied with
    #: the body, since it may name the recipient.
    attachment_name: Mapped[str | None] = mapped_column(sa.String(100))
    attachment_type: Mapped[str | None] = mapped_column(sa.String(100))
    attachment_text: Mapped[str | None] = mapped_column(sa.Text)
    #: The participant the message is about (registrant, view author, …); ``None`` for staff mail.
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
