"""Invalidate what changed, not everything (issue 20): a participant's view,
registration or evaluation bumps only its consultation's generation and the
counter of such writes; the pages of other consultations, and the pages that
show no participant input, stay cached. Never stale: every page that shows the
change is rendered anew, on every app server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from app.consultations.models import ConsultationStatus
from app.db import utcnow
from app.generations import CONTENT_ROW, SCOPED_ROW, ContentGeneration, scope_row
from app.minutes import services as minutes
from app.participation import services as participation
from app.participation.models import Viewpoint
from app.registrations import services as registrations
from app.web.public import BLIND_TO_SCOPED_WRITES, PUBLIC_ENDPOINTS, SCOPED_ENDPOINTS


def _rows(db_session) -> dict[int, int]:
    return dict(db_session.execute(sa.select(ContentGeneration.id, ContentGeneration.value)).all())


def _cache(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.headers["X-Page-Cache"]


@pytest.fixture
def board(create_board):
    return create_board(slug="socialnamnden")


@pytest.fixture
def a(create_consultation, board):
    return create_consultation(board=board, title_sv="Samråd A", capacity=20)


@pytest.fixture
def b(create_consultation, board):
    return create_consultation(board=board, title_sv="Samråd B")


def _view(db_session, consultation, key="k1", body="Bygg fler lekplatser.") -> Viewpoint:
    viewpoint, created = participation.submit_viewpoint(
        db_session,
        consultation,
        participation.ViewpointData(body=body, language="sv", publish_consent=True),
        idempotency_key=key,
    )
    assert created
    return viewpoint


def test_a_view_bumps_its_consultation_not_the_whole_site(db_session, a, b):
    before = _rows(db_session)
    _view(db_session, a)
    db_session.commit()
    after = _rows(db_session)
    assert after.get(CONTENT_ROW, 0) == before.get(CONTENT_ROW, 0)
    assert after[SCOPED_ROW] == before.get(SCOPED_ROW, 0) + 1
    assert after[scope_row(a.id)] == before.get(scope_row(a.id), 0) + 1
    assert scope_row(b.id) not in after


def test_registrations_and_evaluations_are_scoped_too(app, db_session, a, create_consultation, board):
    before = _rows(db_session)
    with app.app_context():
        registrations.register(
            db_session,
            a,
            registrations.RegistrationData(name="Ana", consent=True, email="ana@example.org"),
            idempotency_key="r1",
        )  # a contact and an e-mail too
    db_session.commit()
    held = create_consultation(
        board=board,
        status=ConsultationStatus.HELD,
        start_dt=utcnow() - timedelta(hours=3),
        end_dt=utcnow() - timedelta(hours=1),
    )
    db_session.commit()
    middle = _rows(db_session)
    with app.app_context():
        minutes.submit_evaluation(
            db_session,
            held,
            minutes.EvaluationData(well_run=4, could_speak=5, language_support=3),
            idempotency_key="e1",
        )
    db_session.commit()
    after = _rows(db_session)
    assert middle[CONTENT_ROW] == before.get(CONTENT_ROW, 0) + 1  # only the consultation created in between
    assert after[CONTENT_ROW] == middle[CONTENT_ROW]
    assert middle[scope_row(a.id)] == 1 and after[scope_row(held.id)] == 1


def test_other_writes_still_bump_everything(db_session, a, b):
    viewpoint = _view(db_session, a)
    db_session.commit()
    before = _rows(db_session)
    # A view and a consultation in one commit: row 1.
    viewpoint.body = "Ändrad"
    a.title_sv = "Samråd A, ny titel"
    db_session.commit()
    assert _rows(db_session)[CONTENT_ROW] == before.get(CONTENT_ROW, 0) + 1
    # A view moved to another consultation changes two consultations' pages: row 1.
    before = _rows(db_session)
    viewpoint.consultation_id = b.id
    db_session.commit()
    assert _rows(db_session)[CONTENT_ROW] == before[CONTENT_ROW] + 1
    # A deleted view, and a bulk statement on views: row 1.
    before = _rows(db_session)
    db_session.delete(viewpoint)
    db_session.commit()
    assert _rows(db_session)[CONTENT_ROW] == before[CONTENT_ROW] + 1
    before = _rows(db_session)
    db_session.execute(sa.update(Viewpoint).values(publish_consent=False))
    db_session.commit()
    assert _rows(db_session)[CONTENT_ROW] == before[CONTENT_ROW] + 1


def test_a_view_sent_through_the_form_leaves_other_pages_cached(client, app, db_session, a, b, board):
    pages = {
        "a": f"/sv/consultations/{a.id}",
        "a_feedback_api": f"/api/v1/consultations/{a.id}/feedback",
        "b": f"/sv/consultations/{b.id}",
        "home": "/sv/",
        "list": "/sv/consultations/",
        "board": f"/sv/boards/{board.slug}",
        "ledger": f"/sv/boards/{board.slug}/ledger",
    }
    pages = {name: url for name, url in pages.items() if client.get(url).status_code == 200}
    assert {"a", "b", "home", "list", "board", "ledger"} <= set(pages)
    for url in pages.values():
        _cache(client, url)
    assert {name: _cache(client, url) for name, url in pages.items()} == dict.fromkeys(pages, "hit")

    visitor = app.test_client()
    response = visitor.post(
        f"/sv/consultations/{a.id}/views/new",
        data={
            "body": "Badhuset behöver öppna tidigare.",
            "language": "sv",
            "publish_consent": "y",
            "submission_key": "key-1",
            "agenda_item_id": "",
        },
    )
    assert response.status_code in (302, 303)

    fresh = app.test_client()
    states = {name: _cache(fresh, url) for name, url in pages.items()}
    assert states.pop("a") == "miss"
    assert states.pop("ledger") == "miss"  # counts views across consultations
    if "a_feedback_api" in states:
        assert states.pop("a_feedback_api") == "miss"
    assert states == dict.fromkeys(states, "hit")


def _blind_urls(app, board, consultation) -> dict[str, str]:
    args = {"lang_code": "sv", "slug": board.slug, "consultation_id": consultation.id}
    urls = {}
    for endpoint in sorted(BLIND_TO_SCOPED_WRITES):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        urls[endpoint] = url_for(endpoint, **{k: v for k, v in args.items() if k in rule.arguments})
    return urls


def test_pages_blind_to_scoped_writes_read_none_of_their_tables(app, client, db_session, engine, a, board):
    """The proof behind BLIND_TO_SCOPED_WRITES: rendering them reads no view, registration,
    evaluation or contact, so a write scoped to a consultation cannot change them."""
    assert BLIND_TO_SCOPED_WRITES <= PUBLIC_ENDPOINTS and set(SCOPED_ENDPOINTS) <= PUBLIC_ENDPOINTS
    assert not BLIND_TO_SCOPED_WRITES & set(SCOPED_ENDPOINTS)
    _view(db_session, a)
    with app.test_request_context():
        registrations.register(
            db_session, a, registrations.RegistrationData(name="Ana", consent=True), idempotency_key="r1"
        )
        db_session.commit()
        urls = _blind_urls(app, board, a)
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        for endpoint, url in urls.items():
            statements.clear()
            response = client.get(url, headers={"Cache-Control": "no-cache"})
            assert response.status_code == 200, url
            read = [
                s for s in statements if re.search(r"\b(viewpoints|registrations|minutes_evaluations|contacts)\b", s)
            ]
            assert not read, f"{endpoint} ({url}) reads {read[0][:200]}"
            assert statements, f"{endpoint}: no statement seen (served from the cache?)"
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


class TestTwoAppServersOnRedis:
    @pytest.fixture
    def app_overrides(self, page_cache_on_redis):
        return page_cache_on_redis

    def test_a_view_sent_to_one_server_is_seen_by_the_other(self, app, client, second_server, a, b):
        second = second_server
        page_a = f"/sv/consultations/{a.id}"
        page_b = f"/sv/consultations/{b.id}"
        for url in (page_a, page_b):
            assert _cache(client, url) == "miss"
            assert _cache(second.test_client(), url) == "hit"
        response = second.test_client().post(
            f"/sv/consultations/{a.id}/views/new",
            data={
                "body": "Fler bänkar i parken.",
                "language": "sv",
                "publish_consent": "y",
                "submission_key": "key-2",
                "agenda_item_id": "",
            },
        )
        assert response.status_code in (302, 303)
        fresh = app.test_client()
        assert _cache(fresh, page_b) == "hit"
        assert _cache(fresh, page_a) == "miss"
        assert _cache(second.test_client(), page_a) == "hit"  # what the first server just rendered
