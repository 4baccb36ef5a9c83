"""Database helpers in app/db.py."""

from __future__ import annotations

import sqlalchemy as sa

from app.db import add_once
from app.participation.models import Channel, Viewpoint
from tests.support import blind_first_lookup


def test_add_once_returns_the_winners_row_when_the_same_key_was_inserted_meanwhile(
    db_session, create_consultation, monkeypatch
):
    """Two identical submissions at the same moment: the first lookup of the
    second found nothing, then the unique key refused its insert."""
    c = create_consultation()
    first = Viewpoint(
        consultation=c,
        body="Vi vill ha kvällsmöten.",
        language="sv",
        channel=Channel.WEB,
        idempotency_key="same-key",
        reference_code="ABCD-2345",
    )
    db_session.add(first)
    db_session.commit()

    blind_first_lookup(monkeypatch, db_session, "scalar")
    again = Viewpoint(
        consultation=c,
        body="Vi vill ha kvällsmöten.",
        language="sv",
        channel=Channel.WEB,
        idempotency_key="same-key",
        reference_code="WXYZ-6789",
    )
    row, created = add_once(db_session, again, "same-key")
    monkeypatch.undo()
    assert (row.id, created) == (first.id, False)
    assert again not in db_session
    db_session.commit()  # the session is usable: nothing half-written
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Viewpoint)) == 1


def test_a_request_deadline_does_not_outlive_its_request_in_a_reused_app_context(app, client):
    """Requests inside an app context that is already pushed (as tests and CLI
    commands do) must not leave their deadline behind: on PostgreSQL a stale one
    refuses every later connection with "no time left to connect"."""
    from app.db import _deadline

    with app.test_request_context("/sv/"):
        for _ in range(3):
            assert client.get("/sv/consultations/").status_code == 200
    assert _deadline.get() is None
