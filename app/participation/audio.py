"""Spoken views: a participant records a view on the website instead of (or besides) typing it.

The voice identifies a person, so it never leaves the staff side: staff of a
hosting board listen, write the transcription (with who, when, human or
machine) and publish it; from then on the transcription is the view's text,
and everything that shows, translates, masks or exports views uses that text.
The recording itself is deleted ``AUDIO_RETENTION_DAYS`` after the
transcription was published, or with the consultation's contact data if that
comes first (:func:`purge_recordings`, run by ``flask purge``).
It is never in the API, the feeds, the CSV or the public pages.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.accounts.models import User
from app.audit.services import record
from app.common.errors import DomainError, require_permission
from app.consultations import policies
from app.consultations.models import Consultation
from app.db import Base, CoarseUTCDateTime, add_once, str_enum, utcnow, utcnow_day
from app.i18n import lazy_gettext as _l
from app.media.audio import AudioStore, StoredAudio
from app.participation import speaker
from app.participation.models import Channel, Provenance, Viewpoint
from app.participation.services import (
    MAX_BODY,
    InputWindowClosed,
    ViewpointData,
    get_by_idempotency_key,
    input_window_open,
    new_viewpoint,
    validate_viewpoint,
)


class ViewpointRecording(Base):
    """The voice of a spoken view: two files outside the database and the transcription."""

    __tablename__ = "viewpoint_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    viewpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("viewpoints.id", ondelete="CASCADE"), unique=True)
    #: Random names in the audio store; both ``None`` once the recording is deleted.
    original_name: Mapped[str | None] = mapped_column(sa.String(32))
    original_type: Mapped[str] = mapped_column(sa.String(40))
    playable_name: Mapped[str | None] = mapped_column(sa.String(32))
    size_bytes: Mapped[int] = mapped_column(sa.Integer)
    duration_seconds: Mapped[float] = mapped_column(sa.Float)
    #: What the participant typed besides speaking (the view's text is this plus the transcription).
    typed_text: Mapped[str | None] = mapped_column(sa.Text)
    transcription: Mapped[str | None] = mapped_column(sa.Text)
    transcription_provenance: Mapped[Provenance | None] = mapped_column(str_enum(Provenance))
    transcriber: Mapped[str | None] = mapped_column(sa.String(200))
    transcribed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    transcribed_dt: Mapped[datetime | None]
    #: When the transcription became the view's text; the retention time runs from here.
    published_dt: Mapped[datetime | None] = mapped_column(index=True)
    deleted_dt: Mapped[datetime | None]
    #: Kept to the day, like the view's own (``db.CoarseUTCDateTime``).
    created_dt: Mapped[datetime] = mapped_column(CoarseUTCDateTime("day"), default=utcnow_day)

    viewpoint: Mapped[Viewpoint] = relationship()
    transcribed_by: Mapped[User | None] = relationship()

    @property
    def is_deleted(self) -> bool:
        return self.deleted_dt is not None


def get_recording(session: Session, viewpoint_id: int) -> ViewpointRecording | None:
    return session.scalar(sa.select(ViewpointRecording).where(ViewpointRecording.viewpoint_id == viewpoint_id))


def recordings_by_viewpoint(
    session: Session, consultation: Consultation, viewpoint_ids: list[int] | None = None
) -> dict[int, ViewpointRecording]:
    """The recordings of a consultation's views (or of these views), by view id (one query for the staff list)."""
    stmt = (
        sa.select(ViewpointRecording)
        .join(Viewpoint, Viewpoint.id == ViewpointRecording.viewpoint_id)
        .where(Viewpoint.consultation_id == consultation.id)
    )
    if viewpoint_ids is not None:
        stmt = stmt.where(ViewpointRecording.viewpoint_id.in_(viewpoint_ids))
    rows = session.scalars(stmt)
    return {r.viewpoint_id: r for r in rows}


def hold_recording(store: AudioStore, recording: BinaryIO) -> StoredAudio:
    """Check and store a recording sent with a form that must be shown again (another
    field was wrong), so that the participant need not record it again.

    No row refers to it yet: the web layer hands the participant a signed
    reference to it, valid for less than ``UNREFERENCED_GRACE``, after which
    ``flask purge`` sweeps the files. Raises ``AudioRejected`` like any upload.
    """
    return store.ingest(recording, field="recording")


