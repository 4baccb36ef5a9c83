"""Minutes (minnesanteckningar) of a consultation meeting, corrections, and the evaluation.

Staff edit one :class:`Minutes` per consultation (optimistic locking on
``version``) and publish it; every publication stores a
:class:`MinutesRevision`, and the public page shows the latest revision with
the history of earlier ones. Registrants propose corrections through their
private link (:class:`CorrectionProposal`); staff accept or decline them.

:class:`Evaluation` rows are anonymous answers to a short evaluation of the
meeting: no contact, no IP address, no user agent.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.consultations.models import Consultation
from app.db import Base, CoarseUTCDateTime, str_enum, utcnow, utcnow_day
from app.i18n import lazy_gettext as _l
from app.registrations.models import Registration


class ProposalStatus(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(PROPOSAL_STATUS_LABELS[self])


PROPOSAL_STATUS_LABELS = {
    ProposalStatus.PENDING: _l("Waiting for an answer"),
    ProposalStatus.ACCEPTED: _l("Accepted"),
    ProposalStatus.DECLINED: _l("Declined"),
}


class Minutes(Base):
    """The working copy of a consultation's minutes; what is public is the latest revision."""

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="CASCADE"), unique=True)
    body_sv: Mapped[str | None] = mapped_column(sa.Text)
    body_rom: Mapped[str | None] = mapped_column(sa.Text)
    #: When the latest revision was published; ``None`` while never published.
    published_dt: Mapped[datetime | None]
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Optimistic locking: a stale save is refused instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    consultation: Mapped[Consultation] = relationship()
    updated_by: Mapped[User | None] = relationship()
    revisions: Mapped[list[MinutesRevision]] = relationship(
        back_populates="minutes", order_by="MinutesRevision.number", cascade="all, delete-orphan", lazy="selectin"
    )
    proposals: Mapped[list[CorrectionProposal]] = relationship(
        back_populates="minutes", order_by="CorrectionProposal.id", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> MinutesRevision | None:
        return self.revisions[-1] if self.revisions else None

    @property
    def is_published(self) -> bool:
        return bool(self.revisions)

    @property
    def has_unpublished_changes(self) -> bool:
        latest = self.latest
        if latest is None:
            return bool(self.body_sv)
        return (latest.body_sv, latest.body_rom) != (self.body_sv, self.body_rom)


class MinutesRevision(Base):
    """One publication of the minutes: the text as published, when, and why it changed."""

    __tablename__ = "minutes_revisions"
    __table_args__ = (sa.UniqueConstraint("minutes_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    body_sv: Mapped[str] = mapped_column(sa.Text)
    body_rom: Mapped[str | None] = mapped_column(sa.Text)
    published_dt: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: What changed since the previous revision (required from the second one on).
    note: Mapped[str | None] = mapped_column(sa.Text)

    minutes: Mapped[Minutes] = relationship(back_populates="revisions")


class CorrectionProposal(Base):
    """A registrant's proposed correction, and the staff's answer."""

    __tablename__ = "minutes_correction_proposals"
    __table_args__ = (sa.Index("ix_minutes_correction_proposals_minutes_id_status", "minutes_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(sa.ForeignKey("minutes.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    #: The revision the proposer read.
    revision_number: Mapped[int | None]
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus), default=ProposalStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_dt: Mapped[datetime | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    minutes: Mapped[Minutes] = relationship(back_populates="proposals")
    registration: Mapped[Registration | None] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def number(self) -> int:
        """1, 2, 3 … in the order the proposals on these minutes came in (not the site-wide id)."""
        return [p.id for p in self.minutes.proposals].index(self.id) + 1


class Evaluation(Base):
    """One anonymous answer to the evaluation of a meeting. No contact, no IP address."""

    __tablename__ = "minutes_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    well_run: Mapped[int] = mapped_column(sa.SmallInteger)
    could_speak: Mapped[int] = mapped_column(sa.SmallInteger)
    language_support: Mapped[int] = mapped_column(sa.SmallInteger)
    #: Free text for the board; never published.
    comment: Mapped[str | None] = mapped_column(sa.Text)
    #: Kept to the day (``db.CoarseUTCDateTime``): anonymous input has no finer time.
    created_dt: Mapped[datetime] = mapped_column(CoarseUTCDateTime("day"), default=utcnow_day)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
