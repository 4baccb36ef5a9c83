"""Feedback (återkoppling): what a board did with the views it was given.

The models are independent of where the views came from. A
:class:`FeedbackReport` belongs to one consultation today (``consultation_id``
is nullable and unique); a later source of input (experience surveys,
dialogue notes at city services) attaches its own report through its own
nullable foreign key and reuses :class:`Theme`, :class:`ThemeResponse` and
:class:`Decision` unchanged. Views join themes through ``theme_viewpoints``;
another source would add its own association table next to it.

Published feedback is kept as revisions: each publication stores a JSON
snapshot of the report, and the public page shows the latest snapshot, so
staff can prepare changes without them appearing half-done.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.boards.models import Board
from app.consultations.models import Consultation
from app.db import Base, str_enum, utcnow
from app.i18n import lazy_gettext as _l
from app.participation.models import Viewpoint


class Outcome(enum.Enum):
    IMPLEMENTED = "implemented"  # implemented or will be implemented
    PARTLY = "partly"
    NOT_IMPLEMENTED = "not_implemented"  # a reason is required
    FORWARDED = "forwarded"  # outside this board's remit: forwarded to another board
    ALREADY_IN_PLACE = "already_in_place"
    UNDER_CONSIDERATION = "under_consideration"  # a date for the next update is required

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.IMPLEMENTED: _l("Implemented, or will be implemented"),
    Outcome.PARTLY: _l("Partly implemented"),
    Outcome.NOT_IMPLEMENTED: _l("Not implemented"),
    Outcome.FORWARDED: _l("Outside this board's remit: forwarded"),
    Outcome.ALREADY_IN_PLACE: _l("Already in place"),
    Outcome.UNDER_CONSIDERATION: _l("Still under consideration"),
}


theme_viewpoints = sa.Table(
    "theme_viewpoints",
    Base.metadata,
    sa.Column("theme_id", sa.ForeignKey("feedback_themes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("viewpoint_id", sa.ForeignKey("viewpoints.id", ondelete="CASCADE"), primary_key=True, index=True),
)

response_decisions = sa.Table(
    "response_decisions",
    Base.metadata,
    sa.Column("response_id", sa.ForeignKey("feedback_responses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("decision_id", sa.ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class FeedbackReport(Base):
    """The feedback on one source of input: a consultation, or a city service's experiences."""

    __tablename__ = "feedback_reports"
    __table_args__ = (sa.Index("ix_feedback_reports_last_published_dt_id", "last_published_dt", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("consultations.id", ondelete="CASCADE"), unique=True
    )
    #: Or: the measures taken on the experiences of a city service (app.experiences).
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("city_services.id", ondelete="CASCADE"), unique=True)
    summary_sv: Mapped[str | None] = mapped_column(sa.Text)
    summary_rom: Mapped[str | None] = mapped_column(sa.Text)
    #: First publication; ``None`` while the report is a draft.
    published_dt: Mapped[datetime | None] = mapped_column(index=True)
    #: Latest published revision (equal to ``published_dt`` until updated).
    last_published_dt: Mapped[datetime | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Optimistic locking: a stale save is refused instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    consultation: Mapped[Consultation | None] = relationship()
    service: Mapped[Any] = relationship("Service")
    themes: Mapped[list[Theme]] = relationship(
        back_populates="report", order_by="Theme.position", cascade="all, delete-orphan", lazy="selectin"
    )
    revisions: Mapped[list[FeedbackRevision]] = relationship(
        back_populates="report", order_by="FeedbackRevision.number", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.published_dt is not None

    @property
    def latest_revision(self) -> FeedbackRevision | None:
        return self.revisions[-1] if self.revisions else None


class Theme(Base):
    """A group of views on the same subject, with the board's response."""

    __tablename__ = "feedback_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_reports.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title_sv: Mapped[str] = mapped_column(sa.String(300))
    title_rom: Mapped[str | None] = mapped_column(sa.String(300))
    summary_sv: Mapped[str | None] = mapped_column(sa.Text)
    summary_rom: Mapped[str | None] = mapped_column(sa.Text)
    #: Optimistic locking: a stale save is refused instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    report: Mapped[FeedbackReport] = relationship(back_populates="themes")
    #: Loaded only when used: a theme may hold thousands of views. Staff pages count
    #: and list them in SQL (:mod:`app.feedback.theming`).
    viewpoints: Mapped[list[Viewpoint]] = relationship(secondary=theme_viewpoints, order_by=Viewpoint.id, lazy="select")
    response: Mapped[ThemeResponse | None] = relationship(
        back_populates="theme", cascade="all, delete-orphan", uselist=False, lazy="selectin"
    )


class ThemeResponse(Base):
    """The board's answer to a theme and what came of it."""

    __tablename__ = "feedback_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_themes.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    body_sv: Mapped[str] = mapped_column(sa.Text)
    body_rom: Mapped[str | None] = mapped_column(sa.Text)
    #: Why not (required for ``not_implemented``).
    reason_sv: Mapped[str | None] = mapped_column(sa.Text)
    reason_rom: Mapped[str | None] = mapped_column(sa.Text)
    #: The board the matter was forwarded to (required for ``forwarded``).
    forwarded_to_board_id: Mapped[int | None] = mapped_column(sa.ForeignKey("boards.id", ondelete="SET NULL"))
    #: When the board will say more (required for ``under_consideration``).
    next_update_date: Mapped[date | None] = mapped_column(sa.Date)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Optimistic locking: a stale save is refused instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    theme: Mapped[Theme] = relationship(back_populates="response")
    forwarded_to: Mapped[Board | None] = relationship(lazy="joined")
    decisions: Mapped[list[Decision]] = relationship(
        secondary=response_decisions, order_by="Decision.meeting_date", lazy="selectin"
    )


class Decision(Base):
    """A formal decision of a board, citable from several responses and consultations."""

    __tablename__ = "decisions"
    __table_args__ = (sa.UniqueConstraint("board_id", "case_reference", "paragraph"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    meeting_date: Mapped[date] = mapped_column(sa.Date)
    #: Diarienummer, e.g. "KS 2025/809".
    case_reference: Mapped[str] = mapped_column(sa.String(60))
    #: Paragraph (§) of the minutes, e.g. "12".
    paragraph: Mapped[str] = mapped_column(sa.String(20))
    title_sv: Mapped[str] = mapped_column(sa.String(300))
    title_rom: Mapped[str | None] = mapped_column(sa.String(300))
    minutes_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    board: Mapped[Board] = relationship(lazy="joined")


class FeedbackRevision(Base):
    """One publication of a report: what was shown, when, and what changed."""

    __tablename__ = "feedback_revisions"
    __table_args__ = (sa.UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_reports.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    published_dt: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    change_note_sv: Mapped[str | None] = mapped_column(sa.Text)
    change_note_rom: Mapped[str | None] = mapped_column(sa.Text)
    #: The report as published (see ``services.build_snapshot``).
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: What changed since the previous revision: ``[{"kind", "theme_id", "title_sv", "title_rom"}]``.
    changes: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)

    report: Mapped[FeedbackReport] = relationship(back_populates="revisions")
    published_by: Mapped[User | None] = relationship()


# --- Suggested themes (issue 22) --------------------------------------------------------
#
# An automatic grouping of a consultation's views by text similarity
# (:mod:`app.feedback.suggestions`), stored so staff can review it over several
# requests. Proposals are never applied by themselves: one becomes a theme only
# when staff accept it; accepting, rejecting or merging removes it from here.

theme_suggestion_viewpoints = sa.Table(
    "theme_suggestion_viewpoints",
    Base.metadata,
    sa.Column("suggestion_id", sa.ForeignKey("theme_suggestions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("viewpoint_id", sa.ForeignKey("viewpoints.id", ondelete="CASCADE"), primary_key=True, index=True),
    #: 0 for the most typical view of the proposal (shown first), then less and less typical.
    sa.Column("rank", sa.Integer, nullable=False),
    #: The view was already in a theme when the suggestions were made (only when staff asked for all views).
    sa.Column("themed_before", sa.Boolean, nullable=False, default=False),
)


class SuggestionRun(Base):
    """The latest suggested themes of a consultation: which views were grouped, when and by whom."""

    __tablename__ = "theme_suggestion_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="CASCADE"), unique=True)
    #: ``"unthemed"``: the views in no theme; ``"all"``: every view.
    scope: Mapped[str] = mapped_column(sa.String(8))
    #: How many views were grouped, and how many the scope held (more than that are left for a later run).
    considered: Mapped[int]
    available: Mapped[int]
    #: How many of them went into a proposal (the others were like no other view).
    grouped: Mapped[int]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    consultation: Mapped[Consultation] = relationship()
    suggestions: Mapped[list[ThemeSuggestion]] = relationship(
        back_populates="run", order_by="ThemeSuggestion.position", cascade="all, delete-orphan", passive_deletes=True
    )
    created_by: Mapped[User | None] = relationship()


class ThemeSuggestion(Base):
    """One proposed theme: a title staff may change and the views grouped in it."""

    __tablename__ = "theme_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("theme_suggestion_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    #: Optimistic locking: two colleagues reviewing the same proposal.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    run: Mapped[SuggestionRun] = relationship(back_populates="suggestions")