def submit_spoken_viewpoint(
    session: Session,
    consultation: Consultation,
    data: ViewpointData,
    recording: BinaryIO | StoredAudio,
    store: AudioStore,
    *,
    consent: bool,
    idempotency_key: str,
    now: datetime | None = None,
) -> tuple[Viewpoint, bool]:
    """Store a participant's recorded view; return ``(view, created)``.

    The typed text is optional here. ``recording`` is the upload, or one
    already checked and held (:func:`hold_recording`). An upload is checked and
    stored only after the rest of the form is valid; if anything is wrong
    nothing new is kept. The same ``idempotency_key`` never creates a second
    view (nor stores the sound twice).
    """
    existing = get_by_idempotency_key(session, idempotency_key)
    if existing is not None:
        return existing, False
    if not input_window_open(consultation, now):
        raise InputWindowClosed(_l("Written views are not accepted for this consultation now."))
    validate_viewpoint(consultation, data, body_required=False)
    if not consent:
        raise DomainError(
            _l("Tick the box to agree that staff listen to your recording, or send your view in writing."),
            field="recording_consent",
        )
    stored = recording if isinstance(recording, StoredAudio) else store.ingest(recording, field="recording")
    try:
        viewpoint = new_viewpoint(consultation, data, channel=Channel.WEB, idempotency_key=idempotency_key)
        viewpoint, created = add_once(session, viewpoint, idempotency_key)
        if created:
            session.add(_recording_row(viewpoint, stored, data.body.strip() or None))
            session.flush()
    except BaseException:
        store.delete(stored.original_name, stored.playable_name)
        raise
    if not created:  # another request with the same key won a moment earlier
        store.delete(stored.original_name, stored.playable_name)
    return viewpoint, created


def _recording_row(viewpoint: Viewpoint, stored: StoredAudio, typed_text: str | None) -> ViewpointRecording:
    return ViewpointRecording(
        viewpoint_id=viewpoint.id,
        original_name=stored.original_name,
        original_type=stored.original_type,
        playable_name=stored.playable_name,
        size_bytes=stored.size_bytes,
        duration_seconds=stored.duration_seconds,
        typed_text=typed_text,
    )


def save_transcription(
    session: Session,
    actor: User,
    recording: ViewpointRecording,
    *,
    text: str,
    provenance: Provenance,
    transcriber: str | None = None,
    publish: bool = False,
) -> None:
    """Save what was said, with its provenance; ``publish`` makes it the view's text.

    A published transcription can be corrected: publishing again replaces the
    view's text. Whether the text is shown publicly is still decided by the
    participant's consent and by moderation, as for written views, and, if the
    speaker left an e-mail address, by the speaker: a published (or changed)
    text is sent to them to confirm or correct (:mod:`.speaker`).
    """
    viewpoint = recording.viewpoint
    require_permission(policies.can_edit(actor, viewpoint.consultation))
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write down what was said."), field="transcription")
    if len(text) > MAX_BODY:
        raise DomainError(_l("The text is too long."), field="transcription")
    transcriber = (transcriber or "").strip() or None
    if provenance is Provenance.HUMAN and not transcriber:
        raise DomainError(_l("Say who wrote the transcription."), field="transcriber")
    before = {"transcription": recording.transcription, "published": recording.published_dt is not None}
    recording.transcription = text
    recording.transcription_provenance = provenance
    recording.transcriber = transcriber
    recording.transcribed_by_id = actor.id
    recording.transcribed_dt = utcnow()
    changed = False
    if publish:
        body = "\n\n".join(part for part in (recording.typed_text, text) if part)
        changed = body != viewpoint.body
        viewpoint.body = body
        recording.published_dt = recording.transcribed_dt
    session.flush()
    record(
        session,
        actor,
        "viewpoint.transcribe",
        viewpoint,
        before=before,
        after={"transcription": text, "provenance": provenance, "published": publish},
    )
    if changed:  # a speaker who left an e-mail address confirms or corrects what staff heard
        speaker.ask_speaker(session, viewpoint)


def purge_recordings(
    session: Session,
    store: AudioStore,
    *,
    now: datetime,
    retention_days: int,
    finished_consultation_ids: Collection[int] = (),
) -> int:
    """Delete the sound of spoken views (gallring); the transcription and the view stay.

    A recording goes ``retention_days`` after its transcription was published,
    and, published or not, when its consultation's contact data goes
    (``finished_consultation_ids``, see :func:`app.jobs.retention.finished_consultation_ids`):
    a voice that was never transcribed must not outlive the names and addresses
    of the same consultation. Idempotent; flushes only.
    """
    cutoff = now - timedelta(days=retention_days)
    due_when = sa.and_(ViewpointRecording.published_dt.is_not(None), ViewpointRecording.published_dt < cutoff)
    if finished_consultation_ids:
        finished = sa.select(Viewpoint.id).where(Viewpoint.consultation_id.in_(list(finished_consultation_ids)))
        due_when = sa.or_(due_when, ViewpointRecording.viewpoint_id.in_(finished))
    due = list(session.scalars(sa.select(ViewpointRecording).where(due_when, ViewpointRecording.deleted_dt.is_(None))))
    for recording in due:
        store.delete(recording.original_name, recording.playable_name)
        recording.original_name = recording.playable_name = None
        recording.deleted_dt = now
    session.flush()
    return len(due)


def public_limits(config: Mapping[str, Any]) -> dict[str, int]:
    """What the form tells participants: the longest recording, the largest file, the retention days."""
    return {
        "minutes": max(1, int(config["AUDIO_MAX_SECONDS"]) // 60),
        "mb": int(config["AUDIO_MAX_MB"]),
        "max_bytes": int(config["AUDIO_MAX_MB"]) * 1024 * 1024,
        "max_seconds": int(config["AUDIO_MAX_SECONDS"]),
        "retention_days": int(config["AUDIO_RETENTION_DAYS"]),
    }
