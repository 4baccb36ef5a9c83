"""Constant work per page: the number of SQL statements a public page sends
does not grow with the amount of data (no N+1 queries)."""

from __future__ import annotations

import pytest

from tests.perf.conftest import count_statements, measure_pages


def _pages(world) -> dict[str, str]:
    b, c, f = world.board, world.upcoming, world.with_feedback
    last = max(1, -(-world.consultations // 20))
    return {
        "home": "/sv/",
        "list": "/sv/consultations/",
        "list-all": "/sv/consultations/?when=all",
        "deep-page": f"/sv/consultations/?when=all&page={last}",
        "board-filter": f"/sv/consultations/?when=past&board={b.slug}",
        "consultation": f"/sv/consultations/{c.id}",
        "consultation-rom": f"/rom/consultations/{c.id}",
        "feedback": f"/sv/consultations/{f.id}/feedback",
        "feedback-rom": f"/rom/consultations/{f.id}/feedback",
        "boards": "/sv/boards/",
        "board": f"/sv/boards/{b.slug}",
        "ledger": f"/sv/boards/{b.slug}/ledger",
        "ics-all": "/sv/consultations.ics",
        "ics-board": f"/sv/boards/{b.slug}.ics",
        "atom": "/sv/consultations.atom",
    }


def _counts(client, db_session, world) -> dict[str, int]:
    return {name: count for name, (count, _size) in measure_pages(client, db_session, _pages(world)).items()}


def test_statement_counts_do_not_grow_with_the_data(app, client, db_session, build_world):
    small = _counts(client, db_session, build_world(10))
    large = _counts(client, db_session, build_world(200))
    grown = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert not grown, f"statements (10 consultations, 200 consultations): {grown}"


@pytest.mark.parametrize("page", ["home", "list", "consultation", "feedback", "ledger", "atom"])
def test_pages_send_few_statements(app, client, db_session, build_world, page):
    world = build_world(10)
    url = _pages(world)[page]
    db_session.expire_all()
    with count_statements(db_session) as statements:
        assert client.get(url).status_code == 200
    assert len(statements) <= 12, statements.statements
