"""Adding and removing audio readings; who may, and whether a reading may be heard publicly.

A reading belongs to a subject (:class:`~app.media.models.ReadingSubject`) and a
language; uploading a new one for the same subject and language replaces the
old one (its files are deleted). The file is checked and normalised to MP3 by
the audio store, like a spoken view.
"""

from __future__ import annotations

from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.services import record
from app.common.errors import DomainError, require_permission
from app.consultations import policies as consultation_policies
from app.consultations.models import Consultation
from app.db import utcnow
from app.experiences import policies as experience_policies
from app.experiences.models import SurveyQuestion
from app.feedback.models import FeedbackReport
from app.i18n import lazy_gettext as _l
from app.media.audio import AudioStore
from app.media.models import AudioReading, ReadingSubject, subject_key

LANGUAGES = ("rom", "sv")


def _subject_of(subject: ReadingSubject, target: Consultation | SurveyQuestion) -> dict[str, object]:
    if subject is ReadingSubject.QUESTION:
        assert isinstance(target, SurveyQuestion)
        return {"survey_question_id": target.id}
    assert isinstance(target, Consultation)
    return {"consultation_id": target.id}


def can_manage(actor: User, target: Consultation | SurveyQuestion) -> bool:
    if isinstance(target, SurveyQuestion):
        return experience_policies.can_edit(actor, target.survey.service)
    return consultation_policies.can_edit(actor, target)


def add_reading(
    session: Session,
    actor: User,
    subject: ReadingSubject,
    target: Consultation | SurveyQuestion,
    *,
    language: str,
    upload: BinaryIO,
    store: AudioStore,
) -> AudioReading:
    """Store a reading of ``target``'s text in ``language``, replacing an earlier one."""
    require_permission(can_manage(actor, target))
    if language not in LANGUAGES:
        raise DomainError(_l("Choose a language from the list."), field="language")
    if (subject is ReadingSubject.QUESTION) != isinstance(target, SurveyQuestion):
        raise DomainError(_l("Choose what the recording reads aloud."), field="subject")
    key = subject_key(subject, target.id)
    stored = store.ingest(upload, field="file")
    try:
        old = session.scalar(
            sa.select(AudioReading).where(AudioReading.subject_key == key, AudioReading.language == language)
        )
        old_files = (old.playable_name, old.original_name) if old else ()
        if old is not None:
            session.delete(old)
            session.flush()
        reading = AudioReading(
            subject=subject,
            subject_key=key,
            language=language,
            playable_name=stored.playable_name,
            original_name=stored.original_name,
            original_type=stored.original_type,
            size_bytes=stored.playable_bytes,
            duration_seconds=stored.duration_seconds,
            uploaded_by_id=actor.id,
            **_subject_of(subject, target),
        )
        session.add(reading)
        session.flush()
    except BaseException:
        store.delete(stored.original_name, stored.playable_name)
        raise
    _touch(target, subject)
    record(
        session,
        actor,
        "reading.add",
        reading,
        after={"subject": key, "language": language, "duration_seconds": stored.duration_seconds},
    )
    store.delete(*old_files)
    return reading


def remove_reading(
    session: Session, actor: User, reading: AudioReading, target: Consultation | SurveyQuestion, store: AudioStore
) -> None:
    require_permission(can_manage(actor, target))
    record(
        session, actor, "reading.remove", reading, before={"subject": reading.subject_key, "language": reading.language}
    )
    files = (reading.playable_name, reading.original_name)
    _touch(target, reading.subject)
    session.delete(reading)
    session.flush()
    store.delete(*files)


def _touch(target: Consultation | SurveyQuestion, subject: ReadingSubject) -> None:
    """The calendars and the feed link the invitation's reading: mark the consultation changed,
    so cached calendars (keyed by the consultations' versions) are rebuilt."""
    if subject is ReadingSubject.INVITATION and isinstance(target, Consultation):
        target.updated_dt = utcnow()


def target_of(session: Session, reading: AudioReading) -> Consultation | SurveyQuestion | None:
    if reading.survey_question_id is not None:
        return session.get(SurveyQuestion, reading.survey_question_id)
    if reading.consultation_id is not None:
        return session.get(Consultation, reading.consultation_id)
    return None


def is_public(session: Session, reading: AudioReading) -> bool:
    """May anyone hear it? Only while the text it reads is public."""
    target = target_of(session, reading)
    if target is None:
        return False
    if isinstance(target, SurveyQuestion):
        return target.survey.is_published
    if not target.is_public:
        return False
    if reading.subject is ReadingSubject.FEEDBACK:
        report = session.scalar(sa.select(FeedbackReport).where(FeedbackReport.consultation_id == target.id))
        return report is not None and report.published_dt is not None
    return True
