"""Retention (gallring) of the contact details left with survey answers and dialogue notes.

A person who answers a survey may leave an e-mail address to be told when the
service publishes its measures. The address is deleted ``retention_days``
after the first publication of measures for that service that came after the
answer (the promise is kept, and updates within that time reach them too), and
in any case ``max_days`` after the answer, so that an address never outlives a
service that publishes nothing. The answers stay, anonymous.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.experiences.models import ExperienceRecord
from app.feedback.models import FeedbackReport, FeedbackRevision
from app.mail.services import forget_contacts
from app.participation.models import Contact


def purge_contacts(session: Session, *, now: datetime, retention_days: int, max_days: int) -> int:
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
    contact_ids = set(session.scalars(
        sa.select(ExperienceRecord.contact_id).where(
            ExperienceRecord.contact_id.is_not(None),
            sa.or_(told, ExperienceRecord.created_dt < now - timedelta(days=max_days)),
        )
    ))
    if contact_ids:
        # Unlink first (no reliance on ON DELETE SET NULL), then delete.
        session.execute(sa.update(ExperienceRecord).where(ExperienceRecord.contact_id.in_(contact_ids))
                        .values(contact_id=None, wants_updates=False))
        forget_contacts(session, contact_ids)
        session.execute(sa.delete(Contact).where(Contact.id.in_(contact_ids)))
        session.flush()
        session.expire_all()
    return len(contact_ids)
