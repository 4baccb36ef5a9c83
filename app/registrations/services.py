"""Registration operations: register, cancel, waitlist promotion, reminders, attendance.

Like every domain service these take the session, check the rules, flush and
raise :class:`DomainError` instead of writing something invalid; none of them
commits. Public operations have no ``actor`` (the private token is the
registrant's credential); staff operations take the acting user and check
:func:`app.consultations.policies.can_edit`.

Capacity is safe under concurrency: :func:`register` and :func:`cancel` lock
the consultation row (``SELECT … FOR UPDATE``) before counting the confirmed
places, so on PostgreSQL two people taking the last place are serialised and
the second one is put on the waiting list. (SQLite has a single writer anyway.)
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import User
from app.audit.services import record
from app.common.errors import DomainError, require_permission
from app.common.urls import external_url
from app.consultations import policies
from app.consultations.calendar import CANCEL, REQUEST, build_calendar
from app.consultations.models import Consultation, ConsultationStatus, RomaniVariety
from app.consultations.services import Announcement, Audience
from app.db import utcnow
from app.i18n import default_language, force_language, localized_text
from app.i18n import lazy_gettext as _l
from app.mail.services import Attachment, forget_contacts, queue_email
from app.participation.models import Contact
from app.registrations.models import (
    REGISTRATION_LANGUAGES,
    Registration,
    RegistrationStatus,
)

R = RegistrationStatus

#: A token from :func:`secrets.token_urlsafe` (32 bytes → 43 characters).
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
EMAIL_RE = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]+\.[^@\s<>,;\".]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{5,40}$")
MAX_NEEDS = 4000
DEFAULT_REMINDER_DAYS = 2


class RegistrationClosed(DomainError):
    """Registration is not possible now (deadline passed, meeting started, not published)."""


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


def closed_reason(consultation: Consultation, now: datetime | None = None) -> str | None:
    """Why one cannot register now, or ``None`` if registration is open."""
    now = now or utcnow()
    if consultation.status is not ConsultationStatus.PUBLISHED:
        return str(_l("Registration is closed for this consultation."))
    if consultation.registration_deadline_dt and now > consultation.registration_deadline_dt:
        return str(_l("The registration deadline has passed. Contact the board if you still want to come."))
    if consultation.start_dt and now >= consultation.start_dt:
        return str(_l("The meeting has already started, so registration is closed."))
    return None


def _lock(session: Session, consultation: Consultation) -> Consultation:
    """Lock the consultation row for the rest of the transaction and reload it."""
    # FOR UPDATE OF consultations: the lead board is joined in eagerly, and
    # PostgreSQL refuses to lock the nullable side of that outer join.
    stmt = (
        sa.select(Consultation)
        .where(Consultation.id == consultation.id)
        .with_for_update(of=Consultation)
        .execution_options(populate_existing=True)
    )
    locked = session.scalars(stmt).one_or_none()
    if locked is None:  # deleted meanwhile
        raise RegistrationClosed(_l("Registration is closed for this consultation."))
    return locked


def count_confirmed(session: Session, consultation_id: int) -> int:
    return session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.consultation_id == consultation_id, Registration.status == R.CONFIRMED
        )
    ) or 0


def places_left(session: Session, consultation: Consultation) -> int | None:
    """Free places, or ``None`` when there is no limit."""
    if consultation.capacity is None:
        return None
    return max(consultation.capacity - count_confirmed(session, consultation.id), 0)


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
    session: Session, consultation: Consultation, data: RegistrationData, *, now: datetime | None = None,
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
    consultation = _lock(session, consultation)
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
        _notify(session, registration, "confirmed", calendar=REQUEST)
    else:
        _notify(session, registration, "waitlisted")
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
        sa.select(Consultation).join(Registration, Registration.consultation_id == Consultation.id)
        .where(Registration.token == token)
    )
    if consultation is None or consultation.status is ConsultationStatus.DRAFT:
        return None
    now = now or utcnow()
    over = consultation.status in (ConsultationStatus.HELD, ConsultationStatus.FEEDBACK_PUBLISHED,
                                   ConsultationStatus.CLOSED) or (
        consultation.start_dt is not None and consultation.start_dt <= now)
    return consultation if over else None


def waitlist_position(session: Session, registration: Registration) -> int | None:
    """1 for the first on the waiting list; ``None`` if not waitlisted."""
    if registration.status is not R.WAITLISTED:
        return None
    ahead = session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.consultation_id == registration.consultation_id,
            Registration.status == R.WAITLISTED,
            sa.or_(
                Registration.created_dt < registration.created_dt,
                sa.and_(Registration.created_dt == registration.created_dt, Registration.id < registration.id),
            ),
        )
    )
    return (ahead or 0) + 1


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
    _lock(session, registration.consultation)
    session.refresh(registration)
    if registration.status is R.CANCELLED:
        raise DomainError(_l("This registration is already cancelled."))
    if not can_cancel(registration, now):
        raise DomainError(_l("The meeting has already started or ended, so the registration can no longer be cancelled."))
    registration.status = R.CANCELLED
    registration.cancelled_dt = now
    session.flush()
    if notify:  # with the calendar entry that takes the meeting out of their calendar
        _notify(session, registration, "cancelled", calendar=CANCEL)
    return fill_from_waitlist(session, registration.consultation, now=now)


def capacity_changed(session: Session, consultation: Consultation) -> list[Registration]:
    """After staff raised (or removed) the capacity: lock and move the waiting list up."""
    return fill_from_waitlist(session, _lock(session, consultation))


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
        "contact": None if contact is None else {
            "name": contact.name, "email": contact.email, "phone": contact.phone,
            "organisation": contact.organisation, "language": contact.language,
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


def fill_from_waitlist(session: Session, consultation: Consultation, *, now: datetime | None = None) -> list[Registration]:
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
        _notify(session, registration, "promoted", calendar=REQUEST)
    return promoted


# --- E-mail --------------------------------------------------------------------------


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
        text = build_calendar([consultation], localized_text(consultation, "title"), method=method,
                              attendee=email, session=session)
    return Attachment("cancelled.ics" if method == CANCEL else "invitation.ics",
                      f"text/calendar; method={method}", text.decode("utf-8"))


def _notify(session: Session, registration: Registration, template: str, *, calendar: str | None = None,
            **context: object) -> bool:
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
        consultation_link=external_url("consultations.detail", lang_code=language,
                                     consultation_id=registration.consultation_id),
        position=waitlist_position(session, registration),
        attachment=calendar_attachment(session, registration, calendar, language) if calendar else None,
        **context,
    )
    return True


# --- Telling registrants about a changed or cancelled meeting ---------------------------


def _active(session: Session, consultation: Consultation) -> list[Registration]:
    """Those with a place, then the waiting list, in the order they registered."""
    return list(session.scalars(
        sa.select(Registration).options(joinedload(Registration.contact))
        .where(Registration.consultation_id == consultation.id, Registration.status != R.CANCELLED)
        .order_by(Registration.status != R.CONFIRMED, Registration.created_dt, Registration.id)
    ))


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
            told = _notify(session, registration, "meeting_cancelled", calendar=CANCEL, before=before)
        else:
            told = _notify(session, registration, "meeting_changed",
                           calendar=REQUEST if registration.status is R.CONFIRMED else None, before=before, **flags)
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
        _notify(session, registration, "reminder")
        registration.reminder_sent_dt = now
        count += 1
    session.flush()
    return count


# --- Staff ------------------------------------------------------------------------------


def list_registrations(session: Session, actor: User, consultation: Consultation) -> list[Registration]:
    """All registrations, with places first, then the waiting list in order, then cancelled."""
    require_permission(policies.can_edit(actor, consultation))
    order = sa.case(
        (Registration.status == R.CONFIRMED, 0), (Registration.status == R.WAITLISTED, 1), else_=2
    )
    stmt = (
        sa.select(Registration)
        .options(joinedload(Registration.contact))
        .where(Registration.consultation_id == consultation.id)
        .order_by(order, Registration.created_dt, Registration.id)
    )
    return list(session.scalars(stmt))


def iter_registrations(session: Session, actor: User, consultation: Consultation) -> list[Registration]:
    """Every registration in the order they came (for the CSV export).

    Loaded up front rather than through a server-side cursor: a consultation has
    at most a few hundred, and the response then streams them row by row.
    """
    require_permission(policies.can_edit(actor, consultation))
    stmt = (
        sa.select(Registration)
        .options(joinedload(Registration.contact))
        .where(Registration.consultation_id == consultation.id)
        .order_by(Registration.created_dt, Registration.id)
    )
    return list(session.scalars(stmt))


@dataclass
class PlanningSummary:
    """Counts for planning the meeting (active registrations only)."""

    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    attended: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    romani_varieties: Counter[RomaniVariety] = field(default_factory=Counter)
    interpreters: Counter[RomaniVariety | None] = field(default_factory=Counter)
    with_needs: int = 0
    wants_feedback: int = 0

    @property
    def interpreter_total(self) -> int:
        return sum(self.interpreters.values())


def summarise(registrations: Iterable[Registration]) -> PlanningSummary:
    """What staff need to plan: places, languages, interpreters by variety, needs.

    Languages, interpreters and needs count only those with a place.
    """
    summary = PlanningSummary()
    for r in registrations:
        if r.status is R.CANCELLED:
            summary.cancelled += 1
            continue
        if r.status is R.WAITLISTED:
            summary.waitlisted += 1
            continue
        summary.confirmed += 1
        summary.languages[r.language] += 1
        if r.language == "rom" and r.romani_variety:
            summary.romani_varieties[r.romani_variety] += 1
        if r.needs_interpreter:
            summary.interpreters[r.interpreter_variety] += 1
        if r.needs:
            summary.with_needs += 1
        if r.wants_feedback:
            summary.wants_feedback += 1
        if r.attended:
            summary.attended += 1
    return summary


def attendance_open(consultation: Consultation, now: datetime | None = None) -> bool:
    """Attendance is marked once the meeting has started."""
    now = now or utcnow()
    if consultation.status in (ConsultationStatus.DRAFT, ConsultationStatus.CANCELLED):
        return False
    return consultation.status is not ConsultationStatus.PUBLISHED or (
        consultation.start_dt is not None and consultation.start_dt <= now
    )


def mark_attendance(
    session: Session, actor: User, consultation: Consultation, attended_ids: Iterable[int], *, now: datetime | None = None
) -> int:
    """Record who came: the given registrations attended, the other active ones did not.

    Returns the number marked as attended.
    """
    require_permission(policies.can_edit(actor, consultation))
    if not attendance_open(consultation, now):
        raise DomainError(_l("Attendance can be marked once the meeting has started."), field="attended")
    wanted = set(attended_ids)
    registrations = list(
        session.scalars(
            sa.select(Registration).where(
                Registration.consultation_id == consultation.id, Registration.status != R.CANCELLED
            )
        )
    )
    unknown = wanted - {r.id for r in registrations}
    if unknown:
        raise DomainError(_l("Choose people from the list."), field="attended")
    for r in registrations:
        r.attended = r.id in wanted
    record(session, actor, "registration.attendance", consultation, after={"attended": len(wanted)})
    session.flush()
    return len(wanted)
