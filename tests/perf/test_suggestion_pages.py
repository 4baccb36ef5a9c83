"""Suggested themes at scale (issue 22): the pages send the same number of SQL statements and stay
under the staff pages' 100 KB whatever the number of views and proposals, and suggesting groups at
most ``suggestions.MAX_VIEWS`` views. (How long it takes is measured in docs/performance.md; with
``-s`` this test prints the time of one suggestion request, asserting nothing about it.)"""

from __future__ import annotations

import time

from app.feedback import suggestions
from tests.perf.conftest import assert_bounded, measure_pages
from tests.perf.staff_world import build_staff_world
from tests.support import present

BUDGET = 100_000  # bytes, as tests/perf/test_staff_pages.py


def _suggest_and_measure(client, db_session, world) -> dict[str, tuple[int, int]]:
    base = f"/sv/staff/consultations/{world.consultation.id}/feedback/suggestions"
    started = time.perf_counter()
    assert client.post(base, data={"scope": "all"}).status_code == 302
    print(f"suggest, {world.views} views: {time.perf_counter() - started:.2f} s")  # shown with -s
    db_session.expire_all()
    run = present(suggestions.get_run(db_session, world.consultation.id))
    assert run.considered == min(world.views, suggestions.MAX_VIEWS) and run.suggestions
    return measure_pages(
        client,
        db_session,
        {
            "suggestions": base,
            "proposal": f"{base}/{run.suggestions[0].id}",
            "proposal-rom": f"/rom{base[3:]}/{run.suggestions[-1].id}?page=2",
        },
    )


def test_suggestion_pages_stay_small_and_send_constant_statements(client, auth, db_session, create_board, create_user):
    small_world = build_staff_world(db_session, create_board, create_user, views=200, consultations=2)
    auth.login(small_world.user)
    small = _suggest_and_measure(client, db_session, small_world)
    auth.logout()
    large_world = build_staff_world(db_session, create_board, create_user, views=3_000, consultations=2)
    auth.login(large_world.user)
    large = _suggest_and_measure(client, db_session, large_world)
    assert_bounded(small, large, BUDGET)  # 200 views; 3,000 views (of which 1,000 grouped)
