"""Streamed CSV downloads run after the view returned, as in production (where,
unlike the joined test session, the request's session is closed at teardown)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import create_app, migrate
from app.demo import load_demo_data
from config import TestConfig
from tests.databases import empty_database


def test_every_csv_download_streams_with_real_sessions(tmp_path) -> None:
    with empty_database("sqlite", tmp_path, "exports") as url:
        migrate.upgrade(url)
        app = create_app(TestConfig, {"DATABASE_URL": url})
        with app.app_context(), Session(app.extensions["db"].engine) as session:
            load_demo_data(session, app.config)
            session.commit()
        client = app.test_client()
        public = ["/sv/report.csv", "/sv/report/feedback.csv", "/sv/boards/aldrenamnden/ledger.csv"]
        staff = ["/sv/staff/consultations/1/registrations.csv", "/sv/staff/consultations/3/views.csv"]
        for url_ in public:
            response = client.get(url_)
            assert response.status_code == 200 and response.data.count(b"\n") >= 2, url_
        client.post(
            "/sv/login", data={"email": app.config["DEMO_STAFF_EMAIL"], "password": app.config["DEMO_STAFF_PASSWORD"]}
        )
        for url_ in staff:
            response = client.get(url_)
            assert response.status_code == 200 and response.data.count(b"\n") >= 2, url_
        app.extensions["db"].engine.dispose()
