"""One moderation path for views, survey answers and wishes, and it reaches every copy of the text.

A view with a translation, grouped in published feedback, is masked through the
staff page: the name is gone from ``/sv`` and ``/rom`` ``/views/<code>``, both
feedback pages, the open-data API and the staff CSV. Hidden, it is gone from all
of them. Survey answers and wishes go through the same pages and service.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from app.experiences.models import (
    ExperienceAnswer,
    ExperienceRecord,
    QuestionKind,
    RecordKind,
    Service,
    Survey,
    SurveyQuestion,
)
from app.feedback import consultation as consultation_reports
from app.feedback import publication
from app.feedback import services as fb
from app.participation import services as participation
from app.participation.models import Channel, Contact, Provenance, Viewpoint
from app.wishes.models import Wish, WishKind
from tests.conftest import in_days

NAME = "Maria Svensson"
PHONE = "070-1234567"


@pytest.fixture
def staff(create_user, board):
    return create_user(boards={board: Role.PUBLISHER})


@pytest.fixture
def view(db_session, board, staff, create_consultation):
    """A view with a Romani translation (made before any mask), in published feedback."""
    consultation = create_consultation(board=board, status=S.HELD, start_dt=in_days(-7))
    viewpoint = Viewpoint(
        consultation_id=consultation.id,
        reference_code="MASK-ED22",
        language="sv",
        publish_consent=True,
        body=f"Ring {NAME} på {PHONE} om läxhjälpen.",
        contact=Contact(name=NAME, email="maria@example.org"),
    )
    db_session.add(viewpoint)
    db_session.flush()
    participation.add_translation(
        db_session,
        staff,
        viewpoint,
        language="rom",
        body=f"Akhar {NAME} po {PHONE} vash o zhutipe.",
        provenance=Provenance.HUMAN,
        translator="Brobyggare",
    )
    report = consultation_reports.start_report(db_session, staff, consultation)
    fb.update_summary(db_session, staff, report, {"summary_sv": "Vi hörde er.", "summary_rom": "Ashundam."})
    theme = fb.add_theme(db_session, staff, report, {"title_sv": "Läxhjälp", "title_rom": "Zhutipe"}, [viewpoint.id])
    fb.save_response(db_session, staff, theme, {"outcome": "implemented", "body_sv": "Vi gör det."})
    publication.publish_feedback(db_session, staff, report)
    db_session.commit()
    return viewpoint


def _every_copy(client, viewpoint: Viewpoint) -> dict[str, str]:
    """Every public place the view's text can be read, and the staff export."""
    cid = viewpoint.consultation_id
    pages = {
        f"/{lang}/{path}": client.get(f"/{lang}/{path}").get_data(as_text=True)
        for lang in ("sv", "rom")
        for path in (f"views/{viewpoint.reference_code}", f"consultations/{cid}/feedback")
    }
    pages["api"] = client.get(f"/api/v1/consultations/{cid}/feedback").get_data(as_text=True)
    pages["csv"] = client.get(f"/sv/staff/consultations/{cid}/views.csv").get_data(as_text=True)
    return pages


def _csv_text(page: str, code: str) -> str:
    rows = list(csv.DictReader(io.StringIO(page.lstrip("\ufeff")), delimiter=";"))
    return next(r["text"] for r in rows if r["reference_code"] == code)


def test_masking_a_view_reaches_its_translation_feedback_api_and_csv(client, auth, staff, view, db_session):
    auth.login(staff)
    before = _every_copy(client, view)
    assert NAME in before["/rom/views/MASK-ED22"]  # the translation is shown in Romani
    assert NAME in before["/sv/views/MASK-ED22"]

    # Staff mask the original and leave the translation's field as the form offers it (empty).
    translation = view.translations[0]
    response = client.post(
        f"/sv/staff/views/{view.id}/mask",
        data={"masked_body": "Ring [namn] på [telefon] om läxhjälpen.", f"copy_{translation.id}": ""},
    )
    assert response.status_code == 302
    for where, page in _every_copy(client, view).items():
        assert NAME not in page and PHONE not in page, where
    form = client.get(f"/sv/staff/views/{view.id}/mask").get_data(as_text=True)
    assert f'name="copy_{translation.id}"' in form and "Akhar Maria" in form  # the translation, to mask it too
    pages = _every_copy(client, view)
    assert "Ring [namn] på [telefon]" in pages["/rom/views/MASK-ED22"]  # the masked original, no translation
    assert "Akhar" not in pages["/rom/views/MASK-ED22"]
    assert _csv_text(pages["csv"], "MASK-ED22") == "Ring [namn] på [telefon] om läxhjälpen."

    # A masked translation is published again.
    client.post(
        f"/sv/staff/views/{view.id}/mask",
        data={
            "masked_body": "Ring [namn] på [telefon] om läxhjälpen.",
            f"copy_{translation.id}": "Akhar [anav] vash o zhutipe.",
        },
    )
    pages = _every_copy(client, view)
    assert "Akhar [anav] vash o zhutipe." in pages["/rom/views/MASK-ED22"]
    assert "Akhar [anav]" in pages["/rom/consultations/%d/feedback" % view.consultation_id]
    for where, page in pages.items():
        assert NAME not in page and PHONE not in page, where

    # The original stays for the archive; every step is audited.
    db_session.refresh(view)
    assert NAME in view.body and NAME in view.translations[0].body
    actions = [e.action for e in db_session.query(AuditEvent).filter_by(object_type="Viewpoint", object_id=view.id)]
    assert actions.count("viewpoint.mask") == 2

    # Hidden (personal data): the text is nowhere, not even masked, and the CSV row keeps only the reason.
    client.post(f"/sv/staff/views/{view.id}/hide", data={"reason": "personal_data"})
    pages = _every_copy(client, view)
    for where, page in pages.items():
        assert "[namn]" not in page and "[anav]" not in page, where
    assert _csv_text(pages["csv"], "MASK-ED22") == ""


