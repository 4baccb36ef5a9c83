"""The purge job removes contact data on schedule and keeps the anonymous record."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa

from app.consultations.models import ConsultationStatus as S
from app.core.retention import purge_contact_data
from app.db import utcnow
from app.feedback.models import FeedbackReport
from app.participation.models import Contact, Viewpoint
from app.registrations.models import Registration, RegistrationStatus


def _view(consultation, code, email):
    return Viewpoint(consultation=consultation, reference_code=code, body="Min synpunkt", language="sv",
                     contact=Contact(name="Maria", email=email), show_name=True, publish_consent=True)


def _registration(consultation, email):
    return Registration(consultation=consultation, token=secrets.token_urlsafe(16), status=RegistrationStatus.CONFIRMED,
                        contact=Contact(name="Jovan", email=email), needs="Rullstol")


def test_purge_respects_schedule(db_session, create_consultation, runner, app):
    now = utcnow()
    old = create_consultation(status=S.FEEDBACK_PUBLISHED)
    recent = create_consultation(status=S.FEEDBACK_PUBLISHED)
    unpublished = create_consultation(status=S.HELD)
    cancelled = create_consultation(status=S.CANCELLED, cancelled_dt=now - timedelta(days=200))
    db_session.add_all([
        FeedbackReport(consultation=old, published_dt=now - timedelta(days=91)),
        FeedbackReport(consultation=recent, published_dt=now - timedelta(days=89)),
        FeedbackReport(consultation=unpublished),
        _view(old, "AAAA-AAAA", "old@example.org"), _registration(old, "old-r@example.org"),
        _view(recent, "BBBB-BBBB", "recent@example.org"),
        _view(unpublished, "CCCC-CCCC", "held@example.org"),
        _registration(cancelled, "cancelled@example.org"),
    ])
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
