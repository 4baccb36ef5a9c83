"""The feedback promise: the date a consultation promised feedback by, kept or late (Stockholm dates)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.boards.models import Board
from app.consultations.models import Consultation, ConsultationStatus, consultation_hosts
from app.db import utcnow
from app.feedback.models import FeedbackReport
from app.i18n import STOCKHOLM

#: Statuses in which promised feedback is still owed.
OWING = (ConsultationStatus.PUBLISHED, ConsultationStatus.HELD)


def stockholm_today(now: datetime | None = None) -> date:
    """Today's date in Stockholm (promises are made and broken in local dates)."""
    return (now or utcnow()).astimezone(STOCKHOLM).date()


def is_overdue(consultation: Consultation, today: date) -> bool:
    """Promised feedback is late from the day after the promised date (Stockholm)."""
    return (
        consultation.feedback_due_date is not None
        and consultation.status in OWING
        and today > consultation.feedback_due_date
    )


@dataclass
class Promise:
    """The feedback promise of a consultation, as the public pages state it."""

    due: date | None
    published_on: date | None
    overdue: bool

    @property
    def kept(self) -> bool | None:
        if self.due is None or self.published_on is None:
            return None
        return self.published_on <= self.due


def promise(consultation: Consultation, report: FeedbackReport | None, today: date) -> Promise:
    published_on = stockholm_today(report.published_dt) if report and report.published_dt else None
    return Promise(due=consultation.feedback_due_date, published_on=published_on, overdue=is_overdue(consultation, today))


def list_overdue(session: Session, actor: User, today: date) -> list[tuple[Board, list[Consultation]]]:
    """Consultations whose promised feedback is late, per lead board (all boards for site admins)."""
    stmt = sa.select(Consultation).where(
        Consultation.status.in_(OWING),
        Consultation.feedback_due_date.is_not(None),
        Consultation.feedback_due_date < today,
    )
    if not actor.is_site_admin:
        ids = actor.board_ids
        if not ids:
            return []
        co_hosted = sa.select(consultation_hosts.c.consultation_id).where(consultation_hosts.c.board_id.in_(ids))
        stmt = stmt.where(sa.or_(Consultation.lead_board_id.in_(ids), Consultation.id.in_(co_hosted)))
    stmt = stmt.order_by(Consultation.feedback_due_date, Consultation.id)
    grouped: dict[int, list[Consultation]] = defaultdict(list)
    boards: dict[int, Board] = {}
    for consultation in session.scalars(stmt):
        grouped[consultation.lead_board_id].append(consultation)
        boards[consultation.lead_board_id] = consultation.lead_board
    return sorted(((boards[i], items) for i, items in grouped.items()), key=lambda pair: pair[0].name_sv)
