"""The speaker confirms what staff wrote down (issue 16, item 17; issue 18, item 4): an oral
view, or a recorded one once transcribed, goes to its speaker by e-mail with a private link,
and stays "awaiting the speaker" (not public) until confirmed, corrected or the time runs out."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.common.errors import DomainError
from app.db import utcnow
from app.i18n import force_language, format_date, gettext
from app.jobs.retention import purge_contact_data
from app.mail.models import OutboxMessage
from app.participation import services, speaker
from app.participation.models import Channel, SpeakerCheck, Viewpoint

KIND = "viewpoint.confirm_transcription"
SAID = "Kamas te avel jekh tolmači ande sa le kidimata."


@pytest.fixture
def consultation(create_consultation, board):
    return create_consultation(board=board)


def _record(db_session, staff, consultation, *, email="ana@example.org", language="rom", consent=True):
    view = services.record_spoken_viewpoint(
        db_session,
        staff,
        consultation,
        services.ViewpointData(
            body=SAID, language=language, name="Ana", email=email, contact_language=language, publish_consent=consent
        ),
        channel=Channel.PHONE,
    )
    db_session.commit()
    return view


def _mails(db_session):
    return list(
        db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == KIND).order_by(OutboxMessage.id))
    )


def _link(message) -> str:
    """The path of the private link in a message."""
    match = re.search(r"https?://[^/\s]+(/(sv|rom)/views/check/[A-Za-z0-9_-]+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def _public_ids(db_session):
    return set(db_session.scalars(sa.select(Viewpoint.id).where(Viewpoint.public_clause())))


def _in(language, text, **variables):
    with force_language(language):
        return gettext(text, **variables)


# --- Services ------------------------------------------------------------------------------------


def test_an_oral_view_with_an_address_goes_to_the_speaker_in_their_language_and_waits(
    db_session, staff, consultation, ctx
):
    view = _record(db_session, staff, consultation)
    assert view.speaker_check is SpeakerCheck.AWAITING
    assert view.awaiting_speaker and not view.is_public
    assert view.id not in _public_ids(db_session)
    assert view.speaker_due_dt == view.speaker_asked_dt + timedelta(days=14)

    (mail,) = _mails(db_session)
    assert (mail.to_address, mail.language, mail.contact_id) == ("ana@example.org", "rom", view.contact_id)
    assert mail.subject == _in("rom", "Is this what you said? – %(title)s", title=consultation.title_rom)
    assert SAID in mail.body_text
    with force_language("rom"):
        due = format_date(view.speaker_due_dt)
    assert (
        _in(
            "rom",
            "Until you answer, the view is not published. If we have not heard from you by %(date)s, it "
            "may be published as it is written here.",
            date=due,
        )
        in mail.body_text
    )
    with force_language("rom"):
        from app.i18n import ngettext

        assert ngettext("You have %(num)d day to answer.", "You have %(num)d days to answer.", 14) in mail.body_text
    link = _link(mail)
    assert link.startswith("/rom/views/check/")
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    # only a hash of the secret is stored
    assert view.speaker_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in view.speaker_token_hash
    assert speaker.get_by_speaker_token(db_session, token) is view


def test_without_an_address_nothing_is_sent_and_the_view_is_public_at_once(db_session, staff, consultation, ctx):
    view = _record(db_session, staff, consultation, email=None)
    assert view.speaker_check is None and view.is_public
    assert view.id in _public_ids(db_session)
    assert _mails(db_session) == []


def test_the_time_to_answer_is_configurable_and_when_it_runs_out_the_view_may_be_published(
    db_session, staff, consultation, app, ctx
):
    app.config["SPEAKER_CONFIRM_DAYS"] = 3
    view = _record(db_session, staff, consultation)
    assert view.speaker_due_dt == view.speaker_asked_dt + timedelta(days=3)
    with force_language("rom"):
        from app.i18n import ngettext

        assert (
            ngettext("You have %(num)d day to answer.", "You have %(num)d days to answer.", 3)
            in _mails(db_session)[0].body_text
        )
    view.speaker_due_dt = utcnow() - timedelta(minutes=1)
    db_session.commit()
    assert not view.awaiting_speaker and view.is_public
    assert view.id in _public_ids(db_session)
    assert view.speaker_check is SpeakerCheck.AWAITING  # the speaker may still answer
    assert speaker.can_answer(view)


def test_confirming_makes_the_view_publishable(db_session, staff, consultation, ctx):
    view = _record(db_session, staff, consultation)
    speaker.confirm_transcription(db_session, view)
    assert view.speaker_check is SpeakerCheck.CONFIRMED and view.speaker_answered_dt is not None
    assert view.is_public and view.body == SAID
    with pytest.raises(DomainError):
        speaker.confirm_transcription(db_session, view)  # one answer


def test_a_correction_replaces_the_text_and_the_audit_log_keeps_the_earlier_one(db_session, staff, consultation, ctx):
    view = _record(db_session, staff, consultation)
    speaker.correct_transcription(db_session, view, "  Kamas jekh romani tolmači.  ")
    assert view.speaker_check is SpeakerCheck.CORRECTED
    assert view.body == "Kamas jekh romani tolmači." and view.is_public
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "viewpoint.speaker_corrected"))
    assert (event.actor_id, event.before, event.after) == (None, {"body": SAID}, {"body": "Kamas jekh romani tolmači."})


def test_a_correction_needs_text_and_the_same_text_is_a_confirmation(db_session, staff, consultation, ctx):
    view = _record(db_session, staff, consultation)
    with pytest.raises(DomainError) as error:
        speaker.correct_transcription(db_session, view, "   ")
    assert error.value.field == "body" and view.awaiting_speaker
    speaker.correct_transcription(db_session, view, SAID + "\n")
    assert view.speaker_check is SpeakerCheck.CONFIRMED


def test_without_publication_consent_a_confirmed_view_stays_unpublished(db_session, staff, consultation, ctx):
    view = _record(db_session, staff, consultation, consent=False)
    speaker.confirm_transcription(db_session, view)
    assert not view.is_public and view.id not in _public_ids(db_session)


def test_the_link_is_purged_with_the_contact_data(db_session, staff, consultation, ctx):
    from app.consultations.models import ConsultationStatus

    view = _record(db_session, staff, consultation)
    token = _link(_mails(db_session)[0]).rsplit("/", 1)[1]
    consultation.status = ConsultationStatus.CANCELLED
    consultation.cancelled_dt = utcnow() - timedelta(days=400)
    db_session.commit()
    purge_contact_data(db_session, now=utcnow(), retention_days=90)
    db_session.commit()
    db_session.refresh(view)
    assert view.contact_id is None and view.speaker_token_hash is None
    assert speaker.get_by_speaker_token(db_session, token) is None
    assert _mails(db_session) == []  # the message with the link went with the contact


def test_unknown_and_malformed_tokens_find_nothing(db_session, staff, consultation, ctx):
    _record(db_session, staff, consultation)
    for token in ("", "x" * 43, "../../etc/passwd", "a" * 200):
        assert speaker.get_by_speaker_token(db_session, token) is None


# --- The speaker's page ---------------------------------------------------------------------------


def test_the_speaker_reads_and_confirms_by_the_private_link(client, db_session, staff, consultation, ctx):
    view = _record(db_session, staff, consultation)
    link = _link(_mails(db_session)[0])
    page = client.get(link)
    assert page.status_code == 200
    assert (page.headers["Cache-Control"], page.headers["Referrer-Policy"]) == ("no-store", "no-referrer")
    html = page.get_data(as_text=True)
    assert SAID in html and 'lang="rom"' in html
    assert _in("rom", "Yes, this is what I said") in html
    response = client.post(link, data={"body": SAID, "confirm": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(link)
    db_session.expire_all()
    assert view.speaker_check is SpeakerCheck.CONFIRMED and view.is_public
    html = client.get(link).get_data(as_text=True)
    with force_language("rom"):
        answered = format_date(view.speaker_answered_dt)
    assert _in("rom", "Thank you. You confirmed the text on %(date)s.", date=answered) in html
    assert 'name="confirm"' not in html


def test_the_speaker_corrects_by_the_private_link(client, db_session, staff, consultation, ctx):
    view = _record(db_session, staff, consultation, language="sv")
    link = _link(_mails(db_session)[0])
    assert link.startswith("/sv/")
    response = client.post(link, data={"body": "", "correct": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="body-error"' in html
    assert _in("sv", "Write what you said, or confirm the text as it is.") in html
    client.post(link, data={"body": "Jag vill ha tolk på alla möten.", "correct": "1"})
    db_session.expire_all()
    assert view.speaker_check is SpeakerCheck.CORRECTED and view.body == "Jag vill ha tolk på alla möten."


def test_a_wrong_link_is_a_404_that_says_why(client, db_session, staff, consultation, ctx):
    _record(db_session, staff, consultation)
    response = client.get("/rom/views/check/" + "A" * 43)
    assert response.status_code == 404 and response.headers["Cache-Control"] == "no-store"
    assert _in("rom", "This link does not work") in response.get_data(as_text=True)


# --- Staff --------------------------------------------------------------------------------------


def test_staff_record_an_oral_view_and_see_it_awaits_the_speaker(client, auth, db_session, staff, consultation, ctx):
    auth.login(staff)
    form = client.get(f"/sv/staff/consultations/{consultation.id}/views/new").get_data(as_text=True)
    assert (
        _in(
            "sv",
            "Optional. The speaker gets what you wrote down, to confirm or correct it within %(days)s days; "
            "until then the view is not published.",
            days=14,
        )
        in form
    )
    response = client.post(
        f"/sv/staff/consultations/{consultation.id}/views/new",
        data={
            "channel": "phone",
            "body": SAID,
            "language": "rom",
            "romani_variety": "kalderash",
            "agenda_item_id": "",
            "name": "Ana",
            "email": "ana@example.org",
            "publish_consent": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    view = db_session.scalar(sa.select(Viewpoint))
    assert view.awaiting_speaker
    (mail,) = _mails(db_session)
    assert mail.language == "rom"
    html = client.get(f"/sv/staff/consultations/{consultation.id}/views").get_data(as_text=True)
    assert _in("sv", "Awaiting the speaker") in html
    speaker.confirm_transcription(db_session, view)
    db_session.commit()
    html = client.get(f"/sv/staff/consultations/{consultation.id}/views").get_data(as_text=True)
    assert _in("sv", "Confirmed by the speaker") in html


def test_public_pages_list_only_what_the_speaker_released(db_session, staff, consultation, ctx):
    """The feedback page's counts and paged list select with ``Viewpoint.public_clause``."""
    waiting = _record(db_session, staff, consultation)
    released = _record(db_session, staff, consultation)
    speaker.confirm_transcription(db_session, released)
    db_session.commit()
    assert _public_ids(db_session) == {released.id}
    assert [v.is_public for v in (waiting, released)] == [False, True]


