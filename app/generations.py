"""Content generations: counters that tell every cache of public pages what changed.

Every commit that wrote rows a public page may show bumps a counter as its last
statement (:func:`bump_content_generation`), so a page rendered before it is
never served after it, by any app server (:mod:`app.web.pagecache`). Row 1
counts every change; the translation overrides have a row of their own; and a
participant's view, registration or evaluation bumps only its consultation's
row and the counter of such writes (:data:`SCOPED_TABLES`).
The listeners below attach to :class:`app.db.AppSession` when this module is
imported (by :mod:`app.registry`, with every model).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import AppSession, Base

#: Tables whose rows no public page shows: writing them does not invalidate
#: cached public pages (logins, the mail outbox, the audit log, suggested themes).
PAGE_NEUTRAL_TABLES = frozenset(
    {
        "users",
        "memberships",
        "login_throttles",
        "access_requests",
        "outbox_messages",
        "audit_events",
        "content_generation",
        "translator_languages",
        "glossary_terms",
        "theme_suggestion_runs",
        "theme_suggestions",
        "theme_suggestion_viewpoints",
    }
)


#: Rows of ``content_generation``: row 1 counts every change public pages may
#: show; a table listed here also bumps a row of its own, so a cache of that
#: table alone (the translation overrides) survives every other change.
CONTENT_ROW = 1
TRANSLATIONS_ROW = 2
COUNTED_TABLES = {"translation_entries": TRANSLATIONS_ROW}

#: Writes scoped to one consultation. A participant's view, registration or
#: evaluation changes only that consultation's own pages (and the few pages
#: that count across consultations), so such a commit does not bump row 1:
#: it bumps :data:`SCOPED_ROW` (read by every page that is not declared
#: blind to these tables, see ``app.web.public``) and the consultation's own
#: row, :func:`scope_row`. Only rows added or changed through the unit of work
#: are scoped (their ``consultation_id`` is known); a DELETE, a bulk statement
#: or any other table written in the same transaction bumps row 1 as before.
SCOPED_ROW = 3
SCOPE_ROW_BASE = 1_000_000
SCOPED_TABLES = {
    "viewpoints": "consultation_id",
    "registrations": "consultation_id",
    "minutes_evaluations": "consultation_id",
}
#: Tables whose new rows no public page shows unless a scoped row written with
#: them links them (a view author's or registrant's contact details).
NEUTRAL_ON_INSERT = frozenset({"contacts"})


def scope_row(consultation_id: int) -> int:
    """The ``content_generation`` row counting writes scoped to one consultation."""
    return SCOPE_ROW_BASE + consultation_id


def _table_name(entity: Any) -> str | None:
    table = getattr(entity, "__table__", None)
    return getattr(table, "name", None)


def _note_write(session: Session, table: str | None) -> None:
    if table not in PAGE_NEUTRAL_TABLES:
        session.info["public_write"] = True
    if table in COUNTED_TABLES:
        session.info.setdefault("counted_rows", set()).add(COUNTED_TABLES[table])


def _note_scoped_write(session: Session, obj: Any, *, inserted: bool) -> None:
    """A row added or changed through the unit of work: scoped to its consultation where it can be."""
    table = _table_name(obj)
    if inserted and table in NEUTRAL_ON_INSERT:
        return
    attribute = SCOPED_TABLES.get(table or "")
    scope = getattr(obj, attribute, None) if attribute else None
    moved = attribute is not None and not inserted and sa.inspect(obj).attrs[attribute].history.deleted
    if isinstance(scope, int) and not moved:  # a row moved to another consultation changes two: row 1
        session.info.setdefault("scoped_rows", set()).add(scope_row(scope))
    else:
        _note_write(session, table)


@event.listens_for(AppSession, "after_flush")
def _note_flushed_writes(session: Session, _context: Any) -> None:
    for obj in session.new:
        _note_scoped_write(session, obj, inserted=True)
    for obj in session.dirty:
        _note_scoped_write(session, obj, inserted=False)
    for obj in session.deleted:
        _note_write(session, _table_name(obj))


@event.listens_for(AppSession, "do_orm_execute")
def _note_statement_writes(state: Any) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    _note_write(state.session, getattr(getattr(state.statement, "table", None), "name", None))


@event.listens_for(AppSession, "before_commit")
def _bump_before_commit(session: Session) -> None:
    session.flush()  # what commit() would flush next, so it is noted above
    for row in sorted(session.info.pop("counted_rows", ())):
        bump_content_generation(session.connection(), row)
    scoped = session.info.pop("scoped_rows", set())
    if session.info.pop("public_write", False):
        bump_content_generation(session.connection())  # every page: the scoped ones too
    elif scoped:
        for row in (SCOPED_ROW, *sorted(scoped)):
            bump_content_generation(session.connection(), row)


@event.listens_for(AppSession, "after_transaction_end")
def _forget_writes(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended (a SAVEPOINT does not count)
        session.info.pop("public_write", None)
        session.info.pop("counted_rows", None)
        session.info.pop("scoped_rows", None)


class ContentGeneration(Base):
    """A counter bumped by every commit that changed rows public pages may show.

    The page cache (:mod:`app.web.pagecache`) keys rendered pages by it, so a
    change is visible on the next request, on every app server. One row
    (``id = 1``), written by :func:`bump_content_generation`.
    """

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def bump_content_generation(connection: sa.Connection, row: int = CONTENT_ROW) -> None:
    """Count one more change of public content (an upsert of row 1), or of a
    counted table (its row, see :data:`COUNTED_TABLES`).

    Runs as the transaction's last statement, so the row lock it takes on
    PostgreSQL is held only for the COMMIT and cannot take part in a deadlock.
    """
    table = ContentGeneration.__table__
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # same on_conflict API
    statement = insert(table).values(id=row, value=1)
    connection.execute(statement.on_conflict_do_update(index_elements=[table.c.id], set_={"value": table.c.value + 1}))


def content_generation(session: Session) -> int:
    """The current generation (0 before the first change)."""
    return session.scalar(sa.select(ContentGeneration.value).where(ContentGeneration.id == 1)) or 0


def request_generations(session: Session, scope_rows: tuple[int, ...] = ()) -> dict[int, int]:
    """Generation rows (``{row: value}``), read at most once per application
    context with one primary-key read: the page cache keys pages by row 1 and,
    per page, by :data:`SCOPED_ROW` or a consultation's :func:`scope_row`; the
    translation overrides reload when row 2 changed."""
    values: dict[int, int] | None = g.get("content_generations")
    wanted = (CONTENT_ROW, TRANSLATIONS_ROW, SCOPED_ROW, *scope_rows)
    if values is None or any(row not in values for row in wanted):
        missing = [row for row in wanted if values is None or row not in values]
        with session.no_autoflush:
            rows = session.execute(
                sa.select(ContentGeneration.id, ContentGeneration.value).where(ContentGeneration.id.in_(missing))
            )
            values = {**(values or {}), **dict.fromkeys(missing, 0), **{row_id: value for row_id, value in rows}}
        g.content_generations = values
    return values


def request_content_generation(session: Session) -> int:
    """The content generation (row 1) of this request (see :func:`request_generations`)."""
    return request_generations(session)[CONTENT_ROW]
