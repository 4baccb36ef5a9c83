"""Looking up audio readings (the model is in :mod:`app.media.models`; adding and
removing them, with permissions, is :mod:`app.readings.services`)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.media.models import AudioReading, ReadingSubject


def readings_of(session: Session, key: str) -> dict[str, AudioReading]:
    """The readings of one subject, by language."""
    return {r.language: r for r in session.scalars(sa.select(AudioReading).where(AudioReading.subject_key == key))}


def readings_of_many(session: Session, keys: Iterable[str]) -> dict[str, dict[str, AudioReading]]:
    """Readings of several subjects in one query: ``{subject_key: {language: reading}}``."""
    keys = list(keys)
    found: dict[str, dict[str, AudioReading]] = {}
    if not keys:
        return found
    for reading in session.scalars(sa.select(AudioReading).where(AudioReading.subject_key.in_(keys))):
        found.setdefault(reading.subject_key, {})[reading.language] = reading
    return found


def readings_of_subject(session: Session, subject: ReadingSubject) -> dict[str, dict[str, AudioReading]]:
    """Every reading of one kind of subject (e.g. all invitations) in one query: ``{subject_key: {language: reading}}``."""
    found: dict[str, dict[str, AudioReading]] = {}
    for reading in session.scalars(sa.select(AudioReading).where(AudioReading.subject == subject)):
        found.setdefault(reading.subject_key, {})[reading.language] = reading
    return found


def pick(readings: dict[str, AudioReading], language: str) -> AudioReading | None:
    """The reading in ``language``, else Romani, else any: something to listen to beats nothing."""
    return readings.get(language) or readings.get("rom") or next(iter(readings.values()), None)
