"""Minutes, corrections and the evaluation, without HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.common.errors import DomainError, PermissionDenied
from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from app.mail.models import OutboxMessage
from app.minutes import services
from app.minutes.models import CorrectionProposal, Evaluation, ProposalStatus
from app.participation.models import Contact
from app.registrations import services as registrations
from tests.support import blind_first_lookup, present

pytestmark = pytest.mark.usefixtures("ctx", "marker_catalog")


def _outbox(db_session, kind=None):
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(db_session.scalars(stmt))


def _publish(db_session, user, c, body="# Anteckningar\n\nVi talade om fritidsgården.", **kwargs):
    minutes = services.get_minutes(db_session, c)
    return services.save_minutes(
        db_session,
        user,
        c,
        {"body_sv": kwargs.pop("body_sv", body), "body_rom": kwargs.pop("body_rom", "Romani")},
        expected_version=minutes.version if minutes else 0,
        publish=True,
        **kwargs,
    )


def test_publish_emails_active_registrants_in_their_language(
    db_session, create_consultation, board, publisher, register, held, marker_catalog
):
    c = create_consultation(board=board)
    sv = register(c, email="sv@example.com", language="sv")
    rom = register(c, email="rom@example.com", language="rom")
    cancelled = register(c, email="gone@example.com")
    registrations.cancel(db_session, cancelled)
    register(c, phone="070-123 45 67")  # no e-mail: nothing to send
    held(c)
    before = len(_outbox(db_session))
    minutes = _publish(db_session, publisher, c)
    mails = _outbox(db_session, "minutes.published")
    assert len(_outbox(db_session)) - before == 2
    assert {m.to_address for m in mails} == {"sv@example.com", "rom@example.com"}
    by_to = {m.to_address: m for m in mails}
    for reg, lang in ((sv, "sv"), (rom, "rom")):
        mail = by_to[reg.contact.email]
        assert mail.language == lang and mail.subject.startswith(f"[{lang}]")
        assert f"/{lang}/registrations/{reg.token}/correction" in mail.body_text
        assert f"/{lang}/consultations/{c.id}/minutes" in mail.body_text
    assert [r.number for r in minutes.revisions] == [1]
    assert minutes.published_dt is not None


def test_only_publishers_publish_and_only_after_the_meeting(db_session, create_consultation, board, editor, publisher):
    c = create_consultation(board=board)
    services.save_minutes(db_session, editor, c, {"body_sv": "Utkast"}, expected_version=0)
    with pytest.raises(PermissionDenied):
        services.save_minutes(db_session, editor, c, {"body_sv": "Utkast"}, expected_version=None, publish=True)
    with pytest.raises(DomainError, match="after the meeting"):
        services.save_minutes(db_session, publisher, c, {"body_sv": "Utkast"}, expected_version=None, publish=True)


def test_other_board_cannot_edit(db_session, create_consultation, create_user, create_board, board):
    from app.accounts.models import Role

    c = create_consultation(board=board)
    outsider = create_user(boards={create_board(): Role.PUBLISHER})
    with pytest.raises(PermissionDenied):
        services.save_minutes(db_session, outsider, c, {"body_sv": "x"}, expected_version=0)


def test_stale_save_is_refused(db_session, create_consultation, board, editor):
    c = create_consultation(board=board)
    minutes = services.save_minutes(db_session, editor, c, {"body_sv": "Första"}, expected_version=0)
    opened = minutes.version
    services.save_minutes(db_session, editor, c, {"body_sv": "Kollegans"}, expected_version=opened)
    with pytest.raises(services.StaleMinutes) as error:
        services.save_minutes(db_session, editor, c, {"body_sv": "Min"}, expected_version=opened)
    assert error.value.minutes.body_sv == "Kollegans"
    assert present(services.get_minutes(db_session, c)).body_sv == "Kollegans"


def test_new_revision_needs_a_change_and_a_note(db_session, create_consultation, board, publisher, held):
    c = held(create_consultation(board=board))
    _publish(db_session, publisher, c, body="Version ett")
    db_session.commit()
    with pytest.raises(DomainError, match="Nothing has changed"):
        _publish(db_session, publisher, c, body="Version ett", note="igen")
    with pytest.raises(DomainError) as error:
        _publish(db_session, publisher, c, body="Version två")
    assert error.value.field == "note"
    db_session.rollback()
    minutes = _publish(db_session, publisher, c, body="Version två", note="Rättade namnet")
    assert [(r.number, r.note) for r in minutes.revisions] == [(1, None), (2, "Rättade namnet")]
    assert minutes.revisions[0].body_sv == "Version ett"


def test_correction_flow_accept_and_decline(
    db_session, create_consultation, board, publisher, editor, register, held, marker_catalog
):
    c = create_consultation(board=board)
    reg = register(c, email="rom@example.com", language="rom")
    held(c)
    with pytest.raises(DomainError, match="not been published"):
        services.submit_correction(db_session, reg, "Fel namn")
    _publish(db_session, publisher, c)
    with pytest.raises(DomainError) as error:
        services.submit_correction(db_session, reg, "   ")
    assert error.value.field == "text"
    first = services.submit_correction(db_session, reg, "Det var Ana, inte Ane.")
    assert services.submit_correction(db_session, reg, "Det var Ana, inte Ane.") is first  # double click
    second = services.submit_correction(db_session, reg, "Mötet slutade 20.00.")
    assert first.revision_number == 1 and first.status is ProposalStatus.PENDING

    with pytest.raises(DomainError) as error:
        services.decide_proposal(db_session, editor, second, accept=False, reason="  ")
    assert error.value.field == "reason"
    services.decide_proposal(db_session, editor, second, accept=False, reason="Mötet slutade 19.30.")
    services.decide_proposal(db_session, editor, first, accept=True, reason=None)
    assert (first.status, second.status) == (ProposalStatus.ACCEPTED, ProposalStatus.DECLINED)
    assert first.decided_by_id == editor.id and first.decided_dt is not None
    with pytest.raises(DomainError, match="already"):
        services.decide_proposal(db_session, editor, first, accept=False, reason="Nej")
    accepted, declined = (
        _outbox(db_session, "minutes.proposal_accepted"),
        _outbox(db_session, "minutes.proposal_declined"),
    )
    assert len(accepted) == len(declined) == 1
    assert declined[0].language == "rom" and "Mötet slutade 19.30." in declined[0].body_text


def test_cancelled_registrant_cannot_propose(db_session, create_consultation, board, publisher, register, held):
    c = create_consultation(board=board)
    reg = register(c, email="a@example.com")
    registrations.cancel(db_session, reg)
    held(c)
    _publish(db_session, publisher, c)
    with pytest.raises(DomainError, match="cancelled"):
        services.submit_correction(db_session, reg, "Fel")
    assert db_session.scalar(sa.select(sa.func.count()).select_from(CorrectionProposal)) == 0


def _answer(**overrides):
    values: dict[str, Any] = {"well_run": 4, "could_speak": 5, "language_support": 3, "comment": None}
    values.update(overrides)
    return services.EvaluationData(**values)


def test_evaluation_is_anonymous_and_idempotent(db_session, create_consultation, held):
    c = held(create_consultation())
    contacts = db_session.scalar(sa.select(sa.func.count()).select_from(Contact))
    answer, created = services.submit_evaluation(db_session, c, _answer(comment="Bra tolk"), idempotency_key="k1")
    again, created_again = services.submit_evaluation(db_session, c, _answer(), idempotency_key="k1")
    assert created and not created_again and present(again).id == present(answer).id
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Contact)) == contacts
    columns = set(Evaluation.__table__.columns.keys())
    assert columns == {
        "id",
        "consultation_id",
        "well_run",
        "could_speak",
        "language_support",
        "comment",
        "created_dt",
        "idempotency_key",
    }


def test_evaluation_window(db_session, create_consultation, held):
    c = create_consultation()
    assert services.evaluation_state(c) == "not_yet"
    with pytest.raises(services.EvaluationClosed):
        services.submit_evaluation(db_session, c, _answer(), idempotency_key="early")
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 0
    held(c)
    assert services.evaluation_state(c) == "open"
    assert services.evaluation_state(c, now=utcnow() + timedelta(days=services.DEFAULT_EVALUATION_DAYS + 1)) == "closed"
    c.status = S.FEEDBACK_PUBLISHED
    assert services.evaluation_state(c) == "open"
    c.status = S.CLOSED
    assert services.evaluation_state(c) == "closed"


@pytest.mark.parametrize("bad", [0, 6, None])
def test_evaluation_scale_is_checked(db_session, create_consultation, held, bad):
    c = held(create_consultation())
    with pytest.raises(DomainError) as error:
        services.submit_evaluation(db_session, c, _answer(could_speak=bad), idempotency_key="bad")
    assert error.value.field == "could_speak"


def test_results_need_the_minimum_group(db_session, create_consultation, held):
    c = held(create_consultation())
    for n in range(4):
        services.submit_evaluation(db_session, c, _answer(well_run=n + 1), idempotency_key=f"k{n}")
    results = services.evaluation_results(db_session, c)
    assert not results.shown and results.questions == []
    services.submit_evaluation(db_session, c, _answer(well_run=5), idempotency_key="k5")
    results = services.evaluation_results(db_session, c)
    assert results.shown and results.count == 5
    well_run = results.questions[0]
    assert well_run.name == "well_run" and well_run.average == 3.0
    assert well_run.distribution == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}


def test_two_first_saves_at_the_same_moment_give_a_conflict_not_an_error(
    db_session, create_consultation, board, editor, monkeypatch
):
    """The other editor's first save committed after this one looked for minutes."""
    c = create_consultation(board=board)
    theirs = services.save_minutes(db_session, editor, c, {"body_sv": "Deras utkast"}, expected_version=0)
    db_session.commit()
    real_get = services.get_minutes
    blind_first_lookup(monkeypatch, services, "get_minutes")
    with pytest.raises(services.StaleMinutes) as raised:
        services.save_minutes(db_session, editor, c, {"body_sv": "Mitt utkast"}, expected_version=0)
    assert raised.value.minutes.id == theirs.id
    # The session is still usable and nothing of the losing save was written.
    db_session.rollback()
    assert present(real_get(db_session, c)).body_sv == "Deras utkast"
