"""Consultation operations, tested without HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.accounts.models import Role
from app.common.errors import DomainError, PermissionDenied
from app.consultations import materials, queries, services
from app.consultations.documents import DocumentStore
from app.consultations.models import ConsultationStatus as S
from app.consultations.models import MeetingFormat
from tests.conftest import in_days
from tests.support import present


@pytest.fixture
def board(create_board):
    return create_board(feedback_weeks=6)


def _complete(**extra):
    data = {
        "title_sv": "Samråd om skolan",
        "title_rom": "Sfatuipe vash e shkola",
        "summary_sv": "Om skolan.",
        "summary_rom": "Vash e shkola.",
        "influence_sv": "Läxhjälpen.",
        "influence_rom": "O azhutipe.",
        "decided_sv": "Skoltiderna.",
        "format": MeetingFormat.IN_PERSON,
        "start_dt": in_days(10),
        "end_dt": in_days(10) + timedelta(hours=2),
        "address": "Skolvägen 1",
    }
    data.update(extra)
    return data


def test_create_draft_with_co_host(db_session, board, editor, create_board):
    district = create_board()
    consultation = services.create_consultation(
        db_session, editor, board, _complete(), co_host_ids=[district.id, board.id]
    )
    assert consultation.status is S.DRAFT
    assert [b.id for b in consultation.co_hosts] == [district.id]
    assert consultation.board_ids == {board.id, district.id}


def test_create_requires_membership(db_session, board, create_user, create_board):
    outsider = create_user(boards={create_board(): Role.PUBLISHER})
    with pytest.raises(PermissionDenied):
        services.create_consultation(db_session, outsider, board, _complete())


def test_end_must_follow_start(db_session, board, editor):
    with pytest.raises(DomainError) as error:
        services.create_consultation(db_session, editor, board, _complete(end_dt=in_days(9)))
    assert error.value.field == "end_dt"


def test_registration_deadline_before_start(db_session, board, editor):
    with pytest.raises(DomainError) as error:
        services.create_consultation(db_session, editor, board, _complete(registration_deadline_dt=in_days(11)))
    assert error.value.field == "registration_deadline_dt"


def test_publish_sets_default_feedback_date(db_session, board, editor, publisher):
    consultation = services.create_consultation(db_session, editor, board, _complete(decided_rom="O vakto."))
    services.publish_consultation(db_session, publisher, consultation)
    assert consultation.status is S.PUBLISHED
    assert consultation.published_dt is not None
    assert consultation.feedback_due_date == (present(consultation.end_dt) + timedelta(weeks=6)).date()
    assert consultation.romani_pending is False


def test_editor_cannot_publish(db_session, board, editor):
    consultation = services.create_consultation(db_session, editor, board, _complete())
    with pytest.raises(PermissionDenied):
        services.publish_consultation(db_session, editor, consultation)


@pytest.mark.parametrize("missing", ["summary_sv", "influence_sv", "decided_sv", "start_dt", "address"])
def test_publish_requires_essentials(db_session, board, publisher, missing):
    data = _complete()
    data[missing] = None
    if missing == "start_dt":
        data["end_dt"] = None
    consultation = services.create_consultation(db_session, publisher, board, data)
    with pytest.raises(DomainError) as error:
        services.publish_consultation(db_session, publisher, consultation)
    assert error.value.field == missing
    assert consultation.status is S.DRAFT


def test_digital_meeting_needs_no_address(db_session, board, publisher):
    consultation = services.create_consultation(
        db_session, publisher, board, _complete(address=None, format=MeetingFormat.DIGITAL)
    )
    services.publish_consultation(db_session, publisher, consultation)
    assert consultation.status is S.PUBLISHED


def test_missing_romani_needs_confirmation(db_session, board, publisher):
    consultation = services.create_consultation(db_session, publisher, board, _complete(title_rom=None))
    with pytest.raises(DomainError) as error:
        services.publish_consultation(db_session, publisher, consultation)
    assert error.value.field == "romani_pending"
    services.publish_consultation(db_session, publisher, consultation, romani_pending_confirmed=True)
    assert consultation.romani_pending is True
    services.update_consultation(db_session, publisher, consultation, {"title_rom": "Sfatuipe"})
    assert consultation.romani_pending is False


def test_lifecycle_transitions(db_session, board, publisher):
    consultation = services.create_consultation(
        db_session, publisher, board, _complete(start_dt=in_days(-1), end_dt=in_days(-1) + timedelta(hours=1))
    )
    with pytest.raises(services.TransitionError):
        services.mark_held(db_session, publisher, consultation)  # a draft is not held
    with pytest.raises(services.TransitionError):
        services.close_consultation(db_session, publisher, consultation)
    services.publish_consultation(db_session, publisher, consultation)
    with pytest.raises(services.TransitionError):
        services.publish_consultation(db_session, publisher, consultation)
    services.mark_held(db_session, publisher, consultation)
    assert consultation.status is S.HELD
    with pytest.raises(services.TransitionError):
        services.cancel_consultation(db_session, publisher, consultation, {"reason_sv": "Sent"})
    services.close_consultation(db_session, publisher, consultation)
    assert consultation.status is S.CLOSED  # type: ignore[comparison-overlap]  # the call above changed it; mypy keeps the narrowing
    with pytest.raises(services.TransitionError):
        services.update_consultation(db_session, publisher, consultation, {"title_sv": "Ny"})


def test_cannot_mark_held_before_start(db_session, board, publisher):
    consultation = services.create_consultation(db_session, publisher, board, _complete())
    services.publish_consultation(db_session, publisher, consultation)
    with pytest.raises(services.TransitionError):
        services.mark_held(db_session, publisher, consultation)


def test_cancel_requires_reason_and_bumps_sequence(db_session, board, publisher):
    consultation = services.create_consultation(db_session, publisher, board, _complete())
    services.publish_consultation(db_session, publisher, consultation)
    with pytest.raises(DomainError) as error:
        services.cancel_consultation(db_session, publisher, consultation, {"reason_sv": "  "})
    assert error.value.field == "reason_sv"
    before = consultation.ics_sequence
    services.cancel_consultation(db_session, publisher, consultation, {"reason_sv": "Lokalen är stängd."})
    assert consultation.status is S.CANCELLED
    assert consultation.ics_sequence == before + 1
    assert consultation.cancel_reason_sv == "Lokalen är stängd."


def test_public_change_of_time_bumps_sequence(db_session, board, publisher):
    consultation = services.create_consultation(db_session, publisher, board, _complete())
    services.update_consultation(
        db_session, publisher, consultation, {"start_dt": in_days(11), "end_dt": in_days(11) + timedelta(hours=1)}
    )
    assert consultation.ics_sequence == 0  # drafts have no subscribers
    services.publish_consultation(db_session, publisher, consultation)
    services.update_consultation(db_session, publisher, consultation, {"room": "Sal B"})
    assert consultation.ics_sequence == 1
    services.update_consultation(db_session, publisher, consultation, {"compensation_sv": "Fika"})
    assert consultation.ics_sequence == 1


def test_stale_edit_is_refused(db_session, board, publisher):
    consultation = services.create_consultation(db_session, publisher, board, _complete())
    opened_version = consultation.version
    services.update_consultation(
        db_session, publisher, consultation, {"title_sv": "Kollegans titel"}, expected_version=opened_version
    )
    with pytest.raises(services.StaleEdit):
        services.update_consultation(
            db_session, publisher, consultation, {"title_sv": "Min titel"}, expected_version=opened_version
        )
    assert consultation.title_sv == "Kollegans titel"


def test_co_host_editor_may_edit(db_session, board, publisher, create_board, create_user):
    district = create_board()
    district_editor = create_user(boards={district: Role.EDITOR})
    consultation = services.create_consultation(db_session, publisher, board, _complete(), co_host_ids=[district.id])
    services.update_consultation(db_session, district_editor, consultation, {"room": "Sal A"})
    stranger = create_user(boards={create_board(): Role.PUBLISHER})
    with pytest.raises(PermissionDenied):
        services.update_consultation(db_session, stranger, consultation, {"room": "Sal B"})


def test_agenda_order(db_session, board, editor):
    consultation = services.create_consultation(db_session, editor, board, _complete())
    first = materials.add_agenda_item(db_session, editor, consultation, {"title_sv": "Ett"})
    second = materials.add_agenda_item(db_session, editor, consultation, {"title_sv": "Två"})
    third = materials.add_agenda_item(db_session, editor, consultation, {"title_sv": "Tre"})
    materials.move_agenda_item(db_session, editor, third, -1)
    assert [i.title_sv for i in consultation.agenda_items] == ["Ett", "Tre", "Två"]
    materials.delete_agenda_item(db_session, editor, first)
    assert [(i.position, i.title_sv) for i in consultation.agenda_items] == [(1, "Tre"), (2, "Två")]
    assert second.position == 2
    with pytest.raises(DomainError):
        materials.add_agenda_item(db_session, editor, consultation, {"title_sv": " "})


def test_documents_checked_by_content(db_session, board, editor, tmp_path):
    store = DocumentStore(tmp_path)
    consultation = services.create_consultation(db_session, editor, board, _complete())
    pdf = materials.add_document(
        db_session, editor, consultation, store, title="Underlag", filename="x.exe", data=b"%PDF-1.7\n..."
    )
    assert pdf.content_type == "application/pdf" and pdf.extension == "pdf"
    assert (tmp_path / pdf.stored_name).read_bytes().startswith(b"%PDF")
    with pytest.raises(DomainError) as error:
        materials.add_document(
            db_session, editor, consultation, store, title="Fake", filename="fake.pdf", data=b"MZ\x90\x00binary"
        )
    assert error.value.field == "file"
    materials.delete_document(db_session, editor, pdf, store)
    assert not (tmp_path / pdf.stored_name).exists()
    assert consultation.documents == []


def test_public_listing_filters(db_session, create_consultation, create_board):
    lead, district = create_board(), create_board()
    upcoming = create_consultation(board=lead, co_hosts=[district])
    past = create_consultation(board=lead, start_dt=in_days(-30))
    draft = create_consultation(board=lead, status=S.DRAFT)
    digital = create_consultation(board=district, format=MeetingFormat.DIGITAL)

    def ids(**kwargs):
        page = queries.list_public(db_session, queries.ListFilters(**kwargs), 1, 50)
        return {c.id for c in page.items}

    assert draft.id not in ids(when="all")
    assert ids(board_id=district.id) == {upcoming.id, digital.id}
    assert ids(board_id=lead.id, when="past") == {past.id}
    assert ids(board_id=district.id, format=MeetingFormat.DIGITAL) == {digital.id}
