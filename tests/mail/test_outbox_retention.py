"""The outbox keeps names, addresses and private links only as long as it must.

Sent mail is redacted ``OUTBOX_KEEP_HOURS`` after delivery (``flask send-mail``
and ``flask purge``); withdrawing one's data and the scheduled purge delete the
messages to that person; survey answers' contact details are purged on schedule.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from app.experiences.models import ExperienceRecord, RecordKind, Service
from app.feedback.models import FeedbackReport, FeedbackRevision
from app.jobs.retention import purge_answer_contacts
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.services import forget_contacts, redact_delivered
from app.participation.models import Channel, Contact, Viewpoint
from app.registrations import services as registrations
from app.wishes.models import Wish, WishKind, WishStatus


def _message(db_session, *, status=OutboxStatus.SENT, hours_ago=0.0, contact=None, to="ana@example.org"):
    when = utcnow() - timedelta(hours=hours_ago)
    message = OutboxMessage(
        to_address=to,
        subject="Din plats",
        body_text="Hej Ana, din länk: https://x.example/sv/registrations/SECRET",
        language="sv",
        kind="registration.confirmed",
        status=status,
        sent_dt=when if status is OutboxStatus.SENT else None,
        next_attempt_dt=when,
        created_dt=when,
        contact_id=contact.id if contact is not None else None,
        last_error="550 ana@example.org unknown" if status is OutboxStatus.FAILED else None,
        attachment_name="invitation.ics",
        attachment_type="text/calendar; method=REQUEST",
        attachment_text="BEGIN:VCALENDAR\r\nATTENDEE:mailto:ana@example.org\r\nEND:VCALENDAR\r\n",
    )
    db_session.add(message)
    db_session.commit()
    return message


def _private_text(message: OutboxMessage) -> str:
    return " ".join(
        filter(
            None,
            [
                message.to_address,
                message.subject,
                message.body_text,
                message.last_error,
                message.attachment_name,
                message.attachment_type,
                message.attachment_text,
            ],
        )
    )


def test_send_mail_redacts_what_was_sent_after_the_window(db_session, runner, app):
    old_sent = _message(db_session, hours_ago=49)
    old_failed = _message(db_session, status=OutboxStatus.FAILED, hours_ago=49)
    recent = _message(db_session, hours_ago=47)
    pending = _message(db_session, status=OutboxStatus.PENDING, hours_ago=60)
    pending.next_attempt_dt = utcnow() + timedelta(hours=1)  # not due: send-mail leaves it alone
    db_session.commit()

    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Redacted 2" in result.output
    for message in (old_sent, old_failed, recent, pending):
        db_session.refresh(message)
    assert _private_text(old_sent) == "" and _private_text(old_failed) == ""
    assert (old_sent.kind, old_sent.status, old_sent.sent_dt is not None) == (
        "registration.confirmed",
        OutboxStatus.SENT,
        True,
    )
    assert "SECRET" in recent.body_text and "SECRET" in pending.body_text
    assert redact_delivered(db_session, now=utcnow(), keep_hours=48) == 0  # idempotent


def test_the_window_is_configured(db_session, app):
    message = _message(db_session, hours_ago=3)
    assert redact_delivered(db_session, now=utcnow(), keep_hours=app.config["OUTBOX_KEEP_HOURS"]) == 0
    assert redact_delivered(db_session, now=utcnow(), keep_hours=2) == 1
    db_session.refresh(message)
    assert "SECRET" not in message.body_text


def test_purge_redacts_the_outbox_too(db_session, runner):
    message = _message(db_session, hours_ago=100)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Redacted 1" in result.output
    db_session.refresh(message)
    assert _private_text(message) == ""


def test_withdrawing_ones_data_deletes_the_mail_with_the_private_link(client, db_session, create_consultation, app):
    consultation = create_consultation()
    with app.test_request_context("/sv/"):
        registration = registrations.register(
            db_session,
            consultation,
            registrations.RegistrationData(name="Ana", email="ana@example.org", language="sv", consent=True),
        )
        db_session.commit()
    sent = db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == "ana@example.org")).all()
    assert sent and all(m.contact_id == registration.contact_id for m in sent)
    assert any(registration.token in m.body_text for m in sent)
    other = _message(db_session, to="bojan@example.org")  # someone else's mail stays

    assert client.post(f"/sv/registrations/{registration.token}/withdraw").status_code == 302
    left = db_session.scalars(sa.select(OutboxMessage)).all()
    assert [m.id for m in left] == [other.id]
    assert not any(registration.token in m.body_text or "ana@example.org" in m.to_address for m in left)


def test_the_scheduled_purge_deletes_the_mail_to_purged_contacts(db_session, create_consultation, runner):
    now = utcnow()
    consultation = create_consultation(status=S.FEEDBACK_PUBLISHED)
    contact = Contact(name="Maria", email="maria@example.org")
    db_session.add_all(
        [
            FeedbackReport(consultation=consultation, published_dt=now - timedelta(days=91)),
            Viewpoint(
                consultation=consultation,
                reference_code="PURG-EMA1",
                body="Synpunkt",
                language="sv",
                contact=contact,
                wants_feedback=True,
            ),
        ]
    )
    db_session.commit()
    pending = _message(db_session, status=OutboxStatus.PENDING, contact=contact, to="maria@example.org")
    pending.next_attempt_dt = now + timedelta(days=1)
    _message(db_session, contact=contact, to="maria@example.org")
    db_session.commit()
    assert runner.invoke(args=["purge"]).exit_code == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_purging_wish_contacts_deletes_their_mail(db_session, create_board):
    from app.wishes.services import purge_contacts

    contact = Contact(email="wish@example.org")
    wish = Wish(
        kind=WishKind.TOPIC,
        text="Samråd om bostäder",
        language="sv",
        boards=[create_board()],
        contact=contact,
        wants_answer=True,
        status=WishStatus.ANSWERED,
        answered_dt=utcnow() - timedelta(days=100),
    )
    db_session.add(wish)
    db_session.commit()
    _message(db_session, contact=contact, to="wish@example.org")
    assert purge_contacts(db_session, now=utcnow(), retention_days=90) == 1
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_forget_contacts_leaves_other_peoples_mail(db_session):
    ana, bo = Contact(email="ana@example.org"), Contact(email="bo@example.org")
    db_session.add_all([ana, bo])
    db_session.commit()
    _message(db_session, contact=ana)
    kept = _message(db_session, contact=bo, to="bo@example.org")
    assert forget_contacts(db_session, [ana.id]) == 1
    assert [m.id for m in db_session.scalars(sa.select(OutboxMessage))] == [kept.id]


# --- Survey answers' contact details ---------------------------------------------------------


@pytest.fixture
def service(db_session, create_board):
    svc = Service(board=create_board(), name_sv="Läsambassad", name_rom="Chitaimaski ambasada")
    db_session.add(svc)
    db_session.commit()
    return svc


def _record(db_session, service, email, days_ago):
    record = ExperienceRecord(
        service_id=service.id,
        kind=RecordKind.SURVEY,
        channel=Channel.WEB,
        occurred_on=date(2026, 5, 1),
        language="sv",
        wants_updates=True,
        contact=Contact(email=email),
        created_dt=utcnow() - timedelta(days=days_ago),
    )
    db_session.add(record)
    db_session.commit()
    return record


def test_survey_answer_contacts_are_purged_after_the_measures_or_at_the_latest_after_a_year(db_session, service):
    now = utcnow()
    told = _record(db_session, service, "told@example.org", days_ago=200)  # measures published 100 days ago
    after = _record(db_session, service, "after@example.org", days_ago=50)  # answered after those measures
    old = _record(db_session, service, "old@example.org", days_ago=400)  # a year and more, measures or not
    report = FeedbackReport(service_id=service.id, published_dt=now - timedelta(days=100))
    db_session.add(report)
    db_session.flush()
    db_session.add(FeedbackRevision(report_id=report.id, number=1, published_dt=now - timedelta(days=100), snapshot={}))
    db_session.commit()
    _message(db_session, contact=told.contact, to="told@example.org")

    assert purge_answer_contacts(db_session, now=now, retention_days=90, max_days=365) == 2
    emails = set(db_session.scalars(sa.select(Contact.email)))
    assert emails == {"after@example.org"}
    for record in (told, after, old):
        db_session.refresh(record)
    assert told.contact_id is None and not told.wants_updates and old.contact_id is None
    assert after.contact_id is not None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert purge_answer_contacts(db_session, now=now, retention_days=90, max_days=365) == 0


def test_purge_command_reaches_survey_answer_contacts(db_session, service, runner):
    _record(db_session, service, "old@example.org", days_ago=400)
    result = runner.invoke(args=["purge"])
    assert "1 survey answer contacts" in result.output, result.output
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
