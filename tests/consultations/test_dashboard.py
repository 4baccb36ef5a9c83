"""The staff dashboard shows what needs action now, bounded; the archive lists the rest (issue 22)."""

from __future__ import annotations

from datetime import timedelta

from app.accounts.models import Role
from app.consultations import dashboard
from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from tests.conftest import in_days


def test_dashboard_kinds_and_counts(db_session, create_consultation, create_user, create_board):
    board = create_board()
    user = create_user(boards={board: Role.EDITOR})
    today = utcnow().date()
    late = create_consultation(
        board=board, status=S.HELD, start_dt=in_days(-60), feedback_due_date=today - timedelta(days=3)
    )
    awaiting = create_consultation(
        board=board, status=S.HELD, start_dt=in_days(-5), feedback_due_date=today + timedelta(days=20)
    )
    passed = create_consultation(board=board, status=S.PUBLISHED, start_dt=in_days(-3))
    upcoming = [create_consultation(board=board, status=S.PUBLISHED, start_dt=in_days(5 + i)) for i in range(12)]
    draft = create_consultation(board=board, status=S.DRAFT)
    create_consultation(board=board, status=S.FEEDBACK_PUBLISHED, start_dt=in_days(-90))
    create_consultation(board=create_board(), status=S.DRAFT)  # not mine
    db_session.commit()
    buckets = {b.kind: b for b in dashboard.dashboard(db_session, user, limit=5)}
    assert [c.id for c in buckets["overdue"].items] == [late.id]
    assert {c.id for c in buckets["awaiting"].items} == {awaiting.id, passed.id}
    assert [c.id for c in buckets["upcoming"].items] == [c.id for c in upcoming[:5]]
    assert (buckets["upcoming"].total, buckets["upcoming"].more) == (12, 7)
    assert [c.id for c in buckets["drafts"].items] == [draft.id]
    assert [b.total for b in dashboard.dashboard(db_session, create_user(), limit=5)] == [0, 0, 0, 0]


def test_dashboard_links_to_more_and_the_archive_filters(
    client, auth, db_session, create_consultation, create_user, create_board
):
    board, other = create_board(), create_board()
    user = create_user(boards={board: Role.EDITOR, other: Role.EDITOR})
    for i in range(dashboard.DASHBOARD_LIMIT + 2):
        create_consultation(board=board, status=S.PUBLISHED, start_dt=in_days(5 + i), title_sv=f"Planerat möte {i}")
    create_consultation(board=other, status=S.CLOSED, start_dt=in_days(-400), title_sv="Gammalt samråd om parker")
    db_session.commit()
    auth.login(user)
    html = client.get("/sv/staff/").get_data(as_text=True)
    assert html.count("Planerat möte ") == dashboard.DASHBOARD_LIMIT
    assert "Gammalt samråd" not in html  # the archive is behind a link
    assert "/sv/staff/consultations/?show=upcoming" in html
    html = client.get("/sv/staff/consultations/?show=upcoming").get_data(as_text=True)
    assert html.count("Planerat möte ") == dashboard.DASHBOARD_LIMIT + 2
    html = client.get(f"/sv/staff/consultations/?board={other.id}&q=PARKER").get_data(as_text=True)
    assert "Gammalt samråd om parker" in html and "Planerat möte" not in html
    assert 'value="PARKER"' in html
    year = in_days(-400).year
    assert "Gammalt samråd" in client.get(f"/sv/staff/consultations/?year={year}").get_data(as_text=True)


def test_archive_year_error_is_shown_next_to_the_field(client, auth, create_user, create_board):
    auth.login(create_user(boards={create_board(): Role.EDITOR}))
    response = client.get("/sv/staff/consultations/?year=20x5")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="filter-year-error"' in html and 'value="20x5"' in html


def test_archive_shows_only_my_boards(client, auth, db_session, create_consultation, create_user, create_board):
    board = create_board()
    create_consultation(board=create_board(), status=S.DRAFT, title_sv="Annans utkast")
    auth.login(create_user(boards={board: Role.EDITOR}))
    assert "Annans utkast" not in client.get("/sv/staff/consultations/?show=drafts").get_data(as_text=True)
