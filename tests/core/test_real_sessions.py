"""Every non-HTML GET endpoint (feeds, calendars, downloads, exports, the API,
the health check) answered by an app with real per-request sessions, on a
migrated database, on both backends.

The rest of the suite shares one joined session with the app, which hides
bugs that only appear when the request's session is closed at teardown (a
streamed CSV once failed that way in production only); the browser suite
covers the HTML pages with a live server. A new endpoint whose URL arguments
this test cannot fill fails it: teach ``_values`` where to find one.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from sqlalchemy.orm import Session

from app import create_app, migrate
from app.consultations.documents import DocumentStore
from app.demo import load_demo_data
from config import TestConfig
from tests.browser.pages import is_html_page
from tests.databases import empty_database
from tests.support import present

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def world(backend: str, tmp_path) -> Any:
    with empty_database(backend, tmp_path, "real") as url:
        migrate.upgrade(url)
        app = create_app(TestConfig, {"DATABASE_URL": url, "UPLOAD_DIR": str(tmp_path / "uploads")})
        engine = app.extensions["db"].engine
        with app.test_request_context("/sv/"), Session(engine) as session:
            load_demo_data(session, app.config)
            session.commit()
            from app.accounts.services import get_user_by_email
            from app.consultations import materials
            from app.consultations.models import Consultation

            staff = present(get_user_by_email(session, app.config["DEMO_STAFF_EMAIL"]))
            upcoming = present(
                session.scalars(
                    sa.select(Consultation).where(Consultation.status == "published").order_by(Consultation.start_dt)
                ).first()
            )
            materials.add_document(
                session,
                staff,
                upcoming,
                DocumentStore(app.config["UPLOAD_DIR"]),
                title="Underlag",
                filename="underlag.pdf",
                data=PDF,
            )
            # A spoken view, for the staff's recording downloads.
            from app.media.audio import store_from_config
            from app.participation.audio import submit_spoken_viewpoint
            from app.participation.services import ViewpointData
            from tests.media import sounds

            sounds.require_ffmpeg()
            submit_spoken_viewpoint(
                session,
                upcoming,
                ViewpointData(body="", language="rom"),
                io.BytesIO(sounds.tone_webm(2.0)),
                store_from_config(app.config),
                consent=True,
                idempotency_key="real-sessions-recording",
            )
            # An audio reading of its invitation, for the public and the staff's reading URLs.
            from app.media.models import ReadingSubject
            from app.readings.services import add_reading

            add_reading(
                session,
                staff,
                ReadingSubject.INVITATION,
                upcoming,
                language="rom",
                upload=io.BytesIO(sounds.tone_webm(2.0)),
                store=store_from_config(app.config),
            )
            session.commit()
        yield app
        engine.dispose()


def _values(app: Flask, argument: str, endpoint: str) -> Any:
    """A value for ``argument`` of ``endpoint`` from the demo data."""
    engine = app.extensions["db"].engine
    queries = {
        "slug": "SELECT b.slug FROM boards b JOIN consultations c ON c.lead_board_id = b.id ORDER BY c.id",
        "token": "SELECT token FROM registrations ORDER BY id",
        "survey_id": "SELECT id FROM experience_surveys ORDER BY id",
        "document_id": "SELECT id FROM documents ORDER BY id",
        "viewpoint_id": "SELECT viewpoint_id FROM viewpoint_recordings ORDER BY id",
        "reading_id": "SELECT id FROM audio_readings ORDER BY id",
        "name": "SELECT playable_name FROM audio_readings ORDER BY id",
        "language": "SELECT language FROM translator_languages ORDER BY id",  # the demo staff translates it
        "subject": "SELECT 'service'",  # a subject of the feedback machinery with CSV parts (city services)
    }
    if argument == "consultation_id":
        if endpoint == "consultations.document":
            sql = "SELECT consultation_id FROM documents ORDER BY id"
        elif "feedback" in endpoint:
            sql = "SELECT consultation_id FROM feedback_reports WHERE published_dt IS NOT NULL ORDER BY id"
        else:
            sql = "SELECT id FROM consultations WHERE status <> 'draft' ORDER BY id"
    elif argument in queries:
        sql = queries[argument]
    else:
        pytest.fail(f"{endpoint} takes <{argument}>: teach _values in {__name__} where to find one")
    with engine.connect() as connection:
        value = connection.execute(sa.text(sql)).scalar()
    assert value is not None, f"no demo data for <{argument}> of {endpoint}"
    return value


def _endpoints(app: Flask) -> list[tuple[str, str]]:
    """``(endpoint, url)`` of every non-HTML GET rule, in both languages."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static" or is_html_page(rule):
            continue
        values = {a: _values(app, a, rule.endpoint) for a in rule.arguments if a != "lang_code"}
        languages = list(app.config["LANGUAGES"]) if "lang_code" in rule.arguments else [None]
        for lang in languages:
            with app.test_request_context():
                found.append((rule.endpoint, url_for(rule.endpoint, **values, **({"lang_code": lang} if lang else {}))))
    return found


def test_every_feed_download_and_api_answers_with_real_sessions(world) -> None:
    app = world
    endpoints = _endpoints(app)
    assert len({e for e, _ in endpoints}) >= 19
    client = app.test_client()
    client.post(
        "/sv/login", data={"email": app.config["DEMO_STAFF_EMAIL"], "password": app.config["DEMO_STAFF_PASSWORD"]}
    )
    for endpoint, url in endpoints:
        response = client.get(url)
        body = response.get_data()  # runs a streamed body to its end
        assert response.status_code == 200, (endpoint, url, response.status_code)
        assert body, (endpoint, url)
        response.close()
    # Nothing leaked: every connection went back to the pool.
    pool = app.extensions["db"].engine.pool
    assert pool.checkedout() == 0
