"""The city report, the ledger figures and the CSV exports, against hand-computed figures.

The world (today is 10 March 2026, Stockholm):

====  =====================  ==========  ==========  ======================  ============================
 c    boards                 meeting     promised    feedback published      registrations → participants
====  =====================  ==========  ==========  ======================  ============================
 c1   A                      2025-02-01  2025-03-01  2025-02-20 (19 d, kept) 3 marked: 2 came → 2
 c2   A, co-host B           2026-02-01  2026-03-01  2026-03-02 00:30 local  2 with a place, 1 waiting,
                                                      (29 d, late)            not marked → 2
 c3   B                      2026-01-10  2026-02-10  —  (late, counted due)  1 with a place → 1
 c4   B (published, future)  —           —           —  (not held)           not counted
 c5   C                      2025-06-01  2025-06-30  2025-07-01 00:30 local  none → 0
                                                      (30 d, late, summer)
====  =====================  ==========  ==========  ======================  ============================

Views: c1 rom×2, c2 sv + other, c3 rom, c4 sv (not held). Responses: c1 implemented +
not implemented, c2 partly, c5 forwarded.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.consultations.models import ConsultationStatus as S
from app.db import UTCDateTime
from app.feedback import consultation as consultation_reports
from app.feedback import exports, figures, promises, publication
from app.feedback import ledger as feedback_ledger
from app.feedback import services as fb
from app.feedback.models import Outcome
from app.i18n import STOCKHOLM
from app.registrations.models import Registration, RegistrationStatus
from tests.support import utc

TODAY = date(2026, 3, 10)
UTC = timezone.utc
O = Outcome


@pytest.fixture
def world(db_session, create_board, create_user, create_consultation, create_viewpoint):
    a = create_board(slug="a-namnden", name_sv="A-nämnden", name_rom="A-komisia")
    b = create_board(slug="b-namnden", name_sv="B-nämnden", name_rom="B-komisia")
    c = create_board(slug="c-namnden", name_sv="C-nämnden", name_rom=None)
    user = create_user(boards={a: Role.PUBLISHER, b: Role.PUBLISHER, c: Role.PUBLISHER})
    tokens = iter(range(1, 100))

    def register(consultation, status=RegistrationStatus.CONFIRMED, attended=None):
        db_session.add(
            Registration(consultation_id=consultation.id, token=f"tok-{next(tokens)}", status=status, attended=attended)
        )
        db_session.commit()

    def feedback(consultation, answers, summary="Vi hörde er."):
        report = consultation_reports.start_report(db_session, user, consultation)
        fb.update_summary(db_session, user, report, {"summary_sv": summary})
        responses = []
        for title, data in answers:
            theme = fb.add_theme(db_session, user, report, title)
            responses.append(fb.save_response(db_session, user, theme, {"body_sv": "Svar.", **data}, today=TODAY))
        return report, responses

    c1 = create_consultation(
        board=a,
        status=S.HELD,
        start_dt=utc(2025, 2, 1, 17),
        feedback_due_date=date(2025, 3, 1),
        title_sv="+Plus om skolan",
    )
    for _ in range(2):
        create_viewpoint(c1, language="rom")
    register(c1, attended=True)
    register(c1, attended=True)
    register(c1, attended=False)
    register(c1, status=RegistrationStatus.CANCELLED)
    report1, (implemented, _) = feedback(
        c1,
        [
            ({"title_sv": "=1+1", "title_rom": "-minus"}, {"outcome": "implemented", "body_sv": "@hemma"}),
            ({"title_sv": "Lokaler"}, {"outcome": "not_implemented", "reason_sv": "Pengarna räcker inte."}),
        ],
    )
    fb.cite_decision(
        db_session,
        user,
        implemented,
        {
            "board_id": a.id,
            "case_reference": "KS 2025/12",
            "paragraph": "§ 7",
            "meeting_date": date(2025, 2, 15),
            "title_sv": "Läxhjälp",
            "minutes_url": "https://example.org/protokoll.pdf",
        },
    )
    publication.publish_feedback(db_session, user, report1, now=utc(2025, 2, 20, 9))

    c2 = create_consultation(
        board=a,
        co_hosts=[b],
        status=S.HELD,
        start_dt=utc(2026, 2, 1, 17),
        feedback_due_date=date(2026, 3, 1),
        title_sv="Samråd om idrott",
    )
    create_viewpoint(c2, language="sv")
    create_viewpoint(c2, language="other")
    register(c2)
    register(c2)
    register(c2, status=RegistrationStatus.WAITLISTED)
    report2, _ = feedback(c2, [({"title_sv": "Idrott"}, {"outcome": "partly"})])
    publication.publish_feedback(
        db_session, user, report2, now=utc(2026, 3, 1, 23, 30)
    )  # 00:30 on 2 March in Stockholm

    c3 = create_consultation(board=b, status=S.HELD, start_dt=utc(2026, 1, 10, 17), feedback_due_date=date(2026, 2, 10))
    create_viewpoint(c3, language="rom")
    register(c3)

    c4 = create_consultation(board=b, status=S.PUBLISHED, start_dt=utc(2026, 4, 1, 17))
    create_viewpoint(c4, language="sv")
    register(c4)

    c5 = create_consultation(
        board=c,
        status=S.HELD,
        start_dt=utc(2025, 6, 1, 17),
        feedback_due_date=date(2025, 6, 30),
        title_sv="Samråd om kultur",
    )
    report5, _ = feedback(c5, [({"title_sv": "Bibliotek"}, {"outcome": "forwarded", "forwarded_to_board_id": a.id})])
    publication.publish_feedback(
        db_session, user, report5, now=utc(2025, 6, 30, 22, 30)
    )  # 00:30 on 1 July (summer time)

    # A draft change after publication: not in the CSV, which reads the published snapshot.
    report1.themes[1].title_sv = "Ändrat utkast"
    db_session.commit()
    return SimpleNamespace(a=a, b=b, c=c, c1=c1, c2=c2, c3=c3, c5=c5, user=user)


def _figures(f: figures.Figures) -> tuple:
    return (
        f.held,
        f.participants,
        dict(f.views_by_language),
        {o: n for o, n in f.responses_by_outcome.items() if n},
        f.feedback_due,
        f.feedback_on_time,
        f.median_days_to_feedback,
    )


# --- Figures ------------------------------------------------------------------------------------------


def test_city_figures(db_session, world):
    total = figures.figures(db_session, today=TODAY)[(None, None)]
    assert _figures(total) == (
        4,
        5,
        {"rom": 3, "sv": 1, "other": 1},
        {O.IMPLEMENTED: 1, O.NOT_IMPLEMENTED: 1, O.PARTLY: 1, O.FORWARDED: 1},
        4,
        1,
        29.0,
    )
    assert total.views == 5 and total.responses == 4 and total.share_on_time == 0.25
    per_year = figures.figures(db_session, today=TODAY, by_year=True, parts=("held",))
    assert {k: (f.held, f.participants) for k, f in per_year.items()} == {(None, 2025): (2, 2), (None, 2026): (2, 3)}


def test_figures_per_board(db_session, world):
    w = world
    per_board = figures.figures(db_session, today=TODAY, by_board=True)
    assert _figures(per_board[(w.a.id, None)]) == (
        2,
        4,
        {"rom": 2, "sv": 1, "other": 1},
        {O.IMPLEMENTED: 1, O.NOT_IMPLEMENTED: 1, O.PARTLY: 1},
        2,
        1,
        24.0,
    )
    # B co-hosts c2: counted for B as well as A
    assert _figures(per_board[(w.b.id, None)]) == (2, 3, {"sv": 1, "other": 1, "rom": 1}, {O.PARTLY: 1}, 2, 0, 29.0)
    assert _figures(per_board[(w.c.id, None)]) == (1, 0, {}, {O.FORWARDED: 1}, 1, 0, 30.0)


def test_figures_per_board_and_year(db_session, world):
    w = world
    grid = figures.figures(db_session, today=TODAY, by_board=True, by_year=True)
    assert _figures(grid[(w.a.id, 2025)]) == (1, 2, {"rom": 2}, {O.IMPLEMENTED: 1, O.NOT_IMPLEMENTED: 1}, 1, 1, 19.0)
    assert _figures(grid[(w.a.id, 2026)]) == (1, 2, {"sv": 1, "other": 1}, {O.PARTLY: 1}, 1, 0, 29.0)
    assert _figures(grid[(w.b.id, 2026)]) == (2, 3, {"sv": 1, "other": 1, "rom": 1}, {O.PARTLY: 1}, 2, 0, 29.0)
    assert _figures(grid[(w.c.id, 2025)]) == (1, 0, {}, {O.FORWARDED: 1}, 1, 0, 30.0)
    assert (w.b.id, 2025) not in grid and (w.c.id, 2026) not in grid


def test_one_board_matches_the_grouped_figures(db_session, world):
    alone = figures.figures(db_session, today=TODAY, board_id=world.b.id)[(None, None)]
    grouped = figures.figures(db_session, today=TODAY, by_board=True)[(world.b.id, None)]
    assert alone == grouped


def test_promise_not_yet_due_is_not_counted(db_session, world):
    # On 10 February 2026, c3's promise (10 Feb) has not been broken yet: B has one due (c2, published).
    b = figures.figures(db_session, today=date(2026, 2, 10), board_id=world.b.id)[(None, None)]
    assert (b.feedback_due, b.feedback_on_time) == (1, 0)


def test_board_ledger_uses_the_shared_figures(db_session, world):
    ledger = feedback_ledger.board_ledger(db_session, world.a, today=TODAY)
    assert ledger.held_per_year == [(2025, 1), (2026, 1)]
    assert ledger.participants_per_year == [(2025, 2), (2026, 2)]
    assert ledger.views_by_language == [("rom", 2), ("other", 1), ("sv", 1)]
    assert dict(ledger.responses_by_outcome)[O.PARTLY] == 1 and len(ledger.responses_by_outcome) == len(Outcome)
    assert (ledger.feedback_on_time, ledger.feedback_due, ledger.median_days_to_feedback) == (1, 2, 24.0)


def test_city_report_lists_boards_that_did_not_consult_this_year(db_session, world):
    report = figures.city_report(db_session, today=TODAY)
    assert report.year == 2026
    assert [b.slug for b in report.not_consulted] == ["c-namnden"]
    rows = {row.board.slug: (row.this_year.held, row.total.held) for row in report.boards}
    assert rows == {"a-namnden": (1, 2), "b-namnden": (2, 2), "c-namnden": (0, 1)}
    assert [(y, f.held) for y, f in report.per_year] == [(2025, 2), (2026, 2)]
    assert report.total.held == 4


def test_city_report_sends_a_fixed_number_of_statements(db_session, world):
    """A constant number of statements, however many consultations: no loop per consultation."""
    statements: list[str] = []
    engine = db_session.get_bind()

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        figures.city_report(db_session, today=TODAY)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # boards; city; city per year; per board; per board and year; the boards with city services
    # (the experiences part: five statements when there are some, tests/experiences/test_views.py)
    assert len(selects) == 1 + 4 + 1 + 4 + 1 + 1
    assert all("count(" in s.lower() or "sum(" in s.lower() for s in selects[1:])  # aggregates, not rows


@pytest.mark.parametrize(
    "moment",
    [
        utc(2026, 1, 15, 22, 59),
        utc(2026, 1, 15, 23, 0),  # winter: midnight at 23:00 UTC
        utc(2026, 3, 29, 0, 59),
        utc(2026, 3, 29, 1, 0),  # summer time starts 01:00 UTC, last Sunday of March
        utc(2026, 6, 30, 21, 59),
        utc(2026, 6, 30, 22, 0),  # summer: midnight at 22:00 UTC
        utc(2026, 10, 25, 0, 59),
        utc(2026, 10, 25, 1, 0),  # summer time ends
        utc(2025, 12, 31, 23, 30),
        utc(2024, 3, 30, 22, 30),
    ],
)
def test_stockholm_date_in_sql(db_session, moment):
    value = db_session.scalar(sa.select(figures.stockholm_date(sa.literal(moment, UTCDateTime()))))
    assert value == moment.astimezone(STOCKHOLM).date()


# --- CSV ----------------------------------------------------------------------------------------------


def _read(chunks) -> list[list[str]]:
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_figures_csv(db_session, world):
    rows = _read(exports.figures_csv(db_session, today=TODAY))
    header = rows[0]
    assert header[:6] == list(exports.FIGURE_COLUMNS)
    assert header[6:9] == ["views_rom", "views_sv", "views_other"]
    assert header[9:16] == ["responses", *(f"responses_{o.value}" for o in Outcome)]
    assert header[16:] == ["feedback_due", "feedback_on_time", "feedback_on_time_percent", "median_days_to_feedback"]
    body = [dict(zip(header, r)) for r in rows[1:]]
    # the city's rows first, then every board for every year (zeros included)
    assert [(r["board_slug"], r["year"]) for r in body] == [
        ("", "2025"),
        ("", "2026"),
        ("a-namnden", "2025"),
        ("a-namnden", "2026"),
        ("b-namnden", "2025"),
        ("b-namnden", "2026"),
        ("c-namnden", "2025"),
        ("c-namnden", "2026"),
    ]
    city_2026 = body[1]
    assert (city_2026["consultations_held"], city_2026["participants"], city_2026["views"]) == ("2", "3", "3")
    a_2025 = body[2]
    assert a_2025["board_name_sv"] == "A-nämnden"
    assert (a_2025["views_rom"], a_2025["responses"], a_2025["responses_implemented"]) == ("2", "2", "1")
    assert (a_2025["feedback_due"], a_2025["feedback_on_time"], a_2025["feedback_on_time_percent"]) == (
        "1",
        "1",
        "100.0",
    )
    assert a_2025["median_days_to_feedback"] == "19.0"
    b_2025 = body[4]
    assert (b_2025["consultations_held"], b_2025["views"], b_2025["median_days_to_feedback"]) == ("0", "0", "")
    assert body[7]["consultations_held"] == "0"  # C did not consult in 2026


def test_board_figures_csv(db_session, world):
    rows = _read(exports.figures_csv(db_session, today=TODAY, board=world.b))
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("b-namnden", "2026", "2")]


def test_feedback_csv(db_session, world):
    rows = _read(exports.feedback_csv(db_session))
    assert rows[0] == list(exports.FEEDBACK_COLUMNS)
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [(r["consultation_id"], r["theme_title_sv"], r["outcome"]) for r in body] == [
        (str(world.c1.id), "'=1+1", "implemented"),
        (str(world.c1.id), "Lokaler", "not_implemented"),  # the published title, not the draft change
        (str(world.c5.id), "Bibliotek", "forwarded"),
        (str(world.c2.id), "Idrott", "partly"),
    ]
    first = body[0]
    assert first["consultation_title_sv"] == "'+Plus om skolan"
    assert first["theme_title_rom"] == "'-minus" and first["response_sv"] == "'@hemma"
    assert (first["board_slug"], first["meeting_date"]) == ("a-namnden", "2025-02-01")
    assert (first["decision_case_reference"], first["decision_paragraph"], first["decision_date"]) == (
        "KS 2025/12",
        "7",
        "2025-02-15",
    )
    assert first["minutes_url"] == "https://example.org/protokoll.pdf"
    assert (first["feedback_first_published"], first["feedback_revision"]) == ("2025-02-20", "1")
    assert body[1]["decision_case_reference"] == "" and body[3]["feedback_first_published"] == "2026-03-02"


# --- Pages --------------------------------------------------------------------------------------------


@pytest.fixture
def on_today(monkeypatch):
    """Today is 10 March 2026 for the pages too."""
    original = promises.stockholm_today
    monkeypatch.setattr(promises, "stockholm_today", lambda now=None: TODAY if now is None else original(now))


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_city_report_page(client, world, on_today, lang):
    response = client.get(f"/{lang}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    assert html.count('role="img"') == 4 and '<title id="held-chart-title">' in html
    assert 'aria-labelledby="outcome-chart-title"' in html and 'id="outcome-chart-table"' in html
    assert 'data-held="4"' in html and 'data-participants="5"' in html and 'data-on-time="1/4"' in html
    assert 'data-outcome="forwarded">1<' in html and 'data-language="rom">3<' in html
    assert '<tr data-board="c-namnden">' in html and 'data-this-year="0"' in html
    not_consulted = html.split('id="not-consulted-title"')[1].split("</section>")[0]
    assert 'data-board="c-namnden"' in not_consulted and "a-namnden" not in not_consulted
    assert f"/{lang}/report.csv" in html and f"/{lang}/report/feedback.csv" in html
    if lang == "rom":  # a board without a Romani name is marked as Swedish
        assert '<span lang="sv"' in html


def test_city_report_with_no_data(client):
    html = client.get("/sv/report").get_data(as_text=True)
    assert 'data-held="0"' in html and 'role="img"' in html  # the outcomes chart, all zeros


def test_report_is_linked_from_the_footer_and_the_boards(client, world):
    assert 'href="/sv/report"' in client.get("/sv/boards/").get_data(as_text=True)
    assert 'href="/rom/report"' in client.get("/rom/").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_ledger_page_has_charts(client, world, on_today, lang):
    html = client.get(f"/{lang}/boards/a-namnden/ledger").get_data(as_text=True)
    assert html.count('<svg class="chart" role="img"') == 4
    assert 'data-year="2025">1<' in html and 'data-participants-year="2025">2<' in html
    assert f"/{lang}/boards/a-namnden/ledger.csv" in html


def test_csv_downloads(client, world, on_today):
    for url, first in [
        ("/sv/report.csv", "board_slug"),
        ("/rom/report/feedback.csv", "consultation_id"),
        ("/sv/boards/c-namnden/ledger.csv", "board_slug"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
        assert response.is_streamed
        text = response.get_data(as_text=True)
        assert text.startswith("\ufeff" + first)
    ledger = client.get("/sv/boards/c-namnden/ledger.csv").get_data(as_text=True)
    assert ledger.splitlines()[1].startswith("c-namnden;C-nämnden;2025;1;0;0;")
    assert client.get("/sv/boards/no-such-board/ledger.csv").status_code == 404


def test_ledger_csv_streams_after_the_request(tmp_path):
    """The download is written after the view returned and the request's session
    was closed (as in production, unlike the joined test session): it must not
    need that session's objects."""
    from sqlalchemy.orm import Session

    from app import create_app, migrate
    from app.boards.models import Board, BoardKind
    from app.consultations.models import Consultation, ConsultationStatus
    from config import TestConfig
    from tests.databases import empty_database

    with empty_database("sqlite", tmp_path, "stream") as url:
        migrate.upgrade(url)
        app = create_app(TestConfig, {"DATABASE_URL": url})
        with Session(app.extensions["db"].engine) as session:
            board = Board(slug="farsta", name_sv="Farsta stadsdelsnämnd", kind=BoardKind.DISTRICT)
            start = datetime(2026, 3, 3, 17, tzinfo=timezone.utc)
            session.add(
                Consultation(
                    lead_board=board,
                    status=ConsultationStatus.HELD,
                    title_sv="Samråd",
                    start_dt=start,
                    end_dt=start + timedelta(hours=2),
                    held_dt=start,
                )
            )
            session.commit()
        response = app.test_client().get("/sv/boards/farsta/ledger.csv")
        assert response.status_code == 200
        assert "farsta" in response.get_data(as_text=True)
        app.extensions["db"].engine.dispose()
