from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.boards.models import Board
from app.db import Base, str_enum, utcnow
from app.i18n import lazy_gettext as _l


class ConsultationStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    HELD = "held"
    FEEDBACK_PUBLISHED = "feedback_published"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    ConsultationStatus.DRAFT: _l("Draft"),
    ConsultationStatus.PUBLISHED: _l("Published"),
    ConsultationStatus.HELD: _l("Held"),
    ConsultationStatus.FEEDBACK_PUBLISHED: _l("Feedback published"),
    ConsultationStatus.CLOSED: _l("Closed"),
    ConsultationStatus.CANCELLED: _l("Cancelled"),
}

#: Statuses the public may see.
PUBLIC_STATUSES = (
    ConsultationStatus.PUBLISHED,
    ConsultationStatus.HELD,
    ConsultationStatus.FEEDBACK_PUBLISHED,
    ConsultationStatus.CLOSED,
    ConsultationStatus.CANCELLED,
)


class MeetingFormat(enum.Enum):
    IN_PERSON = "in_person"
    DIGITAL = "digital"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        return str(FORMAT_LABELS[self])


FORMAT_LABELS = {
    MeetingFormat.IN_PERSON: _l("In person"),
    MeetingFormat.DIGITAL: _l("Digital"),
    MeetingFormat.HYBRID: _l("In person and digital"),
}


class RomaniVariety(enum.Enum):
    KALDERASH = "kalderash"
    ARLI = "arli"
    LOVARA = "lovara"
    KALE = "kale"
    SVENSK_ROMANI = "svensk_romani"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(VARIETY_LABELS[self])

    @property
    def bcp47(self) -> str:
        """The language tag for text in this variety."""
        return VARIETY_TAGS[self]


VARIETY_LABELS = {
    RomaniVariety.KALDERASH: _l("Kalderash"),
    RomaniVariety.ARLI: _l("Arli"),
    RomaniVariety.LOVARA: _l("Lovara"),
    RomaniVariety.KALE: _l("Kale (Finnish Romani)"),
    RomaniVariety.SVENSK_ROMANI: _l("Swedish Romani (resande)"),
    RomaniVariety.OTHER: _l("Another variety"),
}
# ISO 639-3: Vlax Romani (kalderash, lovara), Balkan Romani (arli),
# Kalo Finnish Romani, Scandoromani; "rom" for the macrolanguage.
VARIETY_TAGS = {
    RomaniVariety.KALDERASH: "rmy",
    RomaniVariety.ARLI: "rmn",
    RomaniVariety.LOVARA: "rmy",
    RomaniVariety.KALE: "rmf",
    RomaniVariety.SVENSK_ROMANI: "rmu",
    RomaniVariety.OTHER: "rom",
}