def test_a_translation_added_after_masking_is_made_from_the_masked_text(client, auth, staff, view, db_session):
    participation.mask_viewpoint(db_session, staff, view, masked_body="Ring [namn] på [telefon] om läxhjälpen.")
    db_session.commit()
    auth.login(staff)
    translate = client.get(f"/sv/staff/views/{view.id}/translate").get_data(as_text=True)
    assert "Ring [namn] på [telefon]" in translate and NAME not in translate
    client.post(
        f"/sv/staff/views/{view.id}/translate",
        data={
            "language": "rom",
            "body": "Akhar [anav] vash o zhutipe.",
            "provenance": "human",
            "translator": "Brobyggare",
        },
    )
    page = client.get("/rom/views/MASK-ED22").get_data(as_text=True)
    assert "Akhar [anav] vash o zhutipe." in page and NAME not in page


def test_removing_the_mask_shows_the_original_and_its_translation_again(client, staff, view, db_session):
    participation.mask_viewpoint(
        db_session, staff, view, masked_body="[namn]", translations={view.translations[0].id: "[anav]"}
    )
    participation.mask_viewpoint(db_session, staff, view, masked_body="")
    db_session.commit()
    assert view.masked_body is None and view.translations[0].masked_body is None
    assert NAME in client.get("/rom/views/MASK-ED22").get_data(as_text=True)


def test_a_mask_identical_to_the_original_is_no_mask(db_session, staff, view):
    participation.mask_viewpoint(db_session, staff, view, masked_body=view.body + "  ")
    assert view.masked_body is None


# --- Survey answers and wishes: the same pages and service -----------------------------------


@pytest.fixture
def survey(db_session, board):
    service = Service(board=board, name_sv="Läsambassad", name_rom="Chitaimaski ambasada")
    survey = Survey(
        service=service,
        short_code="MOD001",
        title_sv="Hur var det?",
        title_rom="Sar sas?",
        opens_dt=in_days(-3),
        closes_dt=in_days(10),
        published_dt=in_days(-3),
        questions=[
            SurveyQuestion(position=1, kind=QuestionKind.TEXT, text_sv="Vad var bra?", text_rom="So sas lasho?")
        ],
    )
    db_session.add(survey)
    db_session.flush()
    for i in range(5):
        db_session.add(
            ExperienceRecord(
                service_id=service.id,
                survey_id=survey.id,
                kind=RecordKind.SURVEY,
                channel=Channel.WEB,
                occurred_on=date(2026, 5, 1),
                language="sv",
                publish_consent=True,
                answers=[
                    ExperienceAnswer(
                        question_id=survey.questions[0].id,
                        text=f"Bibliotekarien {NAME} var snäll." if i == 0 else f"Bra nummer {i}.",
                        reviewed_dt=utcnow(),
                    )
                ],
            )
        )
    db_session.commit()
    return survey


def test_survey_answers_are_masked_and_hidden_through_the_same_path(client, auth, staff, survey, db_session):
    answer = next(
        a
        for r in db_session.query(ExperienceRecord).filter_by(survey_id=survey.id)
        for a in r.answers
        if NAME in (a.text or "")
    )
    public = f"/rom/s/{survey.short_code}/results"
    assert NAME in client.get(public).get_data(as_text=True)
    auth.login(staff)
    results = client.get(f"/sv/staff/experiences/surveys/{survey.id}/results").get_data(as_text=True)
    assert f"/sv/staff/experiences/answers/{answer.id}/mask" in results
    assert (
        client.post(
            f"/sv/staff/experiences/answers/{answer.id}/mask", data={"masked_body": "Bibliotekarien [namn] var snäll."}
        ).status_code
        == 302
    )
    page = client.get(public).get_data(as_text=True)
    assert NAME not in page and "Bibliotekarien [namn] var snäll." in page
    assert (
        client.post(f"/sv/staff/experiences/answers/{answer.id}/hide", data={"reason": "personal_data"}).status_code
        == 302
    )
    assert "[namn]" not in client.get(public).get_data(as_text=True)
    actions = {
        e.action for e in db_session.query(AuditEvent).filter_by(object_type="ExperienceAnswer", object_id=answer.id)
    }
    assert actions == {"experience_answer.mask", "experience_answer.hide"}


def test_wishes_are_masked_and_hidden_through_the_same_path(client, auth, staff, board, db_session):
    wish = Wish(
        kind=WishKind.TOPIC, text=f"Bjud in {NAME} som talar.", language="sv", boards=[board], reviewed_dt=utcnow()
    )
    db_session.add(wish)
    db_session.commit()
    assert NAME in client.get("/sv/wishes/").get_data(as_text=True)
    auth.login(staff)
    answer_page = client.get(f"/sv/staff/wishes/{wish.id}").get_data(as_text=True)
    assert f"/sv/staff/wishes/{wish.id}/mask" in answer_page and f"/sv/staff/wishes/{wish.id}/hide" in answer_page
    assert (
        client.post(f"/sv/staff/wishes/{wish.id}/mask", data={"masked_body": "Bjud in [namn] som talar."}).status_code
        == 302
    )
    for lang in ("sv", "rom"):
        page = client.get(f"/{lang}/wishes/").get_data(as_text=True)
        assert NAME not in page and "Bjud in [namn] som talar." in page
    assert client.post(f"/sv/staff/wishes/{wish.id}/hide", data={"reason": "offensive"}).status_code == 302
    assert "[namn]" not in client.get("/sv/wishes/").get_data(as_text=True)
