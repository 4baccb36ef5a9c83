"""Registration operations: register, cancel, waitlist promotion, the private link, withdrawing one's data.

The rest of the domain: :mod:`~app.registrations.places` (open or closed,
places left, the row lock, waiting-list position), :mod:`~app.registrations.notifications`
(every e-mail to registrants, announcements, reminders) and
:mod:`~app.registrations.roster` (the staff list, summary and attendance).

Like every domain service these take the session, check the rules, flush and
raise :class:`DomainError` instead of writing something invalid; none of them
commits. Public operations have no ``actor`` (the private token is the
registrant's credential); the staff operations in ``roster`` take the acting
user and check :func:`app.consultations.policies.can_edit`.

Capacity is safe under concurrency: :func:`register` and :func:`cancel` lock
the consultation row (``SELECT … FOR UPDATE``) before counting the confirmed
places, so on PostgreSQL two people taking the last place are serialised and
the second one is put on the waiting list. (SQLite has a single writer anyway.)
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.common.errors import DomainError
from app.consultations.calendar import CANCEL, REQUEST
from app.consultations.models import Consultation, ConsultationStatus, RomaniVariety
from app.db import utcnow
from app.i18n import lazy_gettext as _l
from app.mail.services import forget_contacts
from app.participation.models import Contact
from app.registrations import notifications
from app.registrations.models import (
    REGISTRATION_LANGUAGES,
    Registration,
    RegistrationStatus,
)
from app.registrations.places import RegistrationClosed, closed_reason, count_confirmed, lock_consultation

R = RegistrationStatus

#: A token from :func:`secrets.token_urlsafe` (32 bytes → 43 characters).
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
EMAIL_RE = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]+\.[^@\s<>,;\".]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{5,40}$")
MAX_NEEDS = 4000


@dataclass
class RegistrationData:
    """What a person fills in. Only ``name`` and ``consent`` are required."""

    name: str
    consent: bool
    email: str | None = None
    phone: str | None = None
    organisation: str | None = None
    language: str = "sv"
    romani_variety: RomaniVariety | None = None
    needs_interpreter: bool = False
    interpreter_variety: RomaniVariety | None = None
    needs: str | None = None
    wants_feedback: bool = False


def new_token() -> str:
    return secrets.token_urlsafe(32)


# --- Rules ----------------------------------------------------------------------


def _validate(data: RegistrationData) -> None:
    if not (data.name or "").strip():
        raise DomainError(_l("Write your name or a pseudonym."), field="name")
    if len(data.name.strip()) > 200:
        raise DomainError(_l("The name can be at most 200 characters."), field="name")
    if data.email and not EMAIL_RE.match(data.email):
        raise DomainError(_l("Enter an e-mail address like name@example.com."), field="email")
    if data.phone and not PHONE_RE.match(data.phone):
        raise DomainError(_l("Enter a phone number with digits only, like 070-123 45 67."), field="phone")
    if data.language not in REGISTRATION_LANGUAGES:
        raise DomainError(_l("Choose a language from the list."), field="language")
    if data.needs and len(data.needs) > MAX_NEEDS:
        raise DomainError(_l("Please keep it shorter, or call the board."), field="needs")
    if data.wants_feedback and not (data.email or data.phone):
        raise DomainError(
            _l("Give an e-mail address or a phone number if you want to be told about the feedback."), field="email"
        )
    if not data.consent:
        raise DomainError(_l("You need to agree so that we can keep your registration."), field="consent")


# --- Public operations ------------------------------------------------------------------


def register(
    session: Session,
    consultation: Consultation,
    data: RegistrationData,
    *,
    now: datetime | None = None,
    idempotency_key: str | None = None,
) -> Registration:
    """Register a person to a published consultation before its deadline.

    The person gets a place if one is free, else a place on the waiting list.
    An e-mail with the private link is queued if an address was given. The
    same ``idempotency_key`` (one per opened form) returns the registration it
    made the first time instead of taking a second place.
    """
    now = now or utcnow()
    _validate(data)
    key = (idempotency_key or "").strip()[:64] or None
    consultation = lock_consultation(session, consultation)
    if key is not None:
        # After the lock: a resend racing the first send waits for it, then finds its row.
        existing = session.scalar(sa.select(Registration).where(Registration.idempotency_key == key))
        if existing is not None and existing.consultation_id == consultation.id:
            return existing
        if existing is not None:
            key = None  # a key from another consultation's form: register without one
    reason = closed_reason(consultation, now)
    if reason:
        raise RegistrationClosed(reason)
    full = consultation.capacity is not None and count_confirmed(session, consultation.id) >= consultation.capacity
    language = data.language
    contact = Contact(
        name=data.name.strip(),
        email=(data.email or "").strip() or None,
        phone=(data.phone or "").strip() or None,
        organisation=(data.organisation or "").strip() or None,
        language=language,
    )
    registration = Registration(
        consultation=consultation,
        consultation_id=consultation.id,
        contact=contact,
        token=new_token(),
        status=R.WAITLISTED if full else R.CONFIRMED,
        language=language,
        romani_variety=data.romani_variety if language == "rom" else None,
        needs_interpreter=bool(data.needs_interpreter),
        interpreter_variety=data.interpreter_variety if data.needs_interpreter else None,
        needs=(data.needs or "").strip() or None,
        wants_feedback=bool(data.wants_feedback),
        created_dt=now,
        idempotency_key=key,
    )
    session.add(registration)
    session.flush()
    if registration.status is R.CONFIRMED:
        notifications.notify(session, registration, "confirmed", calendar=REQUEST)
    else:
        notifications.notify(session, registration, "waitlisted")
    return registration


def get_by_token(session: Session, token: str) -> Registration | None:
    """The registration of a private link, or ``None`` if the link is wrong or has expired.

    A link expires when the consultation is closed, or when the personal data
    has been removed (after the feedback).
    """
    if not token or not TOKEN_RE.match(token):
        return None
    registration = session.scalar(
        sa.select(Registration).options(joinedload(Registration.contact)).where(Registration.token == token)
    )
    if registration is None or registration.contact_id is None:
        return None
    if registration.consultation.status in (ConsultationStatus.CLOSED, ConsultationStatus.DRAFT):
        return None
    return registration


def expired_link_consultation(session: Session, token: str, now: datetime | None = None) -> Consultation | None:
    """The public consultation of a private link that stopped working because the meeting is over.

    ``None`` if the link never existed, or stopped working for another reason
    (the person deleted their contact details before the meeting, or the
    consultation is not public).
    """
    if not token or not TOKEN_RE.match(token):
        return None
    consultation = session.scalar(
        sa.select(Consultation)
        .join(Registration, Registration.consultation_id == Consultation.id)
        .where(Registration.token == token)
    )
    if consultation is None or consultation.status is ConsultationStatus.DRAFT:
        return None
    now = now or utcnow()
    over = consultation.status in (
        ConsultationStatus.HELD,
        ConsultationStatus.FEEDBACK_PUBLISHED,
        ConsultationStatus.CLOSED,
    ) or (consultation.start_dt is not None and consultation.start_dt <= now)
    return consultation if over else None


def can_cancel(registration: Registration, now: datetime | None = None) -> bool:
    now = now or utcnow()
    consultation = registration.consultation
    return (
        registration.status is not R.CANCELLED
        and consultation.status is ConsultationStatus.PUBLISHED
        and (consultation.start_dt is None or now < consultation.start_dt)
    )


def cancel(
    session: Session, registration: Registration, *, now: datetime | None = None, notify: bool = True
) -> list[Registration]:
    """Cancel a registration through its private link; return who was promoted from the waiting list.

    The registrant gets an e-mail confirming it in their language, with the
    calendar entry's cancellation (unless ``notify`` is false). A freed place goes to the first on the waiting list,
    who is told by e-mail.
    """
    now = now or utcnow()
    lock_consultation(session, registration.consultation)
    session.refresh(registration)
    if registration.status is R.CANCELLED:
        raise DomainError(_l("This registration is already cancelled."))
    if not can_cancel(registration, now):
        raise DomainError(
            _l("The meeting has already started or ended, so the registration can no longer be cancelled.")
        )
    registration.status = R.CANCELLED
    registration.cancelled_dt = now
    session.flush()
    if notify:  # with the calendar entry that takes the meeting out of their calendar
        notifications.notify(session, registration, "cancelled", calendar=CANCEL)
    return fill_from_waitlist(session, registration.consultation, now=now)


def capacity_changed(session: Session, consultation: Consultation) -> list[Registration]:
    """After staff raised (or removed) the capacity: lock and move the waiting list up."""
    return fill_from_waitlist(session, lock_consultation(session, consultation))


def personal_data(registration: Registration) -> dict[str, object]:
    """Everything held about the person behind a registration (for the data download)."""
    contact = registration.contact
    return {
        "consultation": {"id": registration.consultation_id, "title": registration.consultation.title_sv},
        "registration": {
            "status": registration.status.value,
            "created": registration.created_dt.isoformat(),
            "language": registration.language,
            "romani_variety": registration.romani_variety.value if registration.romani_variety else None,
            "needs_interpreter": registration.needs_interpreter,
            "interpreter_variety": registration.interpreter_variety.value if registration.interpreter_variety else None,
            "needs": registration.needs,
            "wants_feedback": registration.wants_feedback,
            "attended": registration.attended,
        },
        "contact": None
        if contact is None
        else {
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "organisation": contact.organisation,
            "language": contact.language,
        },
    }


def withdraw_contact_data(session: Session, registration: Registration) -> None:
    """Delete the person's contact data, needs and e-mails (sent or not) now; the place is released.

    The anonymous record (that someone registered) stays for the counts. The
    private link stops working, since it identified the person.
    """
    contact = registration.contact
    if registration.status is not R.CANCELLED and can_cancel(registration):
        cancel(session, registration, notify=False)  # the contact data, with any e-mail to them, goes now
    registration.contact = None
    registration.contact_id = None
    registration.needs = None
    registration.wants_feedback = False
    if contact is not None:
        session.flush()
        forget_contacts(session, [contact.id])  # sent and pending mail to them, with the private link, goes too
        session.delete(contact)
    session.flush()


def fill_from_waitlist(
    session: Session, consultation: Consultation, *, now: datetime | None = None
) -> list[Registration]:
    """Give free places to the waiting list, first come first served, and tell them by e-mail.

    Call with the consultation locked (:func:`cancel` does; call it after raising
    the capacity, too).
    """
    now = now or utcnow()
    if consultation.status is not ConsultationStatus.PUBLISHED:
        return []
    if consultation.start_dt and now >= consultation.start_dt:
        return []
    stmt = (
        sa.select(Registration)
        .where(Registration.consultation_id == consultation.id, Registration.status == R.WAITLISTED)
        .order_by(Registration.created_dt, Registration.id)
    )
    if consultation.capacity is not None:
        free = consultation.capacity - count_confirmed(session, consultation.id)
        if free <= 0:
            return []
        stmt = stmt.limit(free)
    promoted = list(session.scalars(stmt))
    for registration in promoted:
        registration.status = R.CONFIRMED
        registration.promoted_dt = now
    session.flush()
    for registration in promoted:
        notifications.notify(session, registration, "promoted", calendar=REQUEST)
    return promoted
