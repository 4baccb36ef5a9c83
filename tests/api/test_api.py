"""The open-data API answers with documents that match its OpenAPI description, and no personal data."""

from __future__ import annotations

from datetime import date

import pytest
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

from app.accounts.models import Role
from app.api.openapi import OPENAPI
from app.consultations.models import ConsultationStatus as S
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
    assert set(document["paths"]) == {"/boards", "/consultations", "/consultations/{id}", "/consultations/{id}/feedback", "/decisions"}


@pytest.fixture
def published(db_session, create_board, create_user, create_consultation):
    board = create_board(slug="kultur")
    publisher = create_user(boards={board: Role.PUBLISHER})
    consultation = create_consultation(board=board, status=S.HELD)
    secret = Viewpoint(consultation=consultation, reference_code="SECR-ET22", body="Ring Maria på 070-1234567",
                       masked_body="Ring [namn] på [telefon]", language="rom", publish_consent=True, show_name=True,
                       contact=Contact(name="Maria Secret", email="maria@example.org"))
    private = Viewpoint(consultation=consultation, reference_code="PRIV-ATE2", body="Inte för publicering",
                        language="sv", publish_consent=False)
    db_session.add_all([secret, private])
    db_session.commit()
    report = feedback.start_report(db_session, publisher, consultation)
    feedback.update_summary(db_session, publisher, report, {"summary_sv": "Vi hörde er.", "summary_rom": "Ashundyam tumen."})
    theme = feedback.add_theme(db_session, publisher, report, {"title_sv": "Information", "title_rom": "Informacia"},
                               [secret.id, private.id])
    response = feedback.save_response(db_session, publisher, theme, {"outcome": "implemented", "body_sv": "Vi gör det."})
    feedback.cite_decision(db_session, publisher, response, {
        "board_id": board.id, "meeting_date": date(2026, 10, 20), "case_reference": "KUN 2026/12", "paragraph": "7",
        "title_sv": "Informationsplan", "minutes_url": "https://example.org/protokoll.pdf"})
    feedback.publish_feedback(db_session, publisher, report)
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
    for secret in ("Maria Secret", "maria@example.org", "SECR-ET22", "070-1234567", "Inte för publicering", "Hemligt utkast"):
        assert secret not in text
    feedback_doc = documents["Feedback"]
    assert [v["text"] for v in feedback_doc["views"]] == ["Ring [namn] på [telefon]"]
    assert feedback_doc["unpublished_views"] == 1
    assert feedback_doc["themes"][0]["response"]["decisions"][0]["case_reference"] == "KUN 2026/12"
    assert documents["DecisionList"]["items"][0]["consultation_ids"] == [published.id]


def test_errors_are_json(client, create_consultation):
    draft = create_consultation(status=S.DRAFT)
    for url in (f"/api/v1/consultations/{draft.id}", "/api/v1/consultations/999999/feedback", "/api/v1/nothing",
                "/api/v1/consultations?board=nope"):
        response = client.get(url)
        assert response.status_code == 404
        _validate(response.json, "Error")
    held = create_consultation(status=S.HELD)
    assert client.get(f"/api/v1/consultations/{held.id}/feedback").status_code == 404


def test_pagination_is_bounded(client, create_consultation):
    for _ in range(3):
        create_consultation()
    page = client.get("/api/v1/consultations?per_page=100000&page=-5").json
    assert page["per_page"] == 100 and page["page"] == 1
