"""Registration rules: capacity and waiting list, deadlines, tokens, reminders, attendance."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.common.errors import DomainError, PermissionDenied
from app.consultations.models import ConsultationStatus as S
from app.consultations.models import RomaniVariety
from app.db import utcnow
from app.i18n import gettext
from app.mail.models import OutboxMessage
from app.participation.models import Contact
from app.registrations import notifications, places, roster, services
from app.registrations.models import Registration
from app.registrations.models import RegistrationStatus as R
from tests.conftest import in_days
from tests.support import present

pytestmark = pytest.mark.usefixtures("ctx")


def _outbox(db_session, kind=None):
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(db_session.scalars(stmt))


def _count(db_session, model):
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_places_then_waiting_list_in_order(db_session, create_consultation, data):
    c = create_consultation(capacity=2)
    first = services.register(db_session, c, data(name="Ett"))
    second = services.register(db_session, c, data(name="Två"))
    third = services.register(db_session, c, data(name="Tre"))
    fourth = services.register(db_session, c, data(name="Fyra"))
    assert [r.status for r in (first, second, third, fourth)] == [R.CONFIRMED, R.CONFIRMED, R.WAITLISTED, R.WAITLISTED]
    assert places.waitlist_position(db_session, third) == 1
    assert places.waitlist_position(db_session, fourth) == 2
    assert places.waitlist_position(db_session, first) is None
    assert places.places_left(db_session, c) == 0


def test_no_capacity_means_no_waiting_list(db_session, create_consultation, data):
    c = create_consultation(capacity=None)
    assert all(services.register(db_session, c, data()).status is R.CONFIRMED for _ in range(5))
    assert places.places_left(db_session, c) is None


def test_cancelling_promotes_the_first_on_the_waiting_list(db_session, create_consultation, data, marker_catalog):
    c = create_consultation(capacity=1)
    holder = services.register(db_session, c, data(name="Har plats", email="plats@example.com"))
    first = services.register(db_session, c, data(name="Först", email="forst@example.com", language="rom"))
    second = services.register(db_session, c, data(name="Sedan", email="sedan@example.com"))
    assert (first.status, second.status) == (R.WAITLISTED, R.WAITLISTED)

    promoted = services.cancel(db_session, holder)

    assert promoted == [first]
    assert holder.status is R.CANCELLED and holder.cancelled_dt is not None
    assert first.status is R.CONFIRMED and first.promoted_dt is not None
    assert second.status is R.WAITLISTED
    assert places.waitlist_position(db_session, second) == 1
    (mail,) = _outbox(db_session, "registration.promoted")
    assert mail.to_address == "forst@example.com"
    assert mail.language == "rom"
    assert mail.subject.startswith("[rom]You have a place")
    assert first.token in mail.body_text


def test_cancelling_from_the_waiting_list_promotes_nobody(db_session, create_consultation, data):
    c = create_consultation(capacity=1)
    services.register(db_session, c, data())
    waiting = services.register(db_session, c, data())
    last = services.register(db_session, c, data())
    assert services.cancel(db_session, waiting) == []
    assert last.status is R.WAITLISTED
    with pytest.raises(DomainError):
        services.cancel(db_session, waiting)


def test_cannot_cancel_after_the_meeting_started(db_session, create_consultation, data):
    c = create_consultation()
    r = services.register(db_session, c, data())
    c.start_dt = utcnow() - timedelta(minutes=5)
    db_session.flush()
    assert not services.can_cancel(r)
    with pytest.raises(DomainError):
        services.cancel(db_session, r)
    assert r.status is R.CONFIRMED


def test_deadline_passed_stores_nothing(db_session, create_consultation, data):
    c = create_consultation(registration_deadline_dt=utcnow() - timedelta(hours=1))
    before = (_count(db_session, Registration), _count(db_session, Contact), _count(db_session, OutboxMessage))
    with pytest.raises(places.RegistrationClosed) as error:
        services.register(db_session, c, data(email="sen@example.com"))
    assert str(error.value.message) == gettext(
        "The registration deadline has passed. Contact the board if you still want to come."
    )
    assert (_count(db_session, Registration), _count(db_session, Contact), _count(db_session, OutboxMessage)) == before


@pytest.mark.parametrize("status", [S.DRAFT, S.HELD, S.CANCELLED, S.CLOSED])
def test_only_published_consultations_take_registrations(db_session, create_consultation, data, status):
    c = create_consultation(status=status)
    with pytest.raises(places.RegistrationClosed):
        services.register(db_session, c, data())
    assert _count(db_session, Registration) == 0


def test_meeting_started_closes_registration(db_session, create_consultation, data):
    c = create_consultation(start_dt=utcnow() - timedelta(minutes=1))
    with pytest.raises(places.RegistrationClosed):
        services.register(db_session, c, data())


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"name": "  "}, "name"),
        ({"consent": False}, "consent"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"language": "klingon"}, "language"),
        ({"wants_feedback": True}, "email"),
    ],
)
def test_invalid_data_is_refused_with_a_field(db_session, create_consultation, data, overrides, field):
    c = create_consultation()
    with pytest.raises(DomainError) as error:
        services.register(db_session, c, data(**overrides))
    assert error.value.field == field
    assert _count(db_session, Registration) == 0


def test_stores_what_was_given_and_nothing_more(db_session, create_consultation, data):
    c = create_consultation()
    r = services.register(
        db_session,
        c,
        data(
            name=" Sara ",
            email="sara@example.com",
            phone="070-123 45 67",
            organisation="Romska rådet",
            language="sv",
            romani_variety=RomaniVariety.ARLI,  # dropped: the variety only goes with Romani chib
            needs_interpreter=False,
            interpreter_variety=RomaniVariety.KALDERASH,  # dropped: no interpreter asked for
            needs="Rullstol",
            wants_feedback=True,
        ),
    )
    contact = present(r.contact)
    assert contact.name == "Sara"
    assert (contact.email, contact.phone, contact.organisation) == ("sara@example.com", "070-123 45 67", "Romska rådet")
    assert contact.language == "sv"
    assert r.romani_variety is None and r.interpreter_variety is None
    assert r.needs == "Rullstol" and r.wants_feedback and r.attended is None
    assert len(r.token) >= 43
    columns = set(Registration.__table__.columns.keys())
    assert not columns & {"ip", "ip_address", "user_agent", "ethnicity"}


def test_confirmation_is_queued_only_with_an_address(db_session, create_consultation, data):
    c = create_consultation()
    services.register(db_session, c, data(phone="08-508 000 00"))
    assert _outbox(db_session) == []
    r = services.register(db_session, c, data(email="a@example.com"))
    (mail,) = _outbox(db_session)
    assert mail.kind == "registration.confirmed"
    assert f"http://localhost/sv/registrations/{r.token}" in mail.body_text


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_emails_are_in_the_registrants_language(db_session, create_consultation, data, marker_catalog, lang):
    """The page is Swedish (the request context), the e-mail follows the registrant's choice."""
    c = create_consultation(capacity=1)
    services.register(db_session, c, data(email="first@example.com", language=lang))
    services.register(db_session, c, data(email="second@example.com", language=lang))
    confirmed, waitlisted = _outbox(db_session)
    for mail in (confirmed, waitlisted):
        assert mail.language == lang
        assert mail.subject.startswith(f"[{lang}]")
        assert f"/{lang}/registrations/" in mail.body_text
        other = "sv" if lang == "rom" else "rom"
        assert f"[{other}]" not in mail.subject + mail.body_text
    assert (c.title_rom if lang == "rom" else c.title_sv) in confirmed.subject
    assert waitlisted.subject.startswith(f"[{lang}]You are on the waiting list")
    assert f"[{lang}]Your place in the queue: 1." in waitlisted.body_text


