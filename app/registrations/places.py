"""Places at a consultation's meeting: whether one can register now, how many
places are left, the lock that serialises taking the last one, and a person's
place on the waiting list. Reads and the lock only; the operations that take
and free places are in :mod:`app.registrations.services`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.common.errors import DomainError
from app.consultations.models import Consultation, ConsultationStatus
from app.db import utcnow
from app.i18n import lazy_gettext as _l
from app.registrations.models import Registration, RegistrationStatus

R = RegistrationStatus


class RegistrationClosed(DomainError):
    """Registration is not possible now (deadline passed, meeting started, not published)."""


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


def lock_consultation(session: Session, consultation: Consultation) -> Consultation:
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
    return (
        session.scalar(
            sa.select(sa.func.count(Registration.id)).where(
                Registration.consultation_id == consultation_id, Registration.status == R.CONFIRMED
            )
        )
        or 0
    )


def places_left(session: Session, consultation: Consultation) -> int | None:
    """Free places, or ``None`` when there is no limit."""
    if consultation.capacity is None:
        return None
    return max(consultation.capacity - count_confirmed(session, consultation.id), 0)


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
