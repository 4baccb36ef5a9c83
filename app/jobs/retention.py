"""Retention (gallring) of personal data.

Views are public records and stay; what identifies people does not. A set
time after a consultation's feedback is published (or after it was
cancelled), the contact data of its registrants and view authors is deleted,
and so are registrants' free-text needs (which can describe health) and
every outbox message to those people. The anonymous records — the views
themselves, the registrations as counts, attendance — stay.

A person who answers a survey may leave an e-mail address to be told when the
service publishes its measures (:func:`purge_answer_contacts`). The address is
deleted ``retention_days`` after the first publication of measures for that
service that came after the answer (the promise is kept, and updates within
that time reach them too), and in any case ``max_days`` after the answer, so
that an address never outlives a service that publishes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.consultations.models import Consultation, ConsultationStatus
from app.db import rowcount
from app.experiences.models import ExperienceRecord
from app.feedback.models import FeedbackReport, FeedbackRevision
from app.mail.services import forget_contacts
from app.media.audio import UNREFERENCED_GRACE, AudioStore
from app.media.models import AudioReading
from app.participation.audio import ViewpointRecording
from app.participation.models import Contact, Viewpoint
from app.registrations.models import Registration


@dataclass
class PurgeResult:
    consultations: int
    contacts: int
    needs: int


def finished_consultation_ids(session: Session, *, now: datetime, retention_days: int) -> list[int]:
    """Consultations whose feedback was published (or that were cancelled) more than
    ``retention_days`` ago: what identifies their participants is due for deletion."""
    cutoff = now - timedelta(days=retention_days)
    due = sa.union(
        sa.select(FeedbackReport.consultation_id).where(
            FeedbackReport.published_dt.is_not(None),
            FeedbackReport.published_dt < cutoff,
            FeedbackReport.consultation_id.is_not(None),
        ),
        sa.select(Consultation.id).where(
            Consultation.status == ConsultationStatus.CANCELLED, Consultation.cancelled_dt < cutoff
        ),
    ).subquery()
    return list(session.scalars(sa.select(due.c[0])))


def purge_contact_data(session: Session, *, now: datetime, retention_days: int) -> PurgeResult:
    """Delete contact data of consultations whose feedback was published (or that
    were cancelled) more than ``retention_days`` ago. Idempotent; flushes only."""
    consultation_ids = finished_consultation_ids(session, now=now, retention_days=retention_days)
    if not consultation_ids:
        return PurgeResult(0, 0, 0)
    contact_ids = set(
        session.scalars(
            sa.select(Viewpoint.contact_id).where(
                Viewpoint.consultation_id.in_(consultation_ids), Viewpoint.contact_id.is_not(None)
            )
        )
    ) | set(
        session.scalars(
            sa.select(Registration.contact_id).where(
                Registration.consultation_id.in_(consultation_ids), Registration.contact_id.is_not(None)
            )
        )
    )
    if contact_ids:
        # Unlink first (no reliance on ON DELETE SET NULL), then delete.
        # The speaker's private link (app.participation.speaker) goes with the address it was sent to.
        session.execute(
            sa.update(Viewpoint)
            .where(Viewpoint.contact_id.in_(contact_ids))
            .values(contact_id=None, show_name=False, speaker_token_hash=None)
        )
        session.execute(sa.update(Registration).where(Registration.contact_id.in_(contact_ids)).values(contact_id=None))
        forget_contacts(session, contact_ids)  # their messages leave the outbox with them
        session.execute(sa.delete(Contact).where(Contact.id.in_(contact_ids)))
    needs = rowcount(
        session.execute(
            sa.update(Registration)
            .where(Registration.consultation_id.in_(consultation_ids), Registration.needs.is_not(None))
            .values(needs=None)
        )
    )
    session.flush()
    session.expire_all()
    return PurgeResult(len(consultation_ids), len(contact_ids), needs or 0)


def purge_answer_contacts(session: Session, *, now: datetime, retention_days: int, max_days: int) -> int:
    """Delete the contact details of experience records that are due; idempotent, flushes only.

    Messages to those contacts leave the outbox with them. Returns the number
    of contacts deleted.
    """
    cutoff = now - timedelta(days=retention_days)
    told = (
        sa.select(FeedbackRevision.id)
        .join(FeedbackReport, FeedbackRevision.report_id == FeedbackReport.id)
        .where(
            FeedbackReport.service_id == ExperienceRecord.service_id,
            FeedbackRevision.published_dt >= ExperienceRecord.created_dt,
            FeedbackRevision.published_dt < cutoff,
        )
        .exists()
    )
    contact_ids = set(
        session.scalars(
            sa.select(ExperienceRecord.contact_id).where(
                ExperienceRecord.contact_id.is_not(None),
                sa.or_(told, ExperienceRecord.created_dt < now - timedelta(days=max_days)),
            )
        )
    )
    if contact_ids:
        # Unlink first (no reliance on ON DELETE SET NULL), then delete.
        session.execute(
            sa.update(ExperienceRecord)
            .where(ExperienceRecord.contact_id.in_(contact_ids))
            .values(contact_id=None, wants_updates=False)
        )
        forget_contacts(session, contact_ids)
        session.execute(sa.delete(Contact).where(Contact.id.in_(contact_ids)))
        session.flush()
        session.expire_all()
    return len(contact_ids)


def sweep_audio(session: Session, store: AudioStore, *, now: datetime) -> int:
    """Delete sound files that no spoken view or audio reading refers to any more.

    Deleting a survey question or a service takes its readings' rows with it
    (ON DELETE CASCADE) but not their files, and a recording held for a form
    that was never sent again stays unreferenced; this removes them after
    :data:`~app.media.audio.UNREFERENCED_GRACE`. Returns the number of files deleted."""
    keep: set[str] = set()
    for columns in (
        sa.select(ViewpointRecording.original_name, ViewpointRecording.playable_name),
        sa.select(AudioReading.original_name, AudioReading.playable_name),
    ):
        for names in session.execute(columns):
            keep.update(name for name in names if name)
    return store.sweep(keep, older_than=now - UNREFERENCED_GRACE)