# --- Tokens -------------------------------------------------------------------------------


def test_token_lookup(db_session, create_consultation, data):
    c = create_consultation()
    r = services.register(db_session, c, data())
    assert services.get_by_token(db_session, r.token) is r
    for wrong in ("", "x", r.token[:-1] + ("A" if r.token[-1] != "A" else "B"), "../../etc/passwd", "a" * 500):
        assert services.get_by_token(db_session, wrong) is None


def test_token_expires_when_personal_data_is_purged_or_consultation_closed(db_session, create_consultation, data):
    c = create_consultation()
    r = services.register(db_session, c, data())
    other = services.register(db_session, c, data())
    db_session.delete(r.contact)
    db_session.flush()
    db_session.expire(r)
    assert r.contact_id is None
    assert services.get_by_token(db_session, r.token) is None
    assert services.get_by_token(db_session, other.token) is other
    c.status = S.CLOSED
    db_session.flush()
    assert services.get_by_token(db_session, other.token) is None


# --- Reminders ------------------------------------------------------------------------------


def test_reminders_are_queued_once(db_session, create_consultation, data, marker_catalog):
    soon = create_consultation(start_dt=in_days(1.5, hour=12))
    later = create_consultation(start_dt=in_days(10))
    reminded = services.register(db_session, soon, data(email="soon@example.com", language="rom"))
    services.register(db_session, soon, data(phone="070-000 00 00"))  # no address: nothing to send
    cancelled = services.register(db_session, soon, data(email="cancelled@example.com"))
    services.cancel(db_session, cancelled)
    services.register(db_session, later, data(email="later@example.com"))
    db_session.query(OutboxMessage).delete()

    assert notifications.send_reminders(db_session, days_before=2) == 1
    (mail,) = _outbox(db_session)
    assert (mail.kind, mail.to_address, mail.language) == ("registration.reminder", "soon@example.com", "rom")
    assert mail.subject.startswith("[rom]Reminder")
    assert reminded.reminder_sent_dt is not None
    assert notifications.send_reminders(db_session, days_before=2) == 0
    assert len(_outbox(db_session)) == 1