consultation_hosts = sa.Table(
    "consultation_hosts",
    Base.metadata,
    sa.Column("consultation_id", sa.ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("board_id", sa.ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Consultation(Base):
    __tablename__ = "consultations"
    __table_args__ = (
        sa.Index("ix_consultations_status_start_dt", "status", "start_dt"),
        # A board's page and its ledger (feedback.reports): the trailing columns
        # let the ledger find the board's consultations from the index alone.
        sa.Index(
            "ix_consultations_lead_board_id_start_dt", "lead_board_id", "start_dt", "status", "id", "feedback_due_date"
        ),
        # Public lists (see queries.list_public): covering indexes, so counting,
        # sorting and OFFSET are index-only scans. "All" and "past" walk the
        # first in start order; "upcoming" takes the range end_dt >= now of the
        # second and sorts the few rows it finds.
        sa.Index("ix_consultations_start_dt_id_status", "start_dt", "id", "status", "end_dt"),
        sa.Index("ix_consultations_end_dt_start_dt", "end_dt", "start_dt", "id", "status"),
        # Feeds: newest publication first.
        sa.Index("ix_consultations_published_dt_id", "published_dt", "id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"))
    status: Mapped[ConsultationStatus] = mapped_column(str_enum(ConsultationStatus), default=ConsultationStatus.DRAFT)

    title_sv: Mapped[str] = mapped_column(sa.String(200))
    title_rom: Mapped[str | None] = mapped_column(sa.String(200))
    summary_sv: Mapped[str | None] = mapped_column(sa.Text)
    summary_rom: Mapped[str | None] = mapped_column(sa.Text)
    easy_read_sv: Mapped[str | None] = mapped_column(sa.Text)
    easy_read_rom: Mapped[str | None] = mapped_column(sa.Text)
    influence_sv: Mapped[str | None] = mapped_column(sa.Text)
    influence_rom: Mapped[str | None] = mapped_column(sa.Text)
    decided_sv: Mapped[str | None] = mapped_column(sa.Text)
    decided_rom: Mapped[str | None] = mapped_column(sa.Text)

    is_open: Mapped[bool] = mapped_column(default=True)
    case_reference: Mapped[str | None] = mapped_column(sa.String(60))
    format: Mapped[MeetingFormat] = mapped_column(str_enum(MeetingFormat), default=MeetingFormat.IN_PERSON)
    start_dt: Mapped[datetime | None]
    end_dt: Mapped[datetime | None]

    venue_name: Mapped[str | None] = mapped_column(sa.String(200))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    room: Mapped[str | None] = mapped_column(sa.String(200))
    directions_sv: Mapped[str | None] = mapped_column(sa.Text)
    directions_rom: Mapped[str | None] = mapped_column(sa.Text)
    accessibility_sv: Mapped[str | None] = mapped_column(sa.Text)
    accessibility_rom: Mapped[str | None] = mapped_column(sa.Text)
    join_url: Mapped[str | None] = mapped_column(sa.String(500))

    #: Romani varieties an interpreter is offered for (``RomaniVariety`` values).
    interpreter_languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    compensation_sv: Mapped[str | None] = mapped_column(sa.Text)
    compensation_rom: Mapped[str | None] = mapped_column(sa.Text)

    registration_deadline_dt: Mapped[datetime | None]
    capacity: Mapped[int | None]
    input_opens_dt: Mapped[datetime | None]
    input_closes_dt: Mapped[datetime | None]
    feedback_due_date: Mapped[date | None] = mapped_column(sa.Date)

    #: Staff confirmed at publication that the Romani translation is still pending.
    romani_pending: Mapped[bool] = mapped_column(default=False)
    cancel_reason_sv: Mapped[str | None] = mapped_column(sa.Text)
    cancel_reason_rom: Mapped[str | None] = mapped_column(sa.Text)

    published_dt: Mapped[datetime | None] = mapped_column(index=True)
    cancelled_dt: Mapped[datetime | None]
    held_dt: Mapped[datetime | None]
    #: The day the meeting took place when it was moved from the planned day (else empty).
    held_on: Mapped[date | None] = mapped_column(sa.Date)
    #: Bumped on every public change so subscribed calendars update.
    ics_sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Optimistic locking: a stale save is refused instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    lead_board: Mapped[Board] = relationship(lazy="joined", foreign_keys=[lead_board_id])
    co_hosts: Mapped[list[Board]] = relationship(secondary=consultation_hosts, lazy="selectin", order_by=Board.name_sv)
    created_by: Mapped[User | None] = relationship()
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="consultation",
        order_by="AgendaItem.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="consultation",
        order_by="Document.id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def boards(self) -> list[Board]:
        """The lead board first, then the co-hosts."""
        return [self.lead_board, *[b for b in self.co_hosts if b.id != self.lead_board_id]]

    @property
    def board_ids(self) -> set[int]:
        return {self.lead_board_id, *(b.id for b in self.co_hosts)}

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_cancelled(self) -> bool:
        return self.status is ConsultationStatus.CANCELLED

    @property
    def interpreter_varieties(self) -> list[RomaniVariety]:
        return [RomaniVariety(v) for v in self.interpreter_languages or [] if v in RomaniVariety._value2member_map_]

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.status.value}>"


class AgendaItem(Base):
    """A question or item on a consultation's agenda, in order."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title_sv: Mapped[str] = mapped_column(sa.String(300))
    title_rom: Mapped[str | None] = mapped_column(sa.String(300))
    description_sv: Mapped[str | None] = mapped_column(sa.Text)
    description_rom: Mapped[str | None] = mapped_column(sa.Text)

    consultation: Mapped[Consultation] = relationship(back_populates="agenda_items")


class Document(Base):
    """Background material (underlag); the file itself lives in ``UPLOAD_DIR``."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(8), default="sv")
    original_filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    extension: Mapped[str] = mapped_column(sa.String(8))
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_dt: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="documents")
