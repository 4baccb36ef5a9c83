"""The purge job removes contact data on schedule and keeps the anonymous record."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from app.feedback.models import FeedbackReport
from app.jobs.retention import purge_contact_data
from app.participation.models import Contact, Viewpoint
from app.registrations.models import Registration, RegistrationStatus


def _view(consultation, code, email):
    return Viewpoint(
        consultation=consultation,
        reference_code=code,
        body="Min synpunkt",
        language="sv",
        contact=Contact(name="Maria", email=email),
        show_name=True,
        publish_consent=True,
    )


def _registration(consultation, email):
    return Registration(
        consultation=consultation,
        token=secrets.token_urlsafe(16),
        status=RegistrationStatus.CONFIRMED,
        contact=Contact(name="Jovan", email=email),
        needs="Rullstol",
    )


def test_purge_respects_schedule(db_session, create_consultation, runner, app):
    now = utcnow()
    old = create_consultation(status=S.FEEDBACK_PUBLISHED)
    recent = create_consultation(status=S.FEEDBACK_PUBLISHED)
    unpublished = create_consultation(status=S.HELD)
    cancelled = create_consultation(status=S.CANCELLED, cancelled_dt=now - timedelta(days=200))
    db_session.add_all(
        [
            FeedbackReport(consultation=old, published_dt=now - timedelta(days=91)),
            FeedbackReport(consultation=recent, published_dt=now - timedelta(days=89)),
            FeedbackReport(consultation=unpublished),
            _view(old, "AAAA-AAAA", "old@example.org"),
            _registration(old, "old-r@example.org"),
            _view(recent, "BBBB-BBBB", "recent@example.org"),
            _view(unpublished, "CCCC-CCCC", "held@example.org"),
            _registration(cancelled, "cancelled@example.org"),
        ]
    )
    db_session.commit()

    result = purge_contact_data(db_session, now=now, retention_days=90)
    db_session.commit()

    emails = set(db_session.scalars(sa.select(Contact.email)))
    assert emails == {"recent@example.org", "held@example.org"}
    assert (result.consultations, result.contacts, result.needs) == (2, 3, 2)
    old_view = db_session.scalar(sa.select(Viewpoint).where(Viewpoint.reference_code == "AAAA-AAAA"))
    assert old_view.body == "Min synpunkt" and old_view.contact_id is None and not old_view.show_name
    old_registrations = db_session.scalars(sa.select(Registration).where(Registration.consultation_id == old.id)).all()
    assert len(old_registrations) == 1 and old_registrations[0].needs is None
    assert old_registrations[0].status is RegistrationStatus.CONFIRMED  # counts stay
    again = purge_contact_data(db_session, now=now, retention_days=90)
    assert again.contacts == 0


def test_purge_command(runner, db_session, create_consultation):
    result = runner.invoke(args=["purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "Purged 0 contacts" in result.output


def _wish(board, email, status, answered_days_ago):
    from app.wishes.models import Wish, WishKind

    answered = utcnow() - timedelta(days=answered_days_ago) if answered_days_ago is not None else None
    return Wish(
        kind=WishKind.TOPIC,
        text=f"Önskan från {email}",
        language="sv",
        boards=[board],
        contact=Contact(name="Sara", email=email),
        wants_answer=True,
        status=status,
        answer_sv="Svar" if answered else None,
        answered_dt=answered,
    )


def test_purge_command_removes_wish_contacts_on_their_own_schedule(
    runner, app, db_session, create_board, create_consultation
):
    from app.wishes.models import Wish
    from app.wishes.models import WishStatus as W

    app.config.update(CONTACT_RETENTION_DAYS=90, WISH_CONTACT_RETENTION_DAYS=30)
    board = create_board()
    consultation = create_consultation(status=S.FEEDBACK_PUBLISHED)
    db_session.add_all(
        [
            FeedbackReport(consultation=consultation, published_dt=utcnow() - timedelta(days=60)),
            _view(consultation, "DDDD-DDDD", "view@example.org"),  # 60 days < 90: not due
            _wish(board, "answered-due@example.org", W.ANSWERED, 31),
            _wish(board, "declined-due@example.org", W.DECLINED, 200),
            _wish(board, "answered-recent@example.org", W.ANSWERED, 29),
            _wish(board, "planned@example.org", W.PLANNED, 200),  # still to be told: kept
            _wish(board, "new@example.org", W.NEW, None),
        ]
    )
    db_session.commit()

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 0 contacts" in result.output and "and 2 wish contacts" in result.output
    emails = set(db_session.scalars(sa.select(Contact.email)))
    assert {"view@example.org", "answered-recent@example.org", "planned@example.org", "new@example.org"} <= emails
    assert not emails & {"answered-due@example.org", "declined-due@example.org"}
    purged = db_session.scalar(sa.select(Wish).where(Wish.text == "Önskan från answered-due@example.org"))
    assert purged.contact_id is None and not purged.wants_answer
    assert purged.status is W.ANSWERED and purged.answer_sv == "Svar"  # the wish and its answer stay
    kept = db_session.scalar(sa.select(Wish).where(Wish.text == "Önskan från answered-recent@example.org"))
    assert kept.contact.email == "answered-recent@example.org" and kept.wants_answer

    again = runner.invoke(args=["purge"])
    assert again.exit_code == 0 and "and 0 wish contacts" in again.output


@pytest.mark.parametrize(
    "args,purged",
    [
        (["--days", "10"], 1),  # --days covers wishes too
        (["--days", "10", "--wish-days", "100"], 0),
        (["--wish-days", "10"], 1),
        ([], 0),
    ],
)
def test_purge_command_wish_days_options(runner, app, db_session, create_board, args, purged):
    from app.wishes.models import WishStatus as W

    app.config.update(CONTACT_RETENTION_DAYS=90, WISH_CONTACT_RETENTION_DAYS=90)
    db_session.add(_wish(create_board(), "sara@example.org", W.ANSWERED, 20))
    db_session.commit()
    result = runner.invoke(args=["purge", *args])
    assert result.exit_code == 0, result.output
    assert f"and {purged} wish contacts" in result.output
    remaining = db_session.scalar(sa.select(Contact).where(Contact.email == "sara@example.org"))
    assert (remaining is None) == bool(purged)


def test_purge_command_refuses_negative_days(runner):
    result = runner.invoke(args=["purge", "--days", "-1"])
    assert result.exit_code != 0 and "-1" in result.output
