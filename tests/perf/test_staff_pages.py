"""Staff pages at scale (issue 22): each page's size and SQL statement count stay
bounded however many views a consultation has and however many consultations a
board ran.

Before, the views list of a consultation with 1,000 views was 860 KB, the
dashboard listed every consultation of the user's boards (1 MB on the
benchmark data) and the theme form had a checkbox per view. The budget is the
public pages' (see ``test_feedback_page_size``): **100 KB**. Statement counts
are compared between a world of 1,000 views and 40 consultations and one of
10,000 views and 400 consultations: they must be equal (no N+1), as the public
pages' are (``test_query_counts``).
"""

from __future__ import annotations

import pytest

from tests.perf.conftest import assert_bounded, measure_pages
from tests.perf.staff_world import build_staff_world

BUDGET = 100_000  # bytes


def _pages(world) -> dict[str, str]:
    c = world.consultation.id
    theme = world.themes[0].id
    item = world.consultation.agenda_items[0].id
    last = -(-world.views // 25)
    views = f"/sv/staff/consultations/{c}/views"
    return {
        "dashboard": "/sv/staff/",
        "dashboard-rom": "/rom/staff/",
        "archive": "/sv/staff/consultations/",
        "archive-awaiting": "/sv/staff/consultations/?show=awaiting",
        "archive-deep": "/sv/staff/consultations/?page=2",
        "archive-search": "/sv/staff/consultations/?q=Samr%C3%A5d&show=closed",
        "overdue": "/sv/staff/feedback/overdue",
        "views": views,
        "views-last-page": f"{views}?page={last}",
        "views-question": f"{views}?question={item}",
        "views-no-question": f"{views}?question=none",
        "views-variety": f"{views}?language=rom:kalderash",
        "views-no-theme": f"{views}?theme=none",
        "views-any-theme": f"{views}?theme=any",
        "views-theme": f"{views}?theme={theme}",
        "views-hidden": f"{views}?hidden=yes",
        "views-untranslated": f"{views}?translated=no&channel=phone",
        "views-search": f"{views}?q=rullstol&translated=yes",
        "feedback": f"/sv/staff/consultations/{c}/feedback",
        "theme-new": f"/sv/staff/consultations/{c}/feedback/themes/new",
        "theme-edit": f"/sv/staff/consultations/{c}/feedback/themes/{theme}",
        "reading": f"{views}/read?theme=none",
        "reading-middle": f"{views}/read?language=rom&at={world.middle_id}",
    }


def test_staff_pages_stay_small_and_send_constant_statements(app, client, auth, db_session, create_board, create_user):
    small_world = build_staff_world(db_session, create_board, create_user, views=1_000, consultations=40)
    auth.login(small_world.user)
    small = measure_pages(client, db_session, _pages(small_world))
    auth.logout()
    large_world = build_staff_world(db_session, create_board, create_user, views=10_000, consultations=400)
    auth.login(large_world.user)
    large = measure_pages(client, db_session, _pages(large_world))
    assert_bounded(small, large, BUDGET)  # 1,000 views and 40 consultations; 10,000 and 400


@pytest.mark.parametrize(
    "filter_args,expected",
    [
        ("", 10_000 // 10),
        ("theme=none", 10_000 // 10 - 10_000 // 30 - 1),
    ],
)
def test_views_list_counts_in_sql(client, auth, db_session, create_board, create_user, filter_args, expected):
    world = build_staff_world(db_session, create_board, create_user, views=10_000 // 10, consultations=5)
    auth.login(world.user)
    html = client.get(f"/sv/staff/consultations/{world.consultation.id}/views?{filter_args}").get_data(as_text=True)
    assert f"{expected:,}".replace(",", "\u00a0") in html or str(expected) in html
    assert html.count('class="view-card') == 25
