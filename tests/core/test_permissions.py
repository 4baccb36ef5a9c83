"""Every staff route is guarded, walked from the URL map so a new route cannot escape.

* each view function behind ``/staff/`` carries the ``staff_required`` marker;
* anonymous GET and POST are sent to the login page;
* a member of another board gets 403 on every route that names an object
  (ids in the URL), so no object of another board can be read or changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask

from app.accounts.models import Role
from app.consultations import services
from app.consultations.models import AgendaItem, ConsultationStatus, Document
from app.experiences.models import (
    ExperienceAnswer,
    ExperienceRecord,
    QuestionKind,
    RecordKind,
    Service,
    Survey,
    SurveyQuestion,
)
from app.feedback.models import (
    Decision,
    FeedbackReport,
    Outcome,
    SuggestionRun,
    Theme,
    ThemeResponse,
    ThemeSuggestion,
)
from app.i18n import entry_key
from app.media.models import AudioReading, ReadingSubject
from app.minutes.models import CorrectionProposal, Minutes
from app.participation.models import Channel, Viewpoint
from app.translations.models import GlossaryTerm, TranslatorLanguage
from app.wishes.models import Wish, WishKind
from tests.conftest import in_days

STAFF_MARK = "/staff/"


def staff_rules(app: Flask) -> list[Any]:
    return sorted((r for r in app.url_map.iter_rules() if STAFF_MARK in r.rule), key=lambda r: r.rule)


def test_every_staff_route_requires_login_marker(app: Flask) -> None:
    rules = staff_rules(app)
    assert len(rules) > 10
    unguarded = [r.rule for r in rules if not getattr(app.view_functions[r.endpoint], "_staff_guard", False)]
    assert unguarded == [], f"staff routes without @staff_required: {unguarded}"


@pytest.fixture
def world(db_session, create_board, create_user, create_consultation) -> dict[str, Any]:
    """One board's objects, and a publisher of another board."""
    board = create_board()
    consultation = create_consultation(board=board)
    consultation.agenda_items.append(AgendaItem(title_sv="Fråga", position=1))
    consultation.documents.append(
        Document(
            title="Underlag",
            original_filename="u.pdf",
            stored_name="abc123",
            content_type="application/pdf",
            extension="pdf",
            size_bytes=10,
        )
    )
    viewpoint = Viewpoint(
        consultation=consultation, reference_code="ABCD-EFGH", body="Text", language="sv", channel=Channel.MEETING
    )
    db_session.add(viewpoint)
    decision = Decision(
        board=board, meeting_date=date(2026, 5, 1), case_reference="KS 2026/1", paragraph="3", title_sv="Beslut"
    )
    theme = Theme(
        title_sv="Tema",
        position=1,
        viewpoints=[viewpoint],
        response=ThemeResponse(outcome=Outcome.IMPLEMENTED, body_sv="Svar", decisions=[decision]),
    )
    db_session.add(FeedbackReport(consultation=consultation, themes=[theme]))
    suggestion = ThemeSuggestion(position=1, title="Förslag")
    db_session.add(
        SuggestionRun(
            consultation=consultation, scope="unthemed", considered=1, available=1, grouped=0, suggestions=[suggestion]
        )
    )
    service = Service(board=board, name_sv="Brobyggarverksamheten")
    question = SurveyQuestion(kind=QuestionKind.TEXT, text_sv="Hur var det?", position=1)
    survey = Survey(
        service=service,
        short_code="PERM23",
        title_sv="Enkät",
        opens_dt=in_days(-1),
        closes_dt=in_days(7),
        published_dt=in_days(-1),
        questions=[question],
    )
    db_session.add(survey)
    db_session.flush()
    experience = ExperienceRecord(
        service_id=service.id,
        survey_id=survey.id,
        kind=RecordKind.SURVEY,
        occurred_on=date(2026, 5, 2),
        answers=[ExperienceAnswer(question_id=question.id, text="Bra")],
    )
    db_session.add(experience)
    minutes = Minutes(consultation=consultation, body_sv="Anteckningar")
    proposal = CorrectionProposal(minutes=minutes, text="Rätta detta")
    db_session.add_all([minutes, proposal])
    wish = Wish(kind=WishKind.TOPIC, text="Önskemål", language="sv", boards=[board])
    db_session.add(wish)
    from app.accounts.models import AccessRequest

    access_request = AccessRequest(sub="idp-subject-1", email="new.person@stockholm.example", name="New Person")
    db_session.add(access_request)
    db_session.flush()
    reading = AudioReading(
        subject=ReadingSubject.INVITATION,
        subject_key=f"invitation:{consultation.id}",
        consultation_id=consultation.id,
        language="rom",
        playable_name="abc123",
        original_name="def456",
        original_type="audio/wav",
        size_bytes=10,
        duration_seconds=1.0,
    )
    db_session.add(reading)
    term = GlossaryTerm(language="rom", term="consultation", preferred="konsultacia", avoid="sfatuipe")
    db_session.add(term)
    db_session.flush()
    grant = TranslatorLanguage(user_id=create_user().id, language="rom")
    db_session.add(grant)
    db_session.commit()
    return {
        "board": board,
        "consultation": consultation,
        "viewpoint": viewpoint,
        "theme": theme,
        "suggestion": suggestion,
        "decision": decision,
        "outsider": create_user(boards={create_board(): Role.PUBLISHER}),
        "service": service,
        "survey": survey,
        "question": question,
        "experience": experience,
        "proposal": proposal,
        "wish": wish,
        "access_request": access_request,
        "reading": reading,
        "term": term,
        "grant": grant,
    }


