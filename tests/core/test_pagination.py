"""Pagination: a page number from the query string never overflows the database's integers."""

from __future__ import annotations

import sqlalchemy as sa

from app.boards.models import Board
from app.common.pagination import paginate, paginate_ids

HUGE = 99999999999999999999  # more than a 64-bit integer


def test_a_page_past_the_end_is_empty_without_asking_the_database(db_session, create_board) -> None:
    board = create_board()
    stmt = sa.select(Board).order_by(Board.id)
    page = paginate(db_session, stmt, HUGE, 10)
    assert (page.items, page.total, page.page) == ([], db_session.scalar(sa.select(sa.func.count(Board.id))), HUGE)
    page = paginate_ids(
        db_session,
        sa.select(Board.id).order_by(Board.id),
        lambda s, ids: list(s.scalars(sa.select(Board).where(Board.id.in_(ids)))),
        HUGE,
        10,
    )
    assert page.items == [] and page.has_prev and not page.has_next
    assert board in paginate(db_session, stmt, 1, 100).items


def test_a_board_page_with_a_huge_page_number(client, create_board) -> None:
    board = create_board()
    for lang in ("sv", "rom"):
        assert client.get(f"/{lang}/boards/{board.slug}?page={HUGE}").status_code == 200
