"""Every figure of the influence ledger (and the city figures it shares), on a world with hand-computed numbers.

Today is 10 March 2026 (Stockholm). Boards A, B, C and D (nothing at all).

====  ==============  =================  ==========  ==================================  ====================================
 c    status          boards             meeting      promised / feedback (first publ.)   registrations → participants
====  ==============  =================  ==========  ==================================  ====================================
 k1   closed          A                  2024-05-10  2024-06-10 / 2024-05-30, 20 d, kept  3 with a place, 1 waiting, 1 cancelled,
                                                      (an update published later)         not marked → 3
 k2   fb published    B, co-host A       2025-01-01  2025-01-31 / 2025-02-03, 33 d, late  4 with a place; marked 1 came, 1 not → 1
                                         00:30 local
                                         (2024 in UTC)
 k3   held            A, co-hosts A, B   2025-03-01  2025-04-01 / — (late, due)           2 with a place, both came → 2
                                                      draft feedback (not counted)
 k4   held            A                  2026-02-20  2026-03-20 / — (not due yet)          1 with a place → 1
 k5   fb published    A                  2026-01-15  2026-02-15 / 2026-02-15 23:30 local,  none → 0
                                                      31 d, kept on the day
 k6   fb published    A                  2025-05-01  — / 2025-05-26, 25 d (not due)        none → 0
 k7   cancelled       A                  2025-09-01  2025-10-01 / —                        2 with a place: not counted
 k8   published       A                  2026-04-01  —                                     1 with a place: not counted
 k9   held            C                  2025-10-10  2025-11-10 / — (late, due)            2 with a place → 2
 k10  closed          A                  2023-11-11  — / —                                 1 marked as not come → 0
====  ==============  =================  ==========  ==================================  ====================================

Views (hidden ones count: they were still said): k1 rom×2 + hidden rom + sv; k2 sv×2 + other;
k3 rom + en; k4 hidden sv; k5 rom×3; k7 sv×5 (cancelled); k8 sv (upcoming); k9 sv; k10 rom.

Responses in published feedback: k1 implemented + partly; k2 not implemented + forwarded;
k5 under consideration + implemented; k6 already in place. k3's draft (already in place) does not count.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from app.accounts.models import Role
from app.consultations.models import ConsultationStatus as S
from app.feedback import consultation as consultation_reports
from app.feedback import figures, promises, publication
from app.feedback import ledger as feedback_ledger
from app.feedback import services as fb
from app.feedback.models import Outcome
from app.registrations.models import Registration, RegistrationStatus
from tests.support import utc

TODAY = date(2026, 3, 10)
O = Outcome
R = RegistrationStatus


@pytest.fixture
def world(db_session, create_board, create_user, create_consultation, create_viewpoint):
    a = create_board(slug="ledger-a", name_sv="A-nämnden")
    b = create_board(slug="ledger-b", name_sv="B-nämnden")
    c = create_board(slug="ledger-c", name_sv="C-nämnden")
    d = create_board(slug="ledger-d", name_sv="D-nämnden")
    user = create_user(boards={a: Role.PUBLISHER, b: Role.PUBLISHER, c: Role.PUBLISHER})
    tokens = iter(range(1, 1000))

    def consultation(board, status, start, due=None, co_hosts=(), views=(), hidden=(), registrations=()):
        k = create_consultation(
            board=board, status=status, start_dt=start, feedback_due_date=due, co_hosts=list(co_hosts)
        )
        for language in views:
            create_viewpoint(k, language=language)
        for language in hidden:
            create_viewpoint(k, language=language, hidden=True)
        for status_, attended in registrations:
            db_session.add(
                Registration(consultation_id=k.id, token=f"ledger-{next(tokens)}", status=status_, attended=attended)
            )
        db_session.commit()
        return k

    def feedback(k, answers, published=None):
        report = consultation_reports.start_report(db_session, user, k)
        fb.update_summary(db_session, user, report, {"summary_sv": "Vi hörde er."})
        for data in answers:
            theme = fb.add_theme(db_session, user, report, {"title_sv": "Tema"})
            fb.save_response(db_session, user, theme, {"body_sv": "Svar.", **data}, today=TODAY)
        if published is not None:
            publication.publish_feedback(db_session, user, report, now=published)
        db_session.commit()
        return report

    k1 = consultation(
        a,
        S.HELD,
        utc(2024, 5, 10, 17),
        date(2024, 6, 10),
        views=["rom", "rom", "sv"],
        hidden=["rom"],
        registrations=[(R.CONFIRMED, None)] * 3 + [(R.WAITLISTED, None), (R.CANCELLED, None)],
    )
    report1 = feedback(
        k1, [{"outcome": "implemented"}, {"outcome": "partly", "reason_sv": "Delvis."}], published=utc(2024, 5, 30, 10)
    )
    report1.summary_sv = "Vi hörde er, och mer."
    publication.publish_update(db_session, user, report1, change_note_sv="Mer text.", now=utc(2024, 8, 1, 10))
    k1.status = S.CLOSED

    k2 = consultation(
        b,
        S.HELD,
        utc(2024, 12, 31, 23, 30),
        date(2025, 1, 31),
        co_hosts=[a],
        views=["sv", "sv", "other"],
        registrations=[(R.CONFIRMED, True), (R.CONFIRMED, False), (R.CONFIRMED, None), (R.CONFIRMED, None)],
    )
    feedback(
        k2,
        [
            {"outcome": "not_implemented", "reason_sv": "Pengarna räcker inte."},
            {"outcome": "forwarded", "forwarded_to_board_id": c.id},
        ],
        published=utc(2025, 2, 3, 9),
    )

    k3 = consultation(
        a,
        S.HELD,
        utc(2025, 3, 1, 17),
        date(2025, 4, 1),
        co_hosts=[a, b],
        views=["rom", "en"],
        registrations=[(R.CONFIRMED, True), (R.CONFIRMED, True)],
    )
    feedback(k3, [{"outcome": "already_in_place"}])  # a draft

    consultation(a, S.HELD, utc(2026, 2, 20, 17), date(2026, 3, 20), hidden=["sv"], registrations=[(R.CONFIRMED, None)])

    k5 = consultation(a, S.HELD, utc(2026, 1, 15, 17), date(2026, 2, 15), views=["rom"] * 3)
    feedback(
        k5,
        [{"outcome": "under_consideration", "next_update_date": date(2026, 6, 1)}, {"outcome": "implemented"}],
        published=utc(2026, 2, 15, 22, 30),
    )  # 23:30 on 15 February in Stockholm: on the promised day

    k6 = consultation(a, S.HELD, utc(2025, 5, 1, 17))
    feedback(k6, [{"outcome": "already_in_place"}], published=utc(2025, 5, 26, 10))

    consultation(
        a,
        S.CANCELLED,
        utc(2025, 9, 1, 17),
        date(2025, 10, 1),
        views=["sv"] * 5,
        registrations=[(R.CONFIRMED, None)] * 2,
    )
    consultation(a, S.PUBLISHED, utc(2026, 4, 1, 17), views=["sv"], registrations=[(R.CONFIRMED, None)])
    consultation(
        c, S.HELD, utc(2025, 10, 10, 17), date(2025, 11, 10), views=["sv"], registrations=[(R.CONFIRMED, None)] * 2
    )
    consultation(a, S.CLOSED, utc(2023, 11, 11, 17), views=["rom"], registrations=[(R.CONFIRMED, False)])
    return SimpleNamespace(a=a, b=b, c=c, d=d)


ZERO = {o: 0 for o in Outcome}


def _ledger(ledger: feedback_ledger.Ledger) -> dict:
    return {
        "held": ledger.held_per_year,
        "participants": ledger.participants_per_year,
        "languages": ledger.views_by_language,
        "outcomes": ledger.responses_by_outcome,
        "due": ledger.feedback_due,
        "on_time": ledger.feedback_on_time,
        "median": ledger.median_days_to_feedback,
        "share": ledger.share_on_time,
    }


def test_ledger_of_a_board_that_leads_and_co_hosts(db_session, world):
    assert _ledger(feedback_ledger.board_ledger(db_session, world.a, today=TODAY)) == {
        "held": [(2023, 1), (2024, 1), (2025, 3), (2026, 2)],
        "participants": [(2023, 0), (2024, 3), (2025, 3), (2026, 1)],
        "languages": [("rom", 8), ("sv", 4), ("en", 1), ("other", 1)],
        "outcomes": list(
            {
                **ZERO,
                O.IMPLEMENTED: 2,
                O.PARTLY: 1,
                O.NOT_IMPLEMENTED: 1,
                O.FORWARDED: 1,
                O.ALREADY_IN_PLACE: 1,
                O.UNDER_CONSIDERATION: 1,
            }.items()
        ),
        "due": 4,
        "on_time": 2,
        "median": 28.0,
        "share": 0.5,
    }


def test_ledger_of_a_co_host(db_session, world):
    assert _ledger(feedback_ledger.board_ledger(db_session, world.b, today=TODAY)) == {
        "held": [(2025, 2)],
        "participants": [(2025, 3)],
        "languages": [("sv", 2), ("en", 1), ("other", 1), ("rom", 1)],
        "outcomes": list({**ZERO, O.NOT_IMPLEMENTED: 1, O.FORWARDED: 1}.items()),
        "due": 2,
        "on_time": 0,
        "median": 33.0,
        "share": 0.0,
    }


def test_ledger_without_feedback(db_session, world):
    assert _ledger(feedback_ledger.board_ledger(db_session, world.c, today=TODAY)) == {
        "held": [(2025, 1)],
        "participants": [(2025, 2)],
        "languages": [("sv", 1)],
        "outcomes": list(ZERO.items()),
        "due": 1,
        "on_time": 0,
        "median": None,
        "share": 0.0,
    }


def test_ledger_of_a_board_without_consultations(db_session, world):
    assert _ledger(feedback_ledger.board_ledger(db_session, world.d, today=TODAY)) == {
        "held": [],
        "participants": [],
        "languages": [],
        "outcomes": list(ZERO.items()),
        "due": 0,
        "on_time": 0,
        "median": None,
        "share": None,
    }


def test_promises_not_yet_due_on_an_earlier_day(db_session, world):
    # On 1 April 2025 k3's promise (1 April) is not broken yet. Published feedback counts whatever the day.
    ledger = feedback_ledger.board_ledger(db_session, world.a, today=date(2025, 4, 1))
    assert (ledger.feedback_due, ledger.feedback_on_time) == (3, 2)


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


A_RESPONSES = {
    O.IMPLEMENTED: 2,
    O.PARTLY: 1,
    O.NOT_IMPLEMENTED: 1,
    O.FORWARDED: 1,
    O.ALREADY_IN_PLACE: 1,
    O.UNDER_CONSIDERATION: 1,
}


def test_city_figures(db_session, world):
    total = figures.figures(db_session, today=TODAY)[(None, None)]
    assert _figures(total) == (8, 9, {"rom": 8, "sv": 5, "other": 1, "en": 1}, A_RESPONSES, 5, 2, 28.0)
    per_year = figures.figures(db_session, today=TODAY, by_year=True)
    assert {
        y: (f.held, f.participants, f.views, f.responses, f.feedback_due, f.feedback_on_time, f.median_days_to_feedback)
        for (_, y), f in per_year.items()
    } == {
        2023: (1, 0, 1, 0, 0, 0, None),
        2024: (1, 3, 4, 2, 1, 1, 20.0),
        2025: (4, 5, 6, 3, 3, 0, 29.0),  # k2 33 d, k6 25 d
        2026: (2, 1, 4, 2, 1, 1, 31.0),
    }


def test_figures_per_board(db_session, world):
    w = world
    per_board = figures.figures(db_session, today=TODAY, by_board=True)
    assert _figures(per_board[(w.a.id, None)]) == (
        7,
        7,
        {"rom": 8, "sv": 4, "other": 1, "en": 1},
        A_RESPONSES,
        4,
        2,
        28.0,
    )
    assert _figures(per_board[(w.b.id, None)]) == (
        2,
        3,
        {"sv": 2, "other": 1, "rom": 1, "en": 1},
        {O.NOT_IMPLEMENTED: 1, O.FORWARDED: 1},
        2,
        0,
        33.0,
    )
    assert _figures(per_board[(w.c.id, None)]) == (1, 2, {"sv": 1}, {}, 1, 0, None)
    assert (w.d.id, None) not in per_board
    for board in (w.a, w.b, w.c):
        alone = figures.figures(db_session, today=TODAY, board_id=board.id)[(None, None)]
        assert alone == per_board[(board.id, None)]


def test_figures_per_board_and_year(db_session, world):
    w = world
    grid = figures.figures(db_session, today=TODAY, by_board=True, by_year=True)
    assert {k: _figures(f) for k, f in grid.items()} == {
        (w.a.id, 2023): (1, 0, {"rom": 1}, {}, 0, 0, None),
        (w.a.id, 2024): (1, 3, {"rom": 3, "sv": 1}, {O.IMPLEMENTED: 1, O.PARTLY: 1}, 1, 1, 20.0),
        (w.a.id, 2025): (
            3,
            3,
            {"sv": 2, "other": 1, "rom": 1, "en": 1},
            {O.NOT_IMPLEMENTED: 1, O.FORWARDED: 1, O.ALREADY_IN_PLACE: 1},
            2,
            0,
            29.0,
        ),
        (w.a.id, 2026): (2, 1, {"sv": 1, "rom": 3}, {O.UNDER_CONSIDERATION: 1, O.IMPLEMENTED: 1}, 1, 1, 31.0),
        (w.b.id, 2025): (
            2,
            3,
            {"sv": 2, "other": 1, "rom": 1, "en": 1},
            {O.NOT_IMPLEMENTED: 1, O.FORWARDED: 1},
            2,
            0,
            33.0,
        ),
        (w.c.id, 2025): (1, 2, {"sv": 1}, {}, 1, 0, None),
    }
    one = figures.figures(db_session, today=TODAY, board_id=w.a.id, by_board=True, by_year=True)
    assert one == {k: f for k, f in grid.items() if k[0] == w.a.id}


@pytest.fixture
def on_today(monkeypatch):
    original = promises.stockholm_today
    monkeypatch.setattr(promises, "stockholm_today", lambda now=None: TODAY if now is None else original(now))


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_ledger_page_shows_the_figures(client, world, on_today, lang):
    html = client.get(f"/{lang}/boards/ledger-a/ledger").get_data(as_text=True)
    for year, held, people in [(2023, 1, 0), (2024, 1, 3), (2025, 3, 3), (2026, 2, 1)]:
        assert f'data-year="{year}">{held}<' in html and f'data-participants-year="{year}">{people}<' in html
    for language, n in [("rom", 8), ("sv", 4), ("en", 1), ("other", 1)]:
        assert f'data-language="{language}">{n}<' in html
    for outcome, n in {**ZERO, **A_RESPONSES}.items():
        assert f'data-outcome="{outcome.value}">{n}<' in html
    assert 'data-on-time="2/4"' in html and 'data-median-days="28.0"' in html