def test_reminder_after_promotion(db_session, create_consultation, data):
    c = create_consultation(start_dt=in_days(1.5, hour=12), capacity=1)
    holder = services.register(db_session, c, data(email="a@example.com"))
    waiting = services.register(db_session, c, data(email="b@example.com"))
    assert notifications.send_reminders(db_session, days_before=2) == 1
    services.cancel(db_session, holder)
    assert notifications.send_reminders(db_session, days_before=2) == 1
    assert waiting.reminder_sent_dt is not None


def test_send_reminders_command(app, runner, db_session, create_consultation, data, ctx):
    c = create_consultation(start_dt=in_days(3, hour=12))
    services.register(db_session, c, data(email="a@example.com"))
    db_session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Reminders queued: 0." in result.output  # three days ahead, default is two
    app.config["REMINDER_DAYS_BEFORE"] = 4
    assert "Reminders queued: 1." in runner.invoke(args=["send-reminders"]).output
    assert "Reminders queued: 0." in runner.invoke(args=["send-reminders", "--days", "5"]).output


# --- Staff ------------------------------------------------------------------------------


def test_summary_counts_for_planning(db_session, create_consultation, data):
    c = create_consultation(capacity=4)
    services.register(
        db_session,
        c,
        data(
            language="rom",
            romani_variety=RomaniVariety.KALDERASH,
            needs_interpreter=True,
            interpreter_variety=RomaniVariety.KALDERASH,
        ),
    )
    services.register(
        db_session,
        c,
        data(language="rom", needs_interpreter=True, interpreter_variety=RomaniVariety.ARLI, needs="Hörslinga"),
    )
    services.register(db_session, c, data(language="sv", needs_interpreter=True))
    gone = services.register(db_session, c, data(language="sv", needs_interpreter=True))
    services.cancel(db_session, gone)
    services.register(db_session, c, data(language="sv"))
    services.register(db_session, c, data(language="rom", needs_interpreter=True))
    summary = roster.summarise(db_session.scalars(sa.select(Registration)).all())
    assert (summary.confirmed, summary.waitlisted, summary.cancelled) == (4, 1, 1)
    assert summary.languages == {"rom": 2, "sv": 2}
    assert summary.romani_varieties == {RomaniVariety.KALDERASH: 1}
    assert summary.interpreters == {RomaniVariety.KALDERASH: 1, RomaniVariety.ARLI: 1, None: 1}
    assert summary.interpreter_total == 3
    assert summary.with_needs == 1


def test_mark_attendance(db_session, create_consultation, data, editor, board, create_user):
    c = create_consultation(board=board)
    came = services.register(db_session, c, data())
    stayed_home = services.register(db_session, c, data())
    with pytest.raises(DomainError):  # not before the meeting
        roster.mark_attendance(db_session, editor, c, [came.id])
    c.start_dt = utcnow() - timedelta(hours=3)
    c.end_dt = utcnow() - timedelta(hours=1)
    db_session.flush()
    with pytest.raises(PermissionDenied):
        roster.mark_attendance(db_session, create_user(), c, [came.id])
    with pytest.raises(DomainError):
        roster.mark_attendance(db_session, editor, c, [came.id, 999999])
    assert roster.mark_attendance(db_session, editor, c, [came.id]) == 1
    assert (came.attended, stayed_home.attended) == (True, False)


def test_staff_lists_need_permission(db_session, create_consultation, create_user, editor, board, data):
    c = create_consultation(board=board)
    services.register(db_session, c, data())
    assert len(roster.list_registrations(db_session, editor, c)) == 1
    with pytest.raises(PermissionDenied):
        roster.list_registrations(db_session, create_user(), c)
    with pytest.raises(PermissionDenied):
        roster.iter_registrations(db_session, create_user(), c)


def test_the_same_submission_key_takes_one_place(db_session, create_consultation, data):
    c = create_consultation(capacity=2)
    first = services.register(db_session, c, data(email="ana@example.org"), idempotency_key="form-1")
    db_session.commit()
    again = services.register(db_session, c, data(email="ana@example.org"), idempotency_key="form-1")
    db_session.commit()
    assert again.id == first.id
    assert places.count_confirmed(db_session, c.id) == 1
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1  # one confirmation
    other = services.register(db_session, create_consultation(), data(), idempotency_key="form-1")
    assert other.id != first.id  # a key from another consultation's form is not that registration
