"""Who may do what with consultations. Pure functions, no database access."""

from __future__ import annotations

from app.accounts.models import Role, User
from app.boards.models import Board
from app.consultations.models import Consultation


def can_create_in(user: User, board: Board) -> bool:
    return user.is_site_admin or user.role_in(board.id) is not None


def can_edit(user: User, consultation: Consultation) -> bool:
    """Editors and publishers of the lead board or of any co-hosting board."""
    if user.is_site_admin:
        return True
    return bool(user.board_ids & consultation.board_ids)


def can_publish(user: User, consultation: Consultation) -> bool:
    """Publishing, cancelling and closing need the publisher role in a hosting board."""
    if user.is_site_admin:
        return True
    return any(user.role_in(board_id) is Role.PUBLISHER for board_id in consultation.board_ids)


def boards_for_new_consultation(user: User, boards: list[Board]) -> list[Board]:
    return [b for b in boards if can_create_in(user, b)]
