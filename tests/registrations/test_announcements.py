"""A published meeting that moves, changes format or is cancelled is announced to
registrants and the waiting list, in their language, with the calendar entry."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.consultations import services as consultations
from app.consultations.models import ConsultationStatus as S
from app.consultations.models import MeetingFormat
from app.db import utcnow
from app.i18n import STOCKHOLM, force_language, format_time_range, gettext
from app.mail.models import OutboxMessage
from app.registrations import services
from app.registrations.models import RegistrationStatus as R
from tests.conftest import in_days

CHANGED, CANCELLED = "registration.meeting_changed", "registration.meeting_cancelled"


@pytest.fixture
def meeting(create_consultation, board, data, ctx, db_session):
    """A published meeting with one place taken (Swedish), one person on the waiting list
    (Romani), one registrant without an e-mail address and one who cancelled."""
    c = create_consultation(board=board, capacity=2)
    people = {
        "holder": services.register(db_session, c, data(name="Sara", email="sara@example.com", language="sv")),
        "phone": services.register(db_session, c, data(name="Milan", phone="070-123 45 67", language="rom")),
        "waiting": services.register(db_session, c, data(name="Ljuba", email="ljuba@example.com", language="rom")),
        "gone": services.register(db_session, c, data(name="Dragan", email="dragan@example.com")),
    }
    services.cancel(db_session, people["gone"])
    db_session.commit()
    assert [people[k].status for k in ("holder", "phone", "waiting")] == [R.CONFIRMED, R.CONFIRMED, R.WAITLISTED]
    return c, people


def _outbox(db_session, kind):
    return list(
        db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    )


def _event(message):
    assert message.attachment_text, message.kind
    calendar = Calendar.from_ical(message.attachment_text)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def _move(db_session, actor, c, **data):
    changes = consultations.update_consultation(db_session, actor, c, data)
    db_session.commit()
    return changes


def _in(language, text, **variables):
    with force_language(language):
        return gettext(text, **variables)


def _when(language, start, end):
    with force_language(language):
        return format_time_range(start, end)


# --- Service --------------------------------------------------------------------------------


def test_the_confirmation_carries_the_calendar_entry_the_updates_replace(meeting, db_session):
    c, people = meeting
    (confirmation,) = [m for m in _outbox(db_session, "registration.confirmed") if m.to_address == "sara@example.com"]
    calendar, event = _event(confirmation)
    assert str(calendar["method"]) == "REQUEST"
    assert confirmation.attachment_type == "text/calendar; method=REQUEST"
    assert str(event["uid"]) == f"consultation-{c.id}@localhost"
    assert event["sequence"] == c.ics_sequence == 0
    assert str(event["attendee"]) == "mailto:sara@example.com"
    # the waiting list gets no invitation to a meeting it has no place at
    (waiting,) = _outbox(db_session, "registration.waitlisted")[-1:]
    assert waiting.attachment_text is None


def test_moving_the_meeting_tells_everyone_with_an_address_in_their_language(meeting, db_session, publisher):
    c, people = meeting
    old_start, old_end = c.start_dt, c.end_dt
    new_start = old_start + timedelta(days=7, hours=-1)
    changes = _move(
        db_session,
        publisher,
        c,
        start_dt=new_start,
        end_dt=new_start + timedelta(hours=2),
        venue_name="Rinkeby bibliotek",
        room="Sal 2",
    )
    assert changes.told == 2  # the phone-only registrant cannot be e-mailed, the cancelled one is not told
    holder, waiting = _outbox(db_session, CHANGED)
    assert (holder.to_address, holder.language) == ("sara@example.com", "sv")
    assert (waiting.to_address, waiting.language) == ("ljuba@example.com", "rom")

    for message, language in ((holder, "sv"), (waiting, "rom")):
        title = c.title_sv if language == "sv" else c.title_rom
        assert message.subject == _in(language, "Changed: %(title)s", title=title)
        when = _in(language, "When:")
        assert (
            f"{when} {_when(language, old_start, old_end)} → {_when(language, c.start_dt, c.end_dt)}"
            in message.body_text
        )
        assert (
            f"{_in(language, 'Where:')} Tensta träff, Tensta allé 1 → Rinkeby bibliotek, Sal 2, Tensta allé 1"
            in message.body_text
        )
        assert _in(language, "Format:") not in message.body_text  # only what changed
        assert f"/{language}/registrations/" in message.body_text

    calendar, event = _event(holder)
    assert str(calendar["method"]) == "REQUEST"
    assert event["sequence"] == 1
    assert str(event["uid"]) == f"consultation-{c.id}@localhost"
    assert event.decoded("dtstart") == new_start
    assert str(event["status"]) == "CONFIRMED"
    assert "Rinkeby bibliotek" in str(event["location"])
    assert waiting.attachment_text is None  # still waiting: told, but not invited
    assert (
        _in("rom", "You are still on the waiting list. If you get a place, we will write to you.") in waiting.body_text
    )


def test_a_second_change_gets_a_higher_sequence(meeting, db_session, publisher):
    c, _people = meeting
    _move(db_session, publisher, c, start_dt=c.start_dt + timedelta(hours=1), end_dt=c.end_dt + timedelta(hours=1))
    _move(db_session, publisher, c, format=MeetingFormat.HYBRID, join_url="https://meet.example/samrad")
    first, second = [m for m in _outbox(db_session, CHANGED) if m.language == "sv"]
    assert _event(first)[1]["sequence"] == 1
    assert _event(second)[1]["sequence"] == 2
    assert c.ics_sequence == 2
    assert f"{_in('sv', 'Format:')} {_in('sv', 'In person')} → {_in('sv', 'In person and digital')}" in second.body_text
    assert f"{_in('sv', 'Link to the digital meeting:')} – → https://meet.example/samrad" in second.body_text
    assert _in("sv", "When:") + " " + _when("sv", c.start_dt, c.end_dt) + " →" not in second.body_text


def test_other_changes_send_nothing(meeting, db_session, publisher):
    c, _people = meeting
    changes = _move(
        db_session,
        publisher,
        c,
        summary_sv="Ny beskrivning.",
        title_rom="Nevo anav",
        capacity=5,
        accessibility_sv="Hörslinga finns.",
    )
    assert changes and changes.told == 0
    assert _outbox(db_session, CHANGED) == []


def test_an_unchanged_save_sends_nothing(meeting, db_session, publisher):
    c, _people = meeting
    _move(db_session, publisher, c, start_dt=c.start_dt, venue_name=c.venue_name)
    assert _outbox(db_session, CHANGED) == []


def test_nothing_is_announced_for_a_draft_or_a_meeting_that_is_over(
    create_consultation, board, data, db_session, publisher, ctx
):
    draft = create_consultation(board=board, status=S.DRAFT)
    _move(db_session, publisher, draft, venue_name="Annat ställe")
    past = create_consultation(board=board, start_dt=in_days(3))
    services.register(db_session, past, data(email="sara@example.com"))
    past.start_dt, past.end_dt = in_days(-3), in_days(-3) + timedelta(hours=2)  # held, not yet marked so
    db_session.commit()
    _move(db_session, publisher, past, room="Sal 3")  # a correction of the record
    assert _outbox(db_session, CHANGED) == []
    # a meeting that is over but moved to a coming day (it was postponed) is announced
    _move(db_session, publisher, past, start_dt=in_days(5), end_dt=in_days(5) + timedelta(hours=2))
    assert len(_outbox(db_session, CHANGED)) == 1


def test_cancelling_tells_everyone_and_cancels_the_calendar_entry(meeting, db_session, publisher):
    c, _people = meeting
    start, end = c.start_dt, c.end_dt
    consultations.cancel_consultation(
        db_session, publisher, c, {"reason_sv": "Lokalen har brunnit.", "reason_rom": "O than phabarda."}
    )
    db_session.commit()
    holder, waiting = _outbox(db_session, CANCELLED)
    assert (holder.to_address, waiting.to_address) == ("sara@example.com", "ljuba@example.com")
    assert holder.subject == _in("sv", "Cancelled: %(title)s", title=c.title_sv)
    assert waiting.subject == _in("rom", "Cancelled: %(title)s", title=c.title_rom)
    assert "Lokalen har brunnit." in holder.body_text and "O than phabarda." not in holder.body_text
    assert "O than phabarda." in waiting.body_text and "Lokalen har brunnit." not in waiting.body_text
    assert _when("rom", start, end) in waiting.body_text
    for message in (holder, waiting):
        assert message.attachment_type == "text/calendar; method=CANCEL"
        calendar, event = _event(message)
        assert str(calendar["method"]) == "CANCEL"
        assert str(event["status"]) == "CANCELLED"
        assert event["sequence"] == 1
        assert str(event["uid"]) == f"consultation-{c.id}@localhost"


def test_a_missing_romani_reason_is_given_in_swedish_and_says_so(meeting, db_session, publisher):
    c, _people = meeting
    consultations.cancel_consultation(db_session, publisher, c, {"reason_sv": "Lokalen har brunnit."})
    db_session.commit()
    (waiting,) = [m for m in _outbox(db_session, CANCELLED) if m.language == "rom"]
    assert f"{_in('rom', 'Reason (in Swedish, the translation is pending):')} Lokalen har brunnit." in waiting.body_text


def test_cancelling_a_draft_tells_nobody(create_consultation, board, db_session, publisher, ctx):
    draft = create_consultation(board=board, status=S.DRAFT)
    consultations.cancel_consultation(db_session, publisher, draft, {"reason_sv": "Blev inte av."})
    assert _outbox(db_session, CANCELLED) == []


def test_the_audience_counts_who_will_be_told(meeting, db_session):
    c, _people = meeting
    audience = consultations.announcement_audience(db_session, c)
    assert (audience.registrants, audience.waitlisted, audience.unreachable) == (1, 1, 1)


def test_withdrawing_ones_data_deletes_the_announcement_too(meeting, db_session, publisher):
    c, people = meeting
    _move(db_session, publisher, c, room="Sal 9")
    assert len(_outbox(db_session, CHANGED)) == 2
    services.withdraw_contact_data(db_session, people["holder"])
    db_session.commit()
    assert [m.to_address for m in _outbox(db_session, CHANGED)] == ["ljuba@example.com"]


# --- Through a real SMTP server -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("season", "local"), [("summer", datetime(2031, 6, 12, 18, 30)), ("winter", datetime(2031, 12, 11, 17, 0))]
)
def test_the_update_arrives_with_a_calendar_entry_at_the_new_stockholm_time(
    meeting, db_session, publisher, season, local
):
    from app.mail.services import SmtpSettings, deliver_pending
    from tests.mail.helpers import plain_text, smtp_server

    c, _people = meeting
    start = local.replace(tzinfo=STOCKHOLM).astimezone(timezone.utc)
    _move(db_session, publisher, c, start_dt=start, end_dt=start + timedelta(hours=2))
    db_session.execute(sa.update(OutboxMessage).where(OutboxMessage.kind != CHANGED).values(status="sent"))
    db_session.commit()
    with smtp_server() as (sink, port):
        sent, failed = deliver_pending(
            db_session, SmtpSettings(host="127.0.0.1", port=port, sender="noreply@x.example")
        )
    assert (sent, failed) == (2, 0)
    by_address = {str(m["To"]): m for m in sink.messages}
    sara, ljuba = by_address["sara@example.com"], by_address["ljuba@example.com"]
    assert (sara["Content-Language"], ljuba["Content-Language"]) == ("sv", "rom")
    assert plain_text(ljuba).startswith(_in("rom", "Hello %(name)s,", name="Ljuba"))
    assert list(ljuba.iter_attachments()) == []

    (attachment,) = sara.iter_attachments()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invitation.ics"
    calendar = Calendar.from_ical(attachment.get_content())
    (event,) = calendar.walk("VEVENT")
    assert event["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert event.decoded("dtstart").replace(tzinfo=None) == local  # the wall-clock time in Stockholm
    assert event.decoded("dtstart") == start
    offset = {"summer": timedelta(hours=2), "winter": timedelta(hours=1)}[season]
    assert event.decoded("dtstart").utcoffset() == offset
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert "RDATE" not in vtimezone.to_ical().decode()  # the form every calendar client reads
    assert event["sequence"] == 1


def test_the_cancellation_arrives_with_status_cancelled(meeting, db_session, publisher):
    from app.mail.services import SmtpSettings, deliver_pending
    from tests.mail.helpers import smtp_server

    c, _people = meeting
    consultations.cancel_consultation(db_session, publisher, c, {"reason_sv": "Lokalen har brunnit."})
    db_session.execute(sa.update(OutboxMessage).where(OutboxMessage.kind != CANCELLED).values(status="sent"))
    db_session.commit()
    with smtp_server() as (sink, port):
        deliver_pending(db_session, SmtpSettings(host="127.0.0.1", port=port, sender="noreply@x.example"))
    assert sorted(str(m["To"]) for m in sink.messages) == ["ljuba@example.com", "sara@example.com"]
    for message in sink.messages:
        (attachment,) = message.iter_attachments()
        assert attachment.get_param("method") == "CANCEL"
        (event,) = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
        assert str(event["status"]) == "CANCELLED"
        assert event.decoded("dtstart") == c.start_dt


def test_sent_announcements_are_redacted_with_their_attachment(meeting, db_session, publisher):
    from app.mail.services import redact_delivered

    c, _people = meeting
    _move(db_session, publisher, c, room="Sal 9")
    db_session.execute(sa.update(OutboxMessage).values(status="sent", sent_dt=utcnow() - timedelta(hours=49)))
    redact_delivered(db_session, now=utcnow(), keep_hours=48)
    db_session.commit()
    for message in _outbox(db_session, CHANGED):
        db_session.refresh(message)
        assert (message.to_address, message.body_text, message.attachment_text) == ("", "", None)


# --- Staff pages --------------------------------------------------------------------------------


def _edit_form(c, **overrides):
    local = c.start_dt.astimezone(STOCKHOLM)
    data = {
        "title_sv": c.title_sv,
        "title_rom": c.title_rom,
        "summary_sv": c.summary_sv,
        "summary_rom": c.summary_rom,
        "influence_sv": c.influence_sv,
        "influence_rom": c.influence_rom,
        "decided_sv": c.decided_sv,
        "decided_rom": c.decided_rom,
        "is_open": "open",
        "format": c.format.value,
        "start_dt": local.strftime("%Y-%m-%dT%H:%M"),
        "end_dt": c.end_dt.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M"),
        "venue_name": c.venue_name,
        "address": c.address,
        "capacity": str(c.capacity),
        "interpreter_languages": c.interpreter_languages,
        "version": str(c.version),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _ngettext(language, singular, plural, n):
    from app.i18n import ngettext

    with force_language(language):
        return ngettext(singular, plural, n)


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_the_edit_form_says_who_will_be_told(client, auth, meeting, publisher, lang):
    c, _people = meeting
    auth.login(publisher)
    html = client.get(f"/{lang}/staff/consultations/{c.id}/edit").get_data(as_text=True)
    assert (
        _ngettext(
            lang,
            "If you change the time, date, place, format or link, %(num)d registrant will be told by e-mail,",
            "If you change the time, date, place, format or link, %(num)d registrants will be told by e-mail,",
            1,
        )
        in html
    )
    assert (
        _ngettext(lang, "and %(num)d person on the waiting list.", "and %(num)d people on the waiting list.", 1) in html
    )
    assert (
        _ngettext(
            lang,
            "%(num)d registration has no e-mail address: call them.",
            "%(num)d registrations have no e-mail address: call them.",
            1,
        )
        in html
    )
    assert 'aria-describedby="audience-where"' in html


def test_the_edit_form_of_a_draft_says_nothing_about_telling(client, auth, create_consultation, board, publisher):
    c = create_consultation(board=board, status=S.DRAFT)
    auth.login(publisher)
    html = client.get(f"/sv/staff/consultations/{c.id}/edit").get_data(as_text=True)
    assert 'id="audience-where"' not in html


def test_saving_a_new_time_tells_them_and_says_so(client, auth, meeting, publisher, db_session):
    c, _people = meeting
    auth.login(publisher)
    response = client.post(
        f"/sv/staff/consultations/{c.id}/edit",
        follow_redirects=True,
        data=_edit_form(c, start_dt="2031-05-05T17:00", end_dt="2031-05-05T19:00"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        _ngettext(
            "sv",
            "%(num)d person has been told about the change by e-mail.",
            "%(num)d people have been told about the change by e-mail.",
            2,
        )
        in html
    )
    assert len(_outbox(db_session, CHANGED)) == 2


def test_saving_other_changes_tells_nobody(client, auth, meeting, publisher, db_session):
    c, _people = meeting
    auth.login(publisher)
    response = client.post(
        f"/sv/staff/consultations/{c.id}/edit",
        follow_redirects=True,
        data=_edit_form(c, summary_sv="En bättre beskrivning."),
    )
    assert response.status_code == 200
    assert c.summary_sv == "En bättre beskrivning."
    assert _outbox(db_session, CHANGED) == []
    assert "told about the change" not in response.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_the_cancel_form_says_who_will_be_told_and_cancelling_tells_them(
    client, auth, meeting, publisher, db_session, lang
):
    c, _people = meeting
    auth.login(publisher)
    html = client.get(f"/{lang}/staff/consultations/{c.id}/cancel").get_data(as_text=True)
    assert (
        _ngettext(
            lang,
            "%(num)d registrant will be told by e-mail that the meeting is cancelled,",
            "%(num)d registrants will be told by e-mail that the meeting is cancelled,",
            1,
        )
        in html
    )
    assert (
        _ngettext(lang, "and %(num)d person on the waiting list.", "and %(num)d people on the waiting list.", 1) in html
    )
    response = client.post(
        f"/{lang}/staff/consultations/{c.id}/cancel", data={"reason_sv": "Sjukdom."}, follow_redirects=True
    )
    assert c.status is S.CANCELLED
    assert _ngettext(
        lang, "%(num)d person has been told by e-mail.", "%(num)d people have been told by e-mail.", 2
    ) in response.get_data(as_text=True)
    assert len(_outbox(db_session, CANCELLED)) == 2


# --- A registrant cancels by the private link (issue 16, item 5) --------------------------------


def test_cancelling_by_the_private_link_is_confirmed_by_e_mail(client, create_consultation, board, db_session, ctx):
    from app.mail.services import SmtpSettings, deliver_pending
    from tests.mail.helpers import plain_text, smtp_server

    c = create_consultation(board=board)
    form = {
        "name": "Ljuba",
        "email": "ljuba@example.com",
        "language": "rom",
        "consent": "y",
        "submission_key": "k" * 20,
    }
    location = client.post(f"/rom/consultations/{c.id}/register", data=form).headers["Location"]
    assert client.post(f"{location}/cancel").status_code == 302
    with smtp_server() as (sink, port):
        sent, failed = deliver_pending(
            db_session, SmtpSettings(host="127.0.0.1", port=port, sender="noreply@x.example")
        )
    assert (sent, failed) == (2, 0)
    confirmed, cancelled = sink.messages
    assert cancelled["Subject"] == _in("rom", "Your registration is cancelled – %(title)s", title=c.title_rom)
    assert cancelled["Content-Language"] == "rom"
    assert str(cancelled["To"]) == "ljuba@example.com"
    body = plain_text(cancelled)
    assert _in("rom", "Hello %(name)s,", name="Ljuba") in body
    assert f"/rom/consultations/{c.id}" in body
    # the calendar entry the confirmation added is taken out again: same UID, cancelled
    (invitation,) = confirmed.iter_attachments()
    (removal,) = cancelled.iter_attachments()
    (added,) = Calendar.from_ical(invitation.get_content()).walk("VEVENT")
    (removed,) = Calendar.from_ical(removal.get_content()).walk("VEVENT")
    assert removal.get_param("method") == "CANCEL"
    assert str(removed["uid"]) == str(added["uid"])
    assert str(removed["status"]) == "CANCELLED"
