"""Every CSV download goes through the one writer (app/common/csvexport.py):
UTF-8 with a BOM, semicolons, CRLF, formulas defused, stable language-independent
headers. The test finds the CSV endpoints in the URL map, so a new one that is
not listed here fails it."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import create_app, migrate
from app.common import csvexport
from app.demo import load_demo_data
from config import TestConfig
from tests.databases import empty_database


def test_cells_that_look_like_formulas_are_defused():
    cells = ("=1+1", "+46", "-x", "@a", "\tx", "\rx", "ok", "", 5, -3, 1.5, None)
    assert [csvexport.csv_cell(v) for v in cells] == [
        "'=1+1",
        "'+46",
        "'-x",
        "'@a",
        "'\tx",
        "'\rx",
        "ok",
        "",
        5,
        -3,
        1.5,
        "",
    ]


def test_the_writer_writes_bom_semicolons_crlf_and_chunks():
    chunks = list(csvexport.iter_csv(["a", "b"], [["=x", 1], ["y;z", None], ["w", 2]], rows_per_chunk=2))
    assert chunks == ["\ufeffa;b\r\n", '\'=x;1\r\n"y;z";\r\n', "w;2\r\n"]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The demo data with a formula in every kind of text the exports carry."""
    tmp = tmp_path_factory.mktemp("csv")
    with empty_database("sqlite", tmp, "csv") as url:
        migrate.upgrade(url)
        app = create_app(TestConfig, {"DATABASE_URL": url, "MIN_GROUP_SIZE": 1})
        with app.app_context(), Session(app.extensions["db"].engine) as session:
            load_demo_data(session, app.config)
            session.commit()
            for statement in (
                "UPDATE boards SET name_sv = '=' || name_sv",
                "UPDATE contacts SET name = '=HYPERLINK(\"http://x\")' WHERE name IS NOT NULL",
                "UPDATE viewpoints SET body = '+' || body",
                "UPDATE survey_questions SET text_sv = '@' || text_sv",
                "UPDATE experience_surveys SET title_sv = '=' || title_sv",
            ):
                session.execute(sa.text(statement))
            session.commit()
            ids = {
                "registered_id": session.scalar(sa.text("SELECT MIN(consultation_id) FROM registrations")),
                "viewed_id": session.scalar(sa.text("SELECT MIN(consultation_id) FROM viewpoints")),
                "survey_id": session.scalar(
                    sa.text("SELECT survey_id FROM experience_records WHERE survey_id IS NOT NULL LIMIT 1")
                ),
                "slug": session.scalar(
                    sa.text(  # a board that has held a consultation
                        "SELECT b.slug FROM boards b JOIN consultations c ON c.lead_board_id = b.id "
                        "WHERE c.status IN ('held', 'feedback_published', 'closed') ORDER BY c.id LIMIT 1"
                    )
                ),
                "service_slug": session.scalar(
                    sa.text(  # a board whose city service has run a survey
                        "SELECT b.slug FROM boards b JOIN city_services s ON s.board_id = b.id "
                        "JOIN experience_surveys v ON v.service_id = s.id WHERE v.published_dt IS NOT NULL "
                        "ORDER BY v.id LIMIT 1"
                    )
                ),
            }
        assert all(ids.values()), ids
        yield app, ids
        app.extensions["db"].engine.dispose()


#: Every CSV endpoint, with the URL that exercises it.
CSV_URLS = {
    "registrations_staff.export": "/{lang}/staff/consultations/{registered_id}/registrations.csv",
    "participation_staff.export": "/{lang}/staff/consultations/{viewed_id}/views.csv",
    "experiences_staff.results_csv": "/{lang}/staff/experiences/surveys/{survey_id}/results.csv",
    "feedback.ledger_csv": "/{lang}/boards/{slug}/ledger.csv",
    "feedback.report_csv": "/{lang}/report.csv",
    "feedback.feedback_csv": "/{lang}/report/feedback.csv",
    "feedback.subject_report_csv": "/{lang}/report/service.csv",
    "feedback.subject_ledger_csv": "/{lang}/boards/{service_slug}/ledger-service.csv",
}


def test_every_csv_endpoint_is_listed_here(demo_app):
    app, _ids = demo_app
    found = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv")}
    assert found == set(CSV_URLS)


@pytest.mark.parametrize("endpoint", sorted(CSV_URLS))
def test_every_csv_endpoint_goes_through_the_one_writer(demo_app, endpoint, monkeypatch):
    app, ids = demo_app
    written: list[object] = []
    real_cell = csvexport.csv_cell

    def recording_cell(value):
        written.append(value)
        return real_cell(value)

    monkeypatch.setattr(csvexport, "csv_cell", recording_cell)
    client = app.test_client()
    client.post(
        "/sv/login", data={"email": app.config["DEMO_STAFF_EMAIL"], "password": app.config["DEMO_STAFF_PASSWORD"]}
    )
    headers = {}
    for lang in ("sv", "rom"):
        response = client.get(CSV_URLS[endpoint].format(lang=lang, **ids))
        assert response.status_code == 200 and response.mimetype == "text/csv", lang
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        text = response.get_data(as_text=True)
        assert text.startswith("\ufeff")
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
        rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
        assert len(rows) >= 2, text
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in rows[0]), rows[0]
        assert len({len(row) for row in rows}) == 1
        cells = [cell for row in rows[1:] for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], "a formula reached the file"
        assert any(c.startswith(("'=", "'+", "'@")) for c in cells), "no formula was defused: the data lacks one?"
        headers[lang] = rows[0]
    assert headers["sv"] == headers["rom"]  # language-independent
    assert written, "the rows did not go through app.common.csvexport"


def test_the_staff_views_page_links_its_csv(demo_app):
    app, ids = demo_app
    client = app.test_client()
    client.post(
        "/sv/login", data={"email": app.config["DEMO_STAFF_EMAIL"], "password": app.config["DEMO_STAFF_PASSWORD"]}
    )
    html = client.get(f"/sv/staff/consultations/{ids['viewed_id']}/views").get_data(as_text=True)
    assert f'href="/sv/staff/consultations/{ids["viewed_id"]}/views.csv"' in html
