"""Who may do what with wishes. Pure functions, no database access."""

from __future__ import annotations

from typing import Any

from app.accounts.models import User


def can_answer(user: User, wish: Any) -> bool:
    """Editors and publishers of a board the wish is addressed to; site admins."""
    if user.is_site_admin:
        return True
    return bool(user.board_ids & wish.board_ids)


def can_moderate(user: User, wish: Any) -> bool:
    """Hiding follows answering: the addressed boards look after their wishes."""
    return can_answer(user, wish)
