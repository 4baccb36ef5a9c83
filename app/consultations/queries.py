"""Reads of consultations: the public lists and feeds, the staff list and the
Romani texts still missing. No writes, no permission checks beyond what a list
shows (public status, the user's boards)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, lazyload

from app.accounts.models import User
from app.common.pagination import Page, paginate_ids
from app.consultations.models import (
    PUBLIC_STATUSES,
    AgendaItem,
    Consultation,
    ConsultationStatus,
    MeetingFormat,
    consultation_hosts,
)
from app.db import utcnow
from app.i18n import lazy_gettext as _l

S = ConsultationStatus


def get_public_consultation(session: Session, consultation_id: int) -> Consultation | None:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or not consultation.is_public:
        return None
    return consultation


def _board_filter(board_id: int) -> sa.ColumnElement[bool]:
    """Led or co-hosted by the board. A UNION of two indexed lookups rather than
    ``lead = x OR id IN (…)``, which no index can serve."""
    led = sa.select(Consultation.id).where(Consultation.lead_board_id == board_id)
    co_hosted = sa.select(consultation_hosts.c.consultation_id).where(consultation_hosts.c.board_id == board_id)
    return Consultation.id.in_(sa.union(led, co_hosted))


#: Lists show title, time, place and boards: the agenda and documents (eager on
#: the model, for the consultation page) are not loaded for them.
_LIST_OPTIONS = (lazyload(Consultation.agenda_items), lazyload(Consultation.documents))


@dataclass
class ListFilters:
    board_id: int | None = None
    when: str = "upcoming"  # upcoming | past | all
    format: MeetingFormat | None = None


def list_public(
    session: Session, filters: ListFilters, page: int, per_page: int, *, now: datetime | None = None
) -> Page[Consultation]:
    """Published (and later) consultations, upcoming soonest first or past latest first."""
    now = now or utcnow()
    # Only ids are counted, sorted and skipped (an index-only scan of a covering
    # index, see the model); then one page of full rows is loaded by primary key.
    stmt = sa.select(Consultation.id).where(Consultation.status.in_(PUBLIC_STATUSES))
    if filters.board_id:
        stmt = stmt.where(_board_filter(filters.board_id))
    if filters.format:
        stmt = stmt.where(Consultation.format == filters.format)
    if filters.when == "upcoming":
        stmt = stmt.where(Consultation.end_dt >= now).order_by(Consultation.start_dt, Consultation.id)
    elif filters.when == "past":
        stmt = stmt.where(Consultation.end_dt < now).order_by(Consultation.start_dt.desc(), Consultation.id.desc())
    else:
        stmt = stmt.order_by(Consultation.start_dt.desc(), Consultation.id.desc())
    return paginate_ids(session, stmt, _load_by_ids, page, per_page)


def _load_by_ids(session: Session, ids: list[int]) -> list[Consultation]:
    rows = session.scalars(sa.select(Consultation).where(Consultation.id.in_(ids)).options(*_LIST_OPTIONS))
    return list(rows)


def list_upcoming(session: Session, limit: int, *, now: datetime | None = None) -> list[Consultation]:
    now = now or utcnow()
    stmt = (
        sa.select(Consultation)
        .where(Consultation.status == S.PUBLISHED, Consultation.end_dt >= now, Consultation.is_open.is_(True))
        .order_by(Consultation.start_dt, Consultation.id)
        .limit(limit)
        .options(*_LIST_OPTIONS)
    )
    return list(session.scalars(stmt))


def list_for_feed(
    session: Session,
    *,
    board_id: int | None = None,
    limit: int | None = None,
    ended_since: datetime | None = None,
    with_co_hosts: bool = False,
) -> list[Consultation]:
    """Public consultations for calendar and Atom feeds, newest publication first.

    ``ended_since`` leaves out meetings that ended before it: a calendar
    subscription needs what is coming and the recent past, not every meeting
    of all years (each consultation keeps its own ``.ics``). Calendars name the
    lead board only; ``with_co_hosts`` loads the co-hosts too (the Atom feed)."""
    stmt = sa.select(Consultation).where(Consultation.status.in_(PUBLIC_STATUSES))
    if board_id:
        stmt = stmt.where(_board_filter(board_id))
    if ended_since is not None:
        stmt = stmt.where(Consultation.end_dt >= ended_since)
    stmt = stmt.order_by(Consultation.published_dt.desc(), Consultation.id.desc()).options(
        *_LIST_OPTIONS, *(() if with_co_hosts else (lazyload(Consultation.co_hosts),))
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def feed_stamps(session: Session, *, ended_since: datetime) -> list[tuple[int, datetime, int]]:
    """``(id, updated_dt, lead_board_id)`` of the consultations the calendar of all
    holds (those of :func:`list_for_feed` that have a time), in its order: what
    says, cheaply, which of its events changed (any change bumps ``updated_dt``)."""
    stmt = (
        sa.select(Consultation.id, Consultation.updated_dt, Consultation.lead_board_id)
        .where(
            Consultation.status.in_(PUBLIC_STATUSES),
            Consultation.end_dt >= ended_since,
            Consultation.start_dt.is_not(None),
        )
        .order_by(Consultation.published_dt.desc(), Consultation.id.desc())
    )
    return [(cid, updated, board) for cid, updated, board in session.execute(stmt)]


def load_for_feed(session: Session, ids: list[int]) -> list[Consultation]:
    """The consultations ``ids`` as :func:`list_for_feed` loads them (lead board, no co-hosts), in any order."""
    if not ids:
        return []
    return list(
        session.scalars(
            sa.select(Consultation)
            .where(Consultation.id.in_(ids))
            .options(*_LIST_OPTIONS, lazyload(Consultation.co_hosts))
        )
    )


def list_for_staff(session: Session, actor: User) -> list[Consultation]:
    """Every consultation of the boards the user belongs to (all for site admins)."""
    stmt = sa.select(Consultation)
    if not actor.is_site_admin:
        ids = actor.board_ids
        if not ids:
            return []
        co_hosted = sa.select(consultation_hosts.c.consultation_id).where(consultation_hosts.c.board_id.in_(ids))
        stmt = stmt.where(sa.or_(Consultation.lead_board_id.in_(ids), Consultation.id.in_(co_hosted)))
    stmt = stmt.order_by(Consultation.start_dt.desc().nulls_first(), Consultation.id.desc())
    return list(session.scalars(stmt))


#: Public text fields whose Romani version staff should provide, with their labels.
ROMANI_FIELDS = {
    "title": _l("Title"),
    "summary": _l("Description"),
    "easy_read": _l("Easy-to-read summary"),
    "influence": _l("What participants can influence"),
    "decided": _l("What is already decided"),
    "directions": _l("How to get there"),
    "accessibility": _l("Accessibility"),
    "compensation": _l("Compensation"),
    "cancel_reason": _l("Reason for cancelling"),
}


@dataclass
class MissingTranslation:
    consultation: Consultation
    fields: list[str]
    agenda_items: list[AgendaItem]


def list_missing_romani(session: Session, actor: User) -> list[MissingTranslation]:
    """Public consultations of the user's boards with Swedish text that has no Romani version."""
    out = []
    for consultation in list_for_staff(session, actor):
        if not consultation.is_public:
            continue
        fields = [
            str(label)
            for name, label in ROMANI_FIELDS.items()
            if getattr(consultation, f"{name}_sv") and not getattr(consultation, f"{name}_rom")
        ]
        items = [
            i for i in consultation.agenda_items if not i.title_rom or (i.description_sv and not i.description_rom)
        ]
        if fields or items:
            out.append(MissingTranslation(consultation, fields, items))
    return out