# --- A recorded view, once staff transcribe it (issue 18, item 4) --------------------------------


def test_a_transcribed_recording_goes_to_the_speaker_who_left_an_address(
    client, auth, db_session, staff, consultation, ctx
):
    from app.consultations.models import AgendaItem
    from app.participation import audio
    from tests.media import sounds
    from tests.participation.test_spoken_views import _post

    sounds.require_ffmpeg()
    consultation.agenda_items.append(AgendaItem(title_sv="Fråga ett", title_rom="Pušimos jekh", position=1))
    db_session.commit()
    response = _post(
        client, consultation, sounds.tone_webm(1.0), publish_consent="y", name="Ana", email="ana@example.org"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    view = db_session.scalar(sa.select(Viewpoint))
    assert view.speaker_check is None and _mails(db_session) == []  # nothing to confirm yet
    auth.login(staff)
    url = f"/sv/staff/views/{view.id}/transcribe"
    draft = {"transcription": SAID, "provenance": "human", "transcriber": "Brobyggare B"}
    client.post(url, data=draft | {"save": "1"})
    assert _mails(db_session) == []  # a draft is not sent
    client.post(url, data=draft | {"publish": "1"})
    db_session.expire_all()
    assert view.body == SAID and view.awaiting_speaker and not view.is_public
    (first,) = _mails(db_session)
    assert first.language == "rom" and SAID in first.body_text
    client.post(url, data=draft | {"publish": "1"})  # published again unchanged: not asked again
    assert len(_mails(db_session)) == 1
    client.post(url, data=draft | {"transcription": SAID + " Palikerav.", "publish": "1"})
    db_session.expire_all()
    old, new = _mails(db_session)
    assert "Palikerav." in new.body_text
    auth.logout()
    assert client.get(_link(old)).status_code == 404  # the newer text's link replaces the older one
    client.post(_link(new), data={"body": view.body, "confirm": "1"})
    db_session.expire_all()
    assert view.speaker_check is SpeakerCheck.CONFIRMED and view.is_public
    assert audio.get_recording(db_session, view.id).transcription == SAID + " Palikerav."
