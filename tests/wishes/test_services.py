"""Wishes without HTTP: validation, idempotency, answers, e-mails, moderation, lists."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.common.errors import DomainError, PermissionDenied
from app.consultations.models import RomaniVariety
from app.mail.models import OutboxMessage
from app.participation.models import Contact, HiddenReason
from app.wishes import services
from app.wishes.models import Wish, WishKind, WishStatus
from app.wishes.services import WishData
from tests.support import present


def _data(board_ids, **kwargs):
    values = {"kind": WishKind.PLACE, "text": "Träffas i Husby", "language": "sv", "board_ids": board_ids}
    values.update(kwargs)
    return WishData(**values)


def test_submit_to_several_boards_anonymously(db_session, board, other_board):
    contacts = db_session.scalar(sa.select(sa.func.count()).select_from(Contact))
    wish, created = services.submit_wish(db_session, _data([board.id, other_board.id]), idempotency_key="s-1")
    assert created and wish.board_ids == {board.id, other_board.id}
    assert wish.contact is None and wish.status is WishStatus.NEW and not wish.wants_answer
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Contact)) == contacts


def test_same_key_returns_the_first_wish(db_session, board):
    first, created = services.submit_wish(db_session, _data([board.id]), idempotency_key="s-2")
    again, created_again = services.submit_wish(db_session, _data([board.id], text="Annat"), idempotency_key="s-2")
    assert created and not created_again and again.id == first.id and again.text == "Träffas i Husby"


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"board_ids": []}, "board_ids"),
        ({"board_ids": [999999]}, "board_ids"),
        ({"text": "  "}, "text"),
        ({"text": "x" * (services.MAX_TEXT + 1)}, "text"),
        ({"language": "klingon"}, "language"),
        ({"wants_answer": True}, "email"),
    ],
)
def test_validation(db_session, board, overrides, field):
    data = _data([board.id])
    for key, value in overrides.items():
        setattr(data, key, value)
    with pytest.raises(DomainError) as error:
        services.submit_wish(db_session, data, idempotency_key="s-bad")
    assert error.value.field == field
    assert db_session.scalar(sa.select(Wish).where(Wish.idempotency_key == "s-bad")) is None


def test_variety_only_for_romani(db_session, board):
    wish, _ = services.submit_wish(
        db_session, _data([board.id], romani_variety=RomaniVariety.ARLI), idempotency_key="s-3"
    )
    assert wish.romani_variety is None and wish.lang_tag == "sv"
    wish, _ = services.submit_wish(
        db_session, _data([board.id], language="rom", romani_variety=RomaniVariety.ARLI), idempotency_key="s-4"
    )
    assert wish.lang_tag == "rmn"


def test_answer_rules(db_session, staff, create_wish):
    wish = create_wish()
    with pytest.raises(DomainError) as error:
        services.answer_wish(db_session, staff, wish, {"status": WishStatus.DECLINED, "answer_sv": "  "})
    assert error.value.field == "answer_sv"
    with pytest.raises(DomainError) as error:
        services.answer_wish(
            db_session, staff, wish, {"status": WishStatus.ANSWERED, "answer_sv": None, "answer_rom": "Va"}
        )
    assert error.value.field == "answer_sv"
    assert wish.status is WishStatus.NEW
    services.answer_wish(db_session, staff, wish, {"status": WishStatus.PLANNED, "answer_sv": None})
    assert wish.status is WishStatus.PLANNED and wish.answered_by_id == staff.id  # type: ignore[comparison-overlap]  # the call above changed it; mypy keeps the narrowing
    services.answer_wish(
        db_session, staff, wish, {"status": WishStatus.DECLINED, "answer_sv": "Det ligger utanför vårt ansvar."}
    )
    events = db_session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "Wish", AuditEvent.object_id == wish.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["wish.answer", "wish.answer"]
    assert events[-1].before["status"] == "planned" and events[-1].after["status"] == "declined"


def test_only_addressed_boards_may_answer(db_session, create_wish, create_user, create_board, board):
    wish = create_wish()
    outsider = create_user(boards={create_board(): Role.PUBLISHER})
    with pytest.raises(PermissionDenied):
        services.answer_wish(db_session, outsider, wish, {"status": WishStatus.ANSWERED, "answer_sv": "Nej"})
    with pytest.raises(PermissionDenied):
        services.hide_wish(db_session, outsider, wish, reason=HiddenReason.OFFENSIVE)
    admin = create_user(is_site_admin=True)
    services.answer_wish(db_session, admin, wish, {"status": WishStatus.ANSWERED, "answer_sv": "Ja"})
    assert wish.status is WishStatus.ANSWERED


def test_email_in_the_persons_language_once_per_status(app, db_session, board, staff):
    with app.app_context():
        wish, _ = services.submit_wish(
            db_session,
            _data([board.id], email="zoran@example.org", name="Zoran", wants_answer=True, contact_language="rom"),
            idempotency_key="s-mail",
        )
        assert (
            services.answer_wish(
                db_session,
                staff,
                wish,
                {
                    "status": WishStatus.ANSWERED,
                    "answer_sv": "Vi ordnar ett samråd i Husby.",
                    "answer_rom": "Keras jekh sfatuipe ande Husby.",
                },
            )
            == 1
        )
        # Editing the text without changing the status sends nothing more.
        assert (
            services.answer_wish(db_session, staff, wish, {"status": WishStatus.ANSWERED, "answer_sv": "Rättat."}) == 0
        )
    messages = db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == "zoran@example.org")).all()
    assert len(messages) == 1
    assert messages[0].language == "rom" and messages[0].kind == "wish.answered"
    assert "Keras jekh sfatuipe ande Husby." in messages[0].body_text
    assert f"/rom/wishes/#wish-{wish.id}" in messages[0].body_text


def test_no_email_unless_asked(app, db_session, board, staff):
    with app.app_context():
        wish, _ = services.submit_wish(
            db_session, _data([board.id], email="nope@example.org"), idempotency_key="s-nomail"
        )
        assert services.answer_wish(db_session, staff, wish, {"status": WishStatus.ANSWERED, "answer_sv": "Svar"}) == 0
    assert present(wish.contact).email == "nope@example.org" and not wish.wants_answer
    assert db_session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == "nope@example.org")) is None


def test_hidden_wishes_are_not_public(db_session, staff, create_wish):
    shown, hidden = create_wish(text="Synlig"), create_wish(text="Ring 070-1234567")
    services.hide_wish(db_session, staff, hidden, reason=HiddenReason.PERSONAL_DATA, note="Telefonnummer")
    assert [w.id for w in services.list_public(db_session).items if w.id in (shown.id, hidden.id)] == [shown.id]
    assert {shown.id, hidden.id} <= {w.id for w in services.list_for_staff(db_session, staff)}
    services.unhide_wish(db_session, staff, hidden)
    assert hidden.id in {w.id for w in services.list_public(db_session).items}


def test_staff_list_shows_own_boards_only(db_session, staff, create_wish, other_board, create_user):
    mine, theirs = create_wish(), create_wish(boards=[other_board])
    both = create_wish(boards=[other_board, staff.memberships[0].board])
    ids = {w.id for w in services.list_for_staff(db_session, staff)}
    assert mine.id in ids and both.id in ids and theirs.id not in ids
    admin = create_user(is_site_admin=True)
    assert {mine.id, theirs.id, both.id} <= {w.id for w in services.list_for_staff(db_session, admin)}
    assert create_user().board_ids == set() and services.list_for_staff(db_session, create_user()) == []
    assert theirs.id not in {w.id for w in services.list_for_staff(db_session, admin, WishStatus.ANSWERED)}


def test_purge_contacts_after_the_answer(app, db_session, board, staff):
    from datetime import timedelta

    from app.db import utcnow

    with app.app_context():
        old, _ = services.submit_wish(
            db_session, _data([board.id], email="old@example.org", wants_answer=True), idempotency_key="s-old"
        )
        open_, _ = services.submit_wish(
            db_session, _data([board.id], email="open@example.org", wants_answer=True), idempotency_key="s-open"
        )
        services.answer_wish(db_session, staff, old, {"status": WishStatus.ANSWERED, "answer_sv": "Svar"})
    old.answered_dt = utcnow() - timedelta(days=100)
    db_session.flush()
    assert services.purge_contacts(db_session, now=utcnow(), retention_days=90) == 1
    assert old.contact_id is None and not old.wants_answer and old.answer_sv == "Svar"
    assert present(open_.contact).email == "open@example.org"
    assert db_session.scalar(sa.select(Contact).where(Contact.email == "old@example.org")) is None
    assert services.purge_contacts(db_session, now=utcnow(), retention_days=90) == 0
