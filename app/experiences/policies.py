"""Who may do what with services, surveys, experiences and measures. Pure functions.

Everything about a service belongs to its board: editors and publishers of
that board edit, publishers publish measures; site admins may do everything.
"""

from __future__ import annotations

from typing import Any

from app.accounts.models import Role, User
from app.boards.models import Board


def can_manage_in(user: User, board: Board) -> bool:
    return user.is_site_admin or user.role_in(board.id) is not None


def can_edit(user: User, service: Any) -> bool:
    """Editors and publishers of the service's board."""
    return user.is_site_admin or user.role_in(service.board_id) is not None


def can_publish(user: User, service: Any) -> bool:
    """Publishing measures and opening surveys needs the publisher role."""
    return user.is_site_admin or user.role_in(service.board_id) is Role.PUBLISHER


def boards_for_new_service(user: User, boards: list[Board]) -> list[Board]:
    return [b for b in boards if can_manage_in(user, b)]
