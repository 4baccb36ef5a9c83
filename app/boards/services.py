"""Board reads and the seed of the city's boards."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.boards.models import Board, BoardKind
from app.boards.seed import BOARDS, PREVIOUS_NAMES_ROM


def list_boards(session: Session) -> list[Board]:
    return list(session.scalars(sa.select(Board).order_by(Board.kind, Board.name_sv)))


def get_board_by_slug(session: Session, slug: str) -> Board | None:
    return session.scalar(sa.select(Board).where(Board.slug == slug))


def seed_boards(session: Session) -> int:
    """Create or update the city's boards from the seed list; return how many were new."""
    existing = {b.slug: b for b in session.scalars(sa.select(Board))}
    created = 0
    for slug, kind, name_sv, name_rom in BOARDS:
        board = existing.get(slug)
        if board is None:
            session.add(
                Board(
                    slug=slug,
                    kind=BoardKind(kind),
                    name_sv=name_sv,
                    name_rom=name_rom,
                    contact_email=f"{slug}@stockholm.example",
                )
            )
            created += 1
        else:
            board.name_sv, board.kind = name_sv, BoardKind(kind)
            if not board.name_rom or board.name_rom in PREVIOUS_NAMES_ROM:
                board.name_rom = name_rom
    session.flush()
    return created
