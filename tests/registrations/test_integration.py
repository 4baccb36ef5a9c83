"""Registrations meeting the rest: capacity changes, feedback notices, the person's own data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.consultations import services as consultations
from app.consultations.models import ConsultationStatus as S
from app.feedback import consultation as consultation_reports
from app.feedback import publication
from app.feedback import services as feedback
from app.mail.models import OutboxMessage
from app.participation.models import Contact
from app.registrations import services
from app.registrations.models import Registration, RegistrationStatus


@pytest.fixture(autouse=True)
def _request_context(app):
    """E-mails are rendered with templates and absolute URLs."""
    with app.test_request_context("/sv/"):
        yield


def _register(db_session, consultation, name, email=None, wants_feedback=False, language="sv"):
    registration = services.register(
        db_session,
        consultation,
        services.RegistrationData(
            name=name, email=email, language=language, consent=True, wants_feedback=wants_feedback
        ),
    )
    db_session.commit()
    return registration


def test_raising_capacity_promotes_the_waiting_list(db_session, create_board, create_user, create_consultation):
    board = create_board()
    publisher = create_user(boards={board: Role.PUBLISHER})
    consultation = create_consultation(board=board, capacity=1)
    first = _register(db_session, consultation, "Ana")
    second = _register(db_session, consultation, "Bojan", email="bojan@example.org", language="rom")
    assert second.status is RegistrationStatus.WAITLISTED
    consultations.update_consultation(db_session, publisher, consultation, {"capacity": 2})
    db_session.commit()
    assert (first.status, second.status) == (RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED)
    promoted = db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == "bojan@example.org")).all()
    assert [m.language for m in promoted][-1] == "rom"


def test_registrants_who_asked_are_told_about_feedback(db_session, create_board, create_user, create_consultation):
    board = create_board()
    publisher = create_user(boards={board: Role.PUBLISHER})
    consultation = create_consultation(board=board)
    _register(db_session, consultation, "Ana", email="ana@example.org", wants_feedback=True, language="rom")
    _register(db_session, consultation, "Quiet", email="quiet@example.org", wants_feedback=False)
    consultation.status = S.HELD
    db_session.commit()
    report = consultation_reports.start_report(db_session, publisher, consultation)
    feedback.update_summary(db_session, publisher, report, {"summary_sv": "Vi hörde er."})
    theme = feedback.add_theme(db_session, publisher, report, {"title_sv": "Tider"})
    feedback.save_response(db_session, publisher, theme, {"outcome": "already_in_place", "body_sv": "Finns redan."})
    publication.publish_feedback(db_session, publisher, report)
    messages = db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "feedback.published")).all()
    assert [(m.to_address, m.language) for m in messages] == [("ana@example.org", "rom")]


def test_person_can_download_and_withdraw_their_data(client, db_session, create_consultation):
    consultation = create_consultation(capacity=1)
    registration = _register(db_session, consultation, "Ana", email="ana@example.org")
    waiting = _register(db_session, consultation, "Bojan")
    with client.get(f"/sv/registrations/{registration.token}/my-data.json") as response:
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.json["contact"] == {
            "name": "Ana",
            "email": "ana@example.org",
            "phone": None,
            "organisation": None,
            "language": "sv",
        }
    response = client.post(f"/sv/registrations/{registration.token}/withdraw")
    assert response.status_code == 302
    assert (
        db_session.scalar(sa.select(sa.func.count()).select_from(Contact).where(Contact.email == "ana@example.org"))
        == 0
    )
    assert db_session.get(Registration, registration.id).status is RegistrationStatus.CANCELLED
    assert waiting.status is RegistrationStatus.CONFIRMED
    assert client.get(f"/sv/registrations/{registration.token}").status_code == 404
