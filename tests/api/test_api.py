"""The open-data API answers with documents that match its OpenAPI description, and no personal data."""

from __future__ import annotations

from datetime import date

import pytest
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

from app.accounts.models import Role
from app.api.openapi import OPENAPI
from app.consultations.models import ConsultationStatus as S
from app.feedback import consultation as consultation_reports
from app.feedback import publication
from app.feedback import services as feedback
from app.participation.models import Contact, Viewpoint


def _validate(document: dict, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": OPENAPI["components"]}
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(document)


def test_openapi_document_is_valid(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    for name, schema in document["components"]["schemas"].items():
        validator_for(schema).check_schema(schema)
    assert set(document["paths"]) == {
        "/boards",
        "/consultations",
        "/consultations/{id}",
        "/consultations/{id}/feedback",
        "/decisions",
    }


@pytest.fixture
def published(db_session, create_board, create_user, create_consultation):
    board = create_board(slug="kultur")
    publisher = create_user(boards={board: Role.PUBLISHER})
    consultation = create_consultation(board=board, status=S.HELD)
    secret = Viewpoint(
        consultation=consultation,
        reference_code="SECR-ET22",
        body="Ring Maria på 070-1234567",
        masked_body="Ring [namn] på [telefon]",
        language="rom",
        publish_consent=True,
        show_name=True,
        contact=Contact(name="Maria Secret", email="maria@example.org"),
    )
    private = Viewpoint(
        consultation=consultation,
        reference_code="PRIV-ATE2",
        body="Inte för publicering",
        language="sv",
        publish_consent=False,
    )
    db_session.add_all([secret, private])
    db_session.commit()
    report = consultation_reports.start_report(db_session, publisher, consultation)
    feedback.update_summary(
        db_session, publisher, report, {"summary_sv": "Vi hörde er.", "summary_rom": "Ashundyam tumen."}
    )
    theme = feedback.add_theme(
        db_session, publisher, report, {"title_sv": "Information", "title_rom": "Informacia"}, [secret.id, private.id]
    )
    response = feedback.save_response(
        db_session, publisher, theme, {"outcome": "implemented", "body_sv": "Vi gör det."}
    )
    feedback.cite_decision(
        db_session,
        publisher,
        response,
        {
            "board_id": board.id,
            "meeting_date": date(2026, 10, 20),
            "case_reference": "KUN 2026/12",
            "paragraph": "7",
            "title_sv": "Informationsplan",
            "minutes_url": "https://example.org/protokoll.pdf",
        },
    )
    publication.publish_feedback(db_session, publisher, report)
    db_session.commit()
    return consultation


def test_endpoints_match_schemas_and_hold_no_personal_data(client, published, create_consultation):
    create_consultation(status=S.DRAFT, title_sv="Hemligt utkast")
    documents = {
        "BoardList": client.get("/api/v1/boards").json,
        "ConsultationPage": client.get("/api/v1/consultations?per_page=5").json,
        "Consultation": client.get(f"/api/v1/consultations/{published.id}").json,
        "Feedback": client.get(f"/api/v1/consultations/{published.id}/feedback").json,
        "DecisionList": client.get("/api/v1/decisions").json,
    }
    for schema, document in documents.items():
        _validate(document, schema)
    text = str(documents)
    for secret in (
        "Maria Secret",
        "maria@example.org",
        "SECR-ET22",
        "070-1234567",
        "Inte för publicering",
        "Hemligt utkast",
    ):
        assert secret not in text
    feedback_doc = documents["Feedback"]
    assert [v["text"] for v in feedback_doc["views"]] == ["Ring [namn] på [telefon]"]
    assert feedback_doc["unpublished_views"] == 1
    assert feedback_doc["themes"][0]["response"]["decisions"][0]["case_reference"] == "KUN 2026/12"
    assert documents["DecisionList"]["items"][0]["consultation_ids"] == [published.id]


def test_errors_are_json(client, create_consultation):
    draft = create_consultation(status=S.DRAFT)
    for url in (
        f"/api/v1/consultations/{draft.id}",
        "/api/v1/consultations/999999/feedback",
        "/api/v1/nothing",
        "/api/v1/consultations?board=nope",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        _validate(response.get_json(force=True), "Problem")
    held = create_consultation(status=S.HELD)
    assert client.get(f"/api/v1/consultations/{held.id}/feedback").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "per_page=null",
        "per_page=abc",
        "per_page=0",
        "per_page=1000",
        "per_page=",
        "page=-1",
        "page=0",
        "page=1.5",
        "page=100001",
        "page=%2B1",
        "per_page=%201",
    ],
)
def test_bad_paging_is_a_400_problem_not_silently_adjusted(client, create_consultation, query):
    create_consultation()
    response = client.get(f"/api/v1/consultations?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    _validate(problem, "Problem")
    name = query.split("=")[0]
    assert problem["invalid_params"][0]["name"] == name and name in problem["detail"]


def test_paging_bounds_are_documented_and_accepted(client, create_consultation):
    for _ in range(3):
        create_consultation()
    (page, per_page) = [
        p for p in OPENAPI["paths"]["/consultations"]["get"]["parameters"] if p["name"] in ("page", "per_page")
    ]
    assert (page["schema"]["minimum"], page["schema"]["maximum"]) == (1, 100000)
    assert (per_page["schema"]["minimum"], per_page["schema"]["maximum"]) == (1, 100)
    assert "400" in OPENAPI["paths"]["/consultations"]["get"]["responses"]
    body = client.get("/api/v1/consultations?per_page=100&page=1").json
    assert body["per_page"] == 100 and body["total"] == 3
    assert client.get("/api/v1/consultations?per_page=1&page=100000").json["items"] == []


def test_405_names_the_allowed_methods(client):
    for url in ("/api/v1/consultations", "/api/v1/boards"):
        response = client.post(url)
        assert response.status_code == 405
        assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
        assert response.mimetype == "application/problem+json"
    page = client.delete("/sv/consultations/")
    assert page.status_code == 405 and "GET" in page.headers["Allow"] and page.mimetype == "text/html"


def test_open_to_browser_apps_on_other_origins(client, create_consultation):
    c = create_consultation()
    for url in ("/api/v1/consultations", f"/api/v1/consultations/{c.id}", "/api/v1/nothing", "/api/v1/openapi.json"):
        response = client.get(url, headers={"Origin": "https://example.org"})
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
    preflight = client.options(
        "/api/v1/consultations",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert client.get("/sv/consultations/").headers.get("Access-Control-Allow-Origin") is None  # pages are not


def test_polling_clients_get_304_while_nothing_changed(client, create_consultation, db_session):
    c = create_consultation()
    for url in ("/api/v1/consultations", f"/api/v1/consultations/{c.id}", "/api/v1/boards", "/api/v1/decisions"):
        first = client.get(url)
        assert first.headers["Cache-Control"] == "public, max-age=60", url
        assert first.headers["ETag"], url
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", url
        assert again.headers["Access-Control-Allow-Origin"] == "*"
    etag = client.get(f"/api/v1/consultations/{c.id}").headers["ETag"]
    c.title_sv = "Nytt namn"
    db_session.commit()
    changed = client.get(f"/api/v1/consultations/{c.id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["title_sv"] == "Nytt namn"


def test_a_database_outage_is_a_503_problem(tmp_path):
    """Nothing listens where the database should be: the API answers 503 as a
    problem document, as its OpenAPI description says, and pages stay HTML."""
    from app import create_app
    from config import TestConfig

    app = create_app(
        TestConfig,
        {"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2", "UPLOAD_DIR": str(tmp_path)},
    )
    app.logger.disabled = True
    client = app.test_client()
    for url in ("/api/v1/consultations", "/api/v1/consultations/1", "/api/v1/decisions"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.mimetype == "application/problem+json"
        _validate(response.get_json(force=True), "Problem")
        assert response.headers["Retry-After"] == "30"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    for path in ("/consultations", "/consultations/{id}", "/decisions"):
        assert OPENAPI["paths"][path]["get"]["responses"]["503"] == {"$ref": "#/components/responses/Unavailable"}
    assert "application/problem+json" in OPENAPI["components"]["responses"]["Unavailable"]["content"]
    page = client.get("/sv/consultations/")
    assert page.status_code == 503 and page.mimetype == "text/html"
    app.extensions["db"].engine.dispose()
