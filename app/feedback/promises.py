"""The feedback promise: the date a consultation promised feedback by, kept or late (Stockholm dates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, lazyload

from app.accounts.models import User
from app.boards.models import Board
from app.common.pagination import Page, paginate_ids
from app.consultations.dashboard import OWING, overdue_condition, scope
from app.consultations.models import Consultation
from app.db import utcnow
from app.feedback.models import FeedbackReport
from app.i18n import STOCKHOLM


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
    return Promise(
        due=consultation.feedback_due_date, published_on=published_on, overdue=is_overdue(consultation, today)
    )


#: Late consultations per page of the staff list.
OVERDUE_PER_PAGE = 50


def overdue_page(
    session: Session,
    actor: User,
    today: date,
    page: int = 1,
    *,
    board_id: int | None = None,
    per_page: int = OVERDUE_PER_PAGE,
) -> Page[Consultation]:
    """Consultations whose promised feedback is late (all boards' for site admins), by lead board, paginated."""
    stmt = (
        sa.select(Consultation.id)
        .join(Board, Board.id == Consultation.lead_board_id)
        .where(overdue_condition(today), scope(actor))
        .order_by(Board.name_sv, Board.id, Consultation.feedback_due_date, Consultation.id)
    )
    if board_id is not None:
        stmt = stmt.where(Consultation.lead_board_id == board_id)
    return paginate_ids(session, stmt, _load, page, per_page)


def _load(session: Session, ids: list[int]) -> list[Consultation]:
    return list(
        session.scalars(
            sa.select(Consultation)
            .where(Consultation.id.in_(ids))
            .options(
                lazyload(Consultation.agenda_items), lazyload(Consultation.documents), lazyload(Consultation.co_hosts)
            )
        )
    )


def by_board(items: list[Consultation]) -> list[tuple[Board, list[Consultation]]]:
    """Consecutive consultations of the same lead board, grouped (the list is sorted by board)."""
    groups: list[tuple[Board, list[Consultation]]] = []
    for consultation in items:
        if groups and groups[-1][0].id == consultation.lead_board_id:
            groups[-1][1].append(consultation)
        else:
            groups.append((consultation.lead_board, [consultation]))
    return groups


def list_overdue(session: Session, actor: User, today: date, page: int = 1) -> list[tuple[Board, list[Consultation]]]:
    """One page of :func:`overdue_page`, per lead board."""
    return by_board(overdue_page(session, actor, today, page).items)
