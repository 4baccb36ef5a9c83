from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.db import utcnow
from app.wishes.models import Wish, WishKind


@pytest.fixture
def create_wish(db_session, board) -> Callable[..., Wish]:
    """A wish written directly (bypassing the form), already read by staff unless ``reviewed_dt=None``."""

    def _create(boards: list[Any] | None = None, **kwargs: Any) -> Wish:
        values: dict[str, Any] = {
            "kind": WishKind.TOPIC,
            "text": "Samråd om bostäder, tack",
            "language": "sv",
            "reviewed_dt": utcnow(),
        }
        values.update(kwargs)
        wish = Wish(boards=list(boards or [board]), **values)
        db_session.add(wish)
        db_session.commit()
        return wish

    return _create
