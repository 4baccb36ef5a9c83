"""Offset pagination that counts once and never loads more than a page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _offset(page: int, per_page: int, total: int) -> int | None:
    """The rows to skip, or ``None`` past the last row: a page number from the query string
    (``?page=99999999999999999999``) never reaches the database, whose integers it would overflow."""
    offset = (page - 1) * per_page
    return offset if offset < total else None


def paginate(session: Session, stmt: sa.Select[Any], page: int, per_page: int) -> Page[Any]:
    page = max(1, page)
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    offset = _offset(page, per_page, total)
    items = list(session.scalars(stmt.limit(per_page).offset(offset))) if offset is not None else []
    return Page(items=items, page=page, per_page=per_page, total=total)


def paginate_ids(
    session: Session,
    id_stmt: sa.Select[Any],
    load: Callable[[Session, list[Any]], Sequence[Any]],
    page: int,
    per_page: int,
) -> Page[Any]:
    """Paginate a query of primary keys, then load only that page's rows ("deferred join").

    Counting, sorting and skipping ``OFFSET`` rows touch only the (covering)
    index of the id query, never the wide rows, so a deep page costs an index
    scan instead of reading every skipped row. ``load(session, ids)`` returns
    the objects in any order; they are put back in the order of the ids.
    """
    page = max(1, page)
    total = session.scalar(sa.select(sa.func.count()).select_from(id_stmt.order_by(None).subquery())) or 0
    offset = _offset(page, per_page, total)
    ids = list(session.scalars(id_stmt.limit(per_page).offset(offset))) if offset is not None else []
    by_id = {item.id: item for item in load(session, ids)} if ids else {}
    items = [by_id[i] for i in ids if i in by_id]
    return Page(items=items, page=page, per_page=per_page, total=total)