#: How to fill each URL argument of a staff route. A new argument name fails the
#: test until it is added here, with an object that belongs to ``world["board"]``.
RESOLVERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "lang_code": lambda w: "sv",
    "consultation_id": lambda w: w["consultation"].id,
    "item_id": lambda w: w["consultation"].agenda_items[0].id,
    "document_id": lambda w: w["consultation"].documents[0].id,
    "viewpoint_id": lambda w: w["viewpoint"].id,
    "theme_id": lambda w: w["theme"].id,
    "suggestion_id": lambda w: w["suggestion"].id,
    "decision_id": lambda w: w["decision"].id,
    "user_id": lambda w: w["outsider"].id,
    "service_id": lambda w: w["service"].id,
    "survey_id": lambda w: w["survey"].id,
    "question_id": lambda w: w["question"].id,
    "record_id": lambda w: w["experience"].id,
    "answer_id": lambda w: w["experience"].answers[0].id,
    "proposal_id": lambda w: w["proposal"].id,
    "wish_id": lambda w: w["wish"].id,
    "request_id": lambda w: w["access_request"].id,
    "reading_id": lambda w: w["reading"].id,
    # The translators' workbench: a language the outsider does not translate.
    "language": lambda w: "rom",
    "key": lambda w: entry_key(None, "Skip to content"),
    "term_id": lambda w: w["term"].id,
    "grant_id": lambda w: w["grant"].id,
}


def _url(rule: Any, world: dict[str, Any]) -> str:
    missing = [a for a in rule.arguments if a not in RESOLVERS]
    assert not missing, f"add a resolver for {missing} (route {rule.rule}) in tests/core/test_permissions.py"
    values = {a: RESOLVERS[a](world) for a in rule.arguments}
    return rule.build(values)[1]


def test_anonymous_is_sent_to_login(app: Flask, client, world) -> None:
    for rule in staff_rules(app):
        url = _url(rule, world)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url, response.status_code)
            assert "/login" in response.headers["Location"], (method, url)


def test_other_board_gets_403_on_every_object(app: Flask, client, auth, world) -> None:
    auth.login(world["outsider"])
    checked = 0
    for rule in staff_rules(app):
        if rule.arguments <= {"lang_code"}:
            continue  # lists show only the user's own boards
        url = _url(rule, world)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            assert response.status_code == 403, (method, url, response.status_code)
            checked += 1
    assert checked > 10


def test_audit_log_is_for_site_admins(client, auth, create_user, create_board, create_consultation, db_session) -> None:
    board = create_board()
    publisher = create_user(boards={board: Role.PUBLISHER})
    consultation = create_consultation(board=board, status=ConsultationStatus.DRAFT)
    services.update_consultation(db_session, publisher, consultation, {"title_sv": "Ny titel"})
    db_session.commit()
    auth.login(publisher)
    assert client.get("/sv/staff/audit").status_code == 403
    auth.logout()
    auth.login(create_user(is_site_admin=True))
    html = client.get("/sv/staff/audit").get_data(as_text=True)
    assert "consultation.update" in html and "Ny titel" in html
