"""The speaker confirms what staff wrote down.

A view staff record for someone (said at a meeting, by phone, at a visit) and a
recorded view staff transcribe are the staff's words for what a person said.
If that person left an e-mail address, :func:`ask_speaker` sends them the text,
in their language, with a private link to confirm it or correct it. Until they
answer, or ``SPEAKER_CONFIRM_DAYS`` pass (the e-mail gives the date), the view
is "awaiting the speaker" and not public (:attr:`Viewpoint.is_public`).

The link's secret is only in the e-mail; the database keeps its SHA-256, and
forgets it with the contact data (``flask purge``), after which the link no
longer works. Nothing here commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.audit.services import record
from app.common.errors import DomainError
from app.common.urls import external_url
from app.db import utcnow
from app.i18n import default_language
from app.i18n import lazy_gettext as _l
from app.mail.services import queue_email
from app.participation.models import MAX_BODY, SpeakerCheck, Viewpoint

#: A token from :func:`secrets.token_urlsafe` (32 bytes → 43 characters).
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
DEFAULT_DAYS = 14


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def confirm_days() -> int:
    return int(current_app.config.get("SPEAKER_CONFIRM_DAYS", DEFAULT_DAYS))


def ask_speaker(session: Session, viewpoint: Viewpoint, *, now: datetime | None = None) -> bool:
    """Send the view's text to its speaker to confirm or correct, if they left an e-mail address.

    Returns whether they were asked. The view then awaits the speaker until
    they answer or ``SPEAKER_CONFIRM_DAYS`` pass. Asking again (staff changed the
    text) makes the earlier link stop working.
    """
    contact = viewpoint.contact
    if contact is None or not contact.email or not viewpoint.body.strip():
        return False
    now = now or utcnow()
    days = confirm_days()
    token = secrets.token_urlsafe(32)
    viewpoint.speaker_check = SpeakerCheck.AWAITING
    viewpoint.speaker_token_hash = hash_token(token)
    viewpoint.speaker_asked_dt = now
    viewpoint.speaker_due_dt = now + timedelta(days=days)
    viewpoint.speaker_answered_dt = None
    session.flush()  # the contact has an id, so withdrawing or purging it deletes the message
    language = contact.language if contact.language in current_app.config["LANGUAGES"] else default_language()
    queue_email(
        session,
        to=contact.email,
        contact_id=contact.id,
        template="participation/confirm_transcription",
        language=language,
        kind="viewpoint.confirm_transcription",
        viewpoint=viewpoint,
        consultation=viewpoint.consultation,
        contact=contact,
        due=viewpoint.speaker_due_dt,
        days=days,
        link=external_url("participation.speaker", lang_code=language, token=token),
    )
    return True


def get_by_speaker_token(session: Session, token: str) -> Viewpoint | None:
    """The view of a speaker's private link; ``None`` if the link is wrong, replaced or its contact data gone."""
    if not token or not TOKEN_RE.match(token):
        return None
    viewpoint = session.scalar(sa.select(Viewpoint).where(Viewpoint.speaker_token_hash == hash_token(token)))
    if viewpoint is None or viewpoint.contact_id is None:
        return None
    return viewpoint


def can_answer(viewpoint: Viewpoint) -> bool:
    """Not answered yet (after the date, the answer is still welcome: it replaces what staff wrote)."""
    return viewpoint.speaker_check is SpeakerCheck.AWAITING


def _answer(session: Session, viewpoint: Viewpoint, check: SpeakerCheck, now: datetime | None) -> None:
    if not can_answer(viewpoint):
        raise DomainError(_l("You have already answered. Contact the board if you want to change something."))
    viewpoint.speaker_check = check
    viewpoint.speaker_answered_dt = now or utcnow()


def confirm_transcription(session: Session, viewpoint: Viewpoint, *, now: datetime | None = None) -> None:
    """The speaker says the text is what they said: it may now be published."""
    _answer(session, viewpoint, SpeakerCheck.CONFIRMED, now)
    session.flush()
    record(session, None, "viewpoint.speaker_confirmed", viewpoint)


def correct_transcription(session: Session, viewpoint: Viewpoint, text: str, *, now: datetime | None = None) -> None:
    """The speaker's own words replace what staff wrote (the earlier text stays in the audit log).

    The same text as before counts as a confirmation.
    """
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write what you said, or confirm the text as it is."), field="body")
    if len(text) > MAX_BODY:
        raise DomainError(_l("Your view is too long. Split it into two, or send it by e-mail."), field="body")
    if text == viewpoint.body.strip():
        confirm_transcription(session, viewpoint, now=now)
        return
    _answer(session, viewpoint, SpeakerCheck.CORRECTED, now)
    before = viewpoint.body
    # A view staff masked keeps showing its masked text until staff mask the new one
    # (the staff list says it was corrected): a correction never unmasks personal data.
    viewpoint.body = text
    session.flush()
    record(session, None, "viewpoint.speaker_corrected", viewpoint, before={"body": before}, after={"body": text})
