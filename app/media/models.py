"""Readings: a recording of a text that is also on the page (invitation, feedback, survey question)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, str_enum, utcnow


class ReadingSubject(enum.Enum):
    """What a reading reads aloud."""

    INVITATION = "invitation"  # a consultation's invitation (its public page)
    FEEDBACK = "feedback"  # the summary of a consultation's published feedback
    QUESTION = "question"  # one question of an experience survey


def subject_key(subject: ReadingSubject, object_id: int) -> str:
    """``invitation:12``, ``feedback:12`` (both a consultation's id), ``question:7``."""
    return f"{subject.value}:{object_id}"


class AudioReading(Base):
    """An audio reading, in one language, of a text on a public page.

    The file lives in the audio store (``UPLOAD_DIR/audio``) as MP3, beside the
    file as uploaded. The written text on the page is its transcript.
    """

    __tablename__ = "audio_readings"
    __table_args__ = (sa.UniqueConstraint("subject_key", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[ReadingSubject] = mapped_column(str_enum(ReadingSubject))
    subject_key: Mapped[str] = mapped_column(sa.String(40))
    #: The consultation (invitation, feedback) or the survey question; rows go with them.
    consultation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    survey_question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(8))
    playable_name: Mapped[str] = mapped_column(sa.String(32))
    original_name: Mapped[str] = mapped_column(sa.String(32))
    original_type: Mapped[str] = mapped_column(sa.String(40))
    #: Size of the MP3 (what is served; the Atom enclosure's length).
    size_bytes: Mapped[int] = mapped_column(sa.Integer)
    duration_seconds: Mapped[float] = mapped_column(sa.Float)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
