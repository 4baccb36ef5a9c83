"""Staff reads and writes of a consultation's registrations: the list, the
export's rows, the planning summary and attendance. Each checks
:func:`app.consultations.policies.can_edit`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import User
from app.audit.services import record
from app.common.errors import DomainError, require_permission
from app.consultations import policies
from app.consultations.models import Consultation, ConsultationStatus, RomaniVariety
from app.db import utcnow
from app.i18n import lazy_gettext as _l
from app.registrations.models import Registration, RegistrationStatus

R = RegistrationStatus


def list_registrations(session: Session, actor: User, consultation: Consultation) -> list[Registration]:
    """All registrations, with places first, then the waiting list in order, then cancelled."""
    require_permission(policies.can_edit(actor, consultation))
    order = sa.case((Registration.status == R.CONFIRMED, 0), (Registration.status == R.WAITLISTED, 1), else_=2)
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
    session: Session,
    actor: User,
    consultation: Consultation,
    attended_ids: Iterable[int],
    *,
    now: datetime | None = None,
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
