"""The staff dashboard and archive: what needs action now, bounded; everything else filtered and paginated.

The dashboard shows a few consultations of each kind that needs action
(upcoming, awaiting feedback, feedback overdue, drafts) and how many there are
in all, counted in SQL; "N more" leads to the archive list with the same
filter. Nothing here loads every consultation of a board.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, lazyload

from app.accounts.models import User
from app.common.pagination import Page, paginate_ids
from app.consultations.models import Consultation, ConsultationStatus, consultation_hosts
from app.db import utcnow
from app.i18n import STOCKHOLM

S = ConsultationStatus

#: Consultations shown per kind on the dashboard.
DASHBOARD_LIMIT = 8
#: Consultations per page of the archive list.
PER_PAGE = 25
#: Kinds of work on the dashboard, in the order shown.
KINDS = ("overdue", "awaiting", "upcoming", "drafts")
#: Statuses in which promised feedback is still owed.
OWING = (S.PUBLISHED, S.HELD)


def overdue_condition(today: date) -> sa.ColumnElement[bool]:
    """Promised feedback is late from the day after the promised date (Stockholm dates)."""
    return sa.and_(
        Consultation.status.in_(OWING),
        Consultation.feedback_due_date.is_not(None),
        Consultation.feedback_due_date < today,
    )


def scope(actor: User) -> sa.ColumnElement[bool]:
    """The consultations the user works on: led or co-hosted by their boards (all for site admins)."""
    if actor.is_site_admin:
        return sa.true()
    ids = sorted(actor.board_ids)
    if not ids:
        return sa.false()
    led = sa.select(Consultation.id).where(Consultation.lead_board_id.in_(ids))
    co_hosted = sa.select(consultation_hosts.c.consultation_id).where(consultation_hosts.c.board_id.in_(ids))
    return Consultation.id.in_(sa.union(led, co_hosted))


def _kind(kind: str, now: datetime) -> tuple[sa.ColumnElement[bool], tuple[Any, ...]]:
    """The condition and order of one kind of work."""
    overdue = overdue_condition(now.astimezone(STOCKHOLM).date())
    if kind == "overdue":
        return overdue, (Consultation.feedback_due_date, Consultation.id)
    if kind == "awaiting":
        # Held (or its time has passed) and feedback not yet published nor late.
        held = sa.or_(
            Consultation.status == S.HELD,
            sa.and_(Consultation.status == S.PUBLISHED, Consultation.end_dt.is_not(None), Consultation.end_dt < now),
        )
        return sa.and_(held, sa.not_(overdue)), (
            Consultation.feedback_due_date.is_(None),
            Consultation.feedback_due_date,
            Consultation.start_dt,
            Consultation.id,
        )
    if kind == "upcoming":
        return (
            sa.and_(
                Consultation.status == S.PUBLISHED, sa.or_(Consultation.end_dt.is_(None), Consultation.end_dt >= now)
            ),
            (Consultation.start_dt.is_(None), Consultation.start_dt, Consultation.id),
        )
    if kind == "drafts":
        return Consultation.status == S.DRAFT, (Consultation.updated_dt.desc(), Consultation.id.desc())
    raise ValueError(kind)


@dataclass
class Bucket:
    kind: str
    items: list[Consultation]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


_OPTIONS = (lazyload(Consultation.agenda_items), lazyload(Consultation.documents))


def _load(session: Session, ids: list[int]) -> list[Consultation]:
    return list(session.scalars(sa.select(Consultation).where(Consultation.id.in_(ids)).options(*_OPTIONS)))


def dashboard(
    session: Session, actor: User, *, now: datetime | None = None, limit: int = DASHBOARD_LIMIT
) -> list[Bucket]:
    """A few consultations of each kind of work, and how many there are (one count query for all kinds)."""
    now = now or utcnow()
    mine = scope(actor)
    conditions = {kind: _kind(kind, now) for kind in KINDS}
    totals = session.execute(
        sa.select(
            *(sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0) for cond, _order in conditions.values())
        ).where(mine)
    ).one()
    ids = {
        kind: list(session.scalars(sa.select(Consultation.id).where(mine, cond).order_by(*order).limit(limit)))
        if total
        else []
        for (kind, (cond, order)), total in zip(conditions.items(), totals, strict=True)
    }
    every = sorted({i for found in ids.values() for i in found})
    by_id = {c.id: c for c in _load(session, every)} if every else {}
    return [
        Bucket(kind, [by_id[i] for i in ids[kind] if i in by_id], int(total))
        for kind, total in zip(KINDS, totals, strict=True)
    ]


@dataclass(frozen=True)
class ArchiveFilter:
    """The archive list's filter; ``""`` means all."""

    #: A kind of work (:data:`KINDS`) or a status value.
    show: str = ""
    #: A board id among the user's boards.
    board: str = ""
    #: A year of the meeting (Stockholm time).
    year: str = ""
    #: Words in the title (Swedish or Romani) or the case reference.
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, Any], *, board_ids: set[int]) -> ArchiveFilter:
        def get(name: str) -> str:
            return str(args.get(name) or "").replace("\x00", "").strip()[:200]

        show = get("show")
        board = get("board")
        year = get("year")
        return cls(
            show=show if show in KINDS or show in S._value2member_map_ else "",
            board=board if board.isdigit() and int(board) in board_ids else "",
            year=year if year.isdigit() and len(year) == 4 else "",
            q=" ".join(get("q").split()),
        )

    def args(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def archive(
    session: Session, actor: User, f: ArchiveFilter, page: int, *, now: datetime | None = None, per_page: int = PER_PAGE
) -> Page[Consultation]:
    """The user's consultations that match the filter, latest meeting first (undated first), paginated."""
    now = now or utcnow()
    stmt = sa.select(Consultation.id).where(scope(actor))
    order: tuple[Any, ...] = (Consultation.start_dt.desc().nulls_first(), Consultation.id.desc())
    if f.show in KINDS:
        cond, order = _kind(f.show, now)
        stmt = stmt.where(cond)
    elif f.show:
        stmt = stmt.where(Consultation.status == S(f.show))
    if f.board:
        board_id = int(f.board)
        stmt = stmt.where(
            Consultation.id.in_(
                sa.union(
                    sa.select(Consultation.id).where(Consultation.lead_board_id == board_id),
                    sa.select(consultation_hosts.c.consultation_id).where(consultation_hosts.c.board_id == board_id),
                )
            )
        )
    if f.year:
        year = int(f.year)
        start = datetime(year, 1, 1, tzinfo=STOCKHOLM)
        end = datetime(year + 1, 1, 1, tzinfo=STOCKHOLM)
        stmt = stmt.where(Consultation.start_dt >= start, Consultation.start_dt < end)
    if f.q:
        stmt = stmt.where(
            sa.or_(
                Consultation.title_sv.icontains(f.q, autoescape=True),
                Consultation.title_rom.icontains(f.q, autoescape=True),
                Consultation.case_reference.icontains(f.q, autoescape=True),
            )
        )
    return paginate_ids(session, stmt.order_by(*order), _load, page, per_page)
