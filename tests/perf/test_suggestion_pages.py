"""Suggested themes at scale (issue 22): the pages send the same number of SQL statements and stay
under the staff pages' 100 KB whatever the number of views and proposals, and suggesting groups at
most ``suggestions.MAX_VIEWS`` views. (How long it takes is measured in docs/performance.md; with
``-s`` this test prints the time of one suggestion request, asserting nothing about it.)"""

from __future__ import annotations

import time

from app.feedback import suggestions
from tests.perf.conftest import count_statements
from tests.perf.staff_world import build_staff_world
from tests.support import present

BUDGET = 100_000  # bytes, as tests/perf/test_staff_pages.py


def _measure(client, db_session, world) -> dict[str, tuple[int, int]]:
    base = f"/sv/staff/consultations/{world.consultation.id}/feedback/suggestions"
    started = time.perf_counter()
    assert client.post(base, data={"scope": "all"}).status_code == 302
    print(f"suggest, {world.views} views: {time.perf_counter() - started:.2f} s")  # shown with -s
    db_session.expire_all()
    run = present(suggestions.get_run(db_session, world.consultation.id))
    assert run.considered == min(world.views, suggestions.MAX_VIEWS) and run.suggestions
    out = {}
    for name, url in {"suggestions": base, "proposal": f"{base}/{run.suggestions[0].id}",
                      "proposal-rom": f"/rom{base[3:]}/{run.suggestions[-1].id}?page=2"}.items():
        db_session.expire_all()
        with count_statements(db_session) as statements:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        out[name] = (len(statements), len(response.get_data()))
    return out


def test_suggestion_pages_stay_small_and_send_constant_statements(client, auth, db_session, create_board,
                                                                  create_user):
    small_world = build_staff_world(db_session, create_board, create_user, views=200, consultations=2)
    auth.login(small_world.user)
    small = _measure(client, db_session, small_world)
    auth.logout()
    large_world = build_staff_world(db_session, create_board, create_user, views=3_000, consultations=2)
    auth.login(large_world.user)
    large = _measure(client, db_session, large_world)
    print({name: (small[name], large[name]) for name in small})
    too_big = {name: size for name, (_count, size) in {**small, **large}.items() if size > BUDGET}
    assert not too_big, f"pages over {BUDGET} bytes: {too_big}"
    grown = {name: (small[name][0], large[name][0]) for name in small if large[name][0] != small[name][0]}
    assert not grown, f"statements (200 views, 3,000 views): {grown}"
