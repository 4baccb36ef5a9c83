"""What registrants are told by e-mail: their private link, the calendar entry,
the messages of :mod:`app.registrations.services` (confirmed, waitlisted,
promoted, cancelled), a moved or cancelled meeting (the ``ANNOUNCE`` and
``AUDIENCE`` hooks of :mod:`app.consultations.services`) and the reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, joinedload

from app.common.urls import external_url
from app.consultations.calendar import CANCEL, REQUEST, build_calendar
from app.consultations.models import Consultation, ConsultationStatus
from app.consultations.services import Announcement, Audience
from app.db import utcnow
from app.i18n import default_language, force_language, localized_text
from app.mail.services import Attachment, queue_email
from app.participation.models import Contact
from app.registrations.models import Registration, RegistrationStatus
from app.registrations.places import waitlist_position

R = RegistrationStatus
DEFAULT_REMINDER_DAYS = 2


def registration_url(registration: Registration, language: str | None = None) -> str:
    lang = language or (registration.contact.language if registration.contact else registration.language)
    return external_url("registrations.manage", lang_code=lang, token=registration.token)


def calendar_attachment(session: Session, registration: Registration, method: str, language: str) -> Attachment:
    """The meeting as a calendar entry for the registrant, in ``language``: an invitation
    or its update (``REQUEST``), or the cancellation (``CANCEL``). It has the event's one
    ``UID`` and current ``SEQUENCE``, so a calendar replaces the entry it already has."""
    consultation = registration.consultation
    email = registration.contact.email if registration.contact else None
    with force_language(language):
        text = build_calendar(
            [consultation], localized_text(consultation, "title"), method=method, attendee=email, session=session
        )
    return Attachment(
        "cancelled.ics" if method == CANCEL else "invitation.ics",
        f"text/calendar; method={method}",
        text.decode("utf-8"),
    )


def notify(
    session: Session, registration: Registration, template: str, *, calendar: str | None = None, **context: object
) -> bool:
    """Queue ``emails/registrations/<template>.txt`` to the registrant, if they gave an address.

    ``calendar`` (``REQUEST`` or ``CANCEL``) attaches the meeting as a calendar
    entry. Returns whether a message was queued.
    """
    contact = registration.contact
    if contact is None or not contact.email:
        return False
    language = contact.language if contact.language in current_app.config["LANGUAGES"] else default_language()
    if contact.id is None:
        session.flush()  # the message is linked to the contact, so withdrawing it deletes the message
    queue_email(
        session,
        to=contact.email,
        contact_id=contact.id,
        template=f"registrations/{template}",
        language=language,
        kind=f"registration.{template}",
        registration=registration,
        consultation=registration.consultation,
        contact=contact,
        link=registration_url(registration, language),
        consultation_link=external_url(
            "consultations.detail", lang_code=language, consultation_id=registration.consultation_id
        ),
        position=waitlist_position(session, registration),
        attachment=calendar_attachment(session, registration, calendar, language) if calendar else None,
        **context,
    )
    return True


def _active(session: Session, consultation: Consultation) -> list[Registration]:
    """Those with a place, then the waiting list, in the order they registered."""
    return list(
        session.scalars(
            sa.select(Registration)
            .options(joinedload(Registration.contact))
            .where(Registration.consultation_id == consultation.id, Registration.status != R.CANCELLED)
            .order_by(Registration.status != R.CONFIRMED, Registration.created_dt, Registration.id)
        )
    )


def audience(session: Session, consultation: Consultation) -> Audience:
    """Who :func:`announce` would e-mail now (and who it cannot reach: no address)."""
    found = Audience()
    for registration in _active(session, consultation):
        if registration.contact is None or not registration.contact.email:
            found.unreachable += 1
        elif registration.status is R.CONFIRMED:
            found.registrants += 1
        else:
            found.waitlisted += 1
    return found


def announce(session: Session, announcement: Announcement) -> None:
    """Tell everyone with a place or on the waiting list, in their language, that the meeting
    moved (what changed: old → new) or is cancelled (with the reason).

    Those with a place get the updated calendar entry (``METHOD:REQUEST``, a
    higher ``SEQUENCE``); a cancellation carries ``METHOD:CANCEL`` to everyone.
    The waiting list gets no invitation to a meeting they have no place at yet.
    """
    consultation = announcement.consultation
    before = announcement.before
    changed = announcement.changed
    flags = {
        "time_changed": bool(changed & {"start_dt", "end_dt"}),
        "format_changed": "format" in changed,
        "place_changed": bool(changed & {"venue_name", "room", "address"}),
        "link_changed": "join_url" in changed,
    }
    for registration in _active(session, consultation):
        if announcement.cancelled:
            told = notify(session, registration, "meeting_cancelled", calendar=CANCEL, before=before)
        else:
            told = notify(
                session,
                registration,
                "meeting_changed",
                calendar=REQUEST if registration.status is R.CONFIRMED else None,
                before=before,
                **flags,
            )
        announcement.told += told


def send_reminders(session: Session, *, days_before: int = DEFAULT_REMINDER_DAYS, now: datetime | None = None) -> int:
    """Queue a reminder to everyone with a place in a meeting starting within ``days_before`` days.

    Idempotent: each registration is reminded once (``reminder_sent_dt``). On
    PostgreSQL the rows are locked with SKIP LOCKED so two runs at once cannot
    both remind the same person.
    """
    now = now or utcnow()
    stmt = (
        sa.select(Registration)
        .join(Registration.consultation)
        .join(Registration.contact)
        .where(
            Registration.status == R.CONFIRMED,
            Registration.reminder_sent_dt.is_(None),
            Consultation.status == ConsultationStatus.PUBLISHED,
            Consultation.start_dt > now,
            Consultation.start_dt <= now + timedelta(days=days_before),
            Contact.email.is_not(None),
        )
        .order_by(Registration.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Registration, skip_locked=True)
    count = 0
    for registration in session.scalars(stmt).all():
        notify(session, registration, "reminder")
        registration.reminder_sent_dt = now
        count += 1
    session.flush()
    return count
