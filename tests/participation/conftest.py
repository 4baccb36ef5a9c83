"""Fixtures of the participation tests (written and spoken views, the speaker check)."""

from __future__ import annotations

import pytest

from app.consultations.models import AgendaItem, Consultation


@pytest.fixture
def consultation(create_consultation, board, db_session) -> Consultation:
    """A published consultation of ``board`` with one agenda item (a view may name it)."""
    c = create_consultation(board=board)
    c.agenda_items.append(AgendaItem(title_sv="Fråga ett", title_rom="Pushimos yekh", position=1))
    db_session.commit()
    return c
