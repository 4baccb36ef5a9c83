"""Experiences of city services: services, surveys, records (answers and notes), measures.

A :class:`Service` (verksamhet) belongs to a board. Experiences of it are
gathered as :class:`ExperienceRecord` rows, whatever the source: a survey
answered on the web or on paper, or staff notes from dialogue, group
interviews and visits. Survey answers live in :class:`ExperienceAnswer`, one
row per question answered.

What the board does about the experiences reuses the feedback machinery: a
:class:`~app.feedback.models.FeedbackReport` attached to the service
(``FeedbackReport.service_id``) holds the themes; records join themes through
``theme_experiences``; each theme's :class:`~app.feedback.models.ThemeResponse`
gets a :class:`Measure` (1:1) with its owner, status and dates.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.boards.models import Board
from app.consultations.models import RomaniVariety
from app.db import Base, CoarseUTCDateTime, str_enum, utcnow, utcnow_day
from app.feedback.models import ThemeResponse
from app.i18n import lazy_gettext as _l
from app.moderation.models import Moderated, Reviewed
from app.participation.models import Channel, Contact, language_tag


class Service(Base):
    """A city service (verksamhet) whose users' experiences are gathered."""

    __tablename__ = "city_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    name_sv: Mapped[str] = mapped_column(sa.String(200))
    name_rom: Mapped[str | None] = mapped_column(sa.String(200))
    description_sv: Mapped[str | None] = mapped_column(sa.Text)
    description_rom: Mapped[str | None] = mapped_column(sa.Text)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    board: Mapped[Board] = relationship(lazy="joined")
    surveys: Mapped[list[Survey]] = relationship(
        back_populates="service", order_by="Survey.id", cascade="all, delete-orphan"
    )


class Survey(Base):
    """An experience survey (enkät): questions, an open period, a short link and a QR code."""

    __tablename__ = "experience_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("city_services.id", ondelete="CASCADE"), index=True)
    #: The short link ``/<lang>/s/<short_code>`` printed on posters.
    short_code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    title_sv: Mapped[str] = mapped_column(sa.String(300))
    title_rom: Mapped[str | None] = mapped_column(sa.String(300))
    intro_sv: Mapped[str | None] = mapped_column(sa.Text)
    intro_rom: Mapped[str | None] = mapped_column(sa.Text)
    opens_dt: Mapped[datetime]
    closes_dt: Mapped[datetime]
    #: ``None`` while the survey is a draft (questions can still change).
    published_dt: Mapped[datetime | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    service: Mapped[Service] = relationship(back_populates="surveys", lazy="joined")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_published(self) -> bool:
        return self.published_dt is not None

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.is_published and self.opens_dt <= now <= self.closes_dt


class QuestionKind(enum.Enum):
    TEXT = "text"
    CHOICE = "choice"
    SCALE = "scale"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    QuestionKind.TEXT: _l("Free text"),
    QuestionKind.CHOICE: _l("Single choice"),
    QuestionKind.SCALE: _l("Scale from 1 to 5"),
}

#: The values of a scale question.
SCALE_VALUES = (1, 2, 3, 4, 5)
#: The words of the scale, shown with the answer form, the results and a receipt.
SCALE_LABELS = {
    1: _l("1 – very bad"),
    2: _l("2 – bad"),
    3: _l("3 – neither good nor bad"),
    4: _l("4 – good"),
    5: _l("5 – very good"),
}


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("experience_surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    text_sv: Mapped[str] = mapped_column(sa.String(500))
    text_rom: Mapped[str | None] = mapped_column(sa.String(500))
    required: Mapped[bool] = mapped_column(default=False)

    survey: Mapped[Survey] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def field_name(self) -> str:
        return f"q_{self.id}"


class QuestionOption(Base):
    """One option of a single-choice question, in Swedish and Romani."""

    __tablename__ = "survey_question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label_sv: Mapped[str] = mapped_column(sa.String(300))
    label_rom: Mapped[str | None] = mapped_column(sa.String(300))

    question: Mapped[SurveyQuestion] = relationship(back_populates="options")


class RecordKind(enum.Enum):
    SURVEY = "survey"  # an answer to a survey (web, paper or oral)
    DIALOGUE = "dialogue"  # ongoing dialogue
    GROUP_INTERVIEW = "group_interview"
    VISIT = "visit"

    @property
    def label(self) -> str:
        return str(RECORD_KIND_LABELS[self])


RECORD_KIND_LABELS = {
    RecordKind.SURVEY: _l("Survey answer"),
    RecordKind.DIALOGUE: _l("Ongoing dialogue"),
    RecordKind.GROUP_INTERVIEW: _l("Group interview"),
    RecordKind.VISIT: _l("Visit"),
}

#: Kinds of notes staff write (everything but survey answers).
NOTE_KINDS = (RecordKind.DIALOGUE, RecordKind.GROUP_INTERVIEW, RecordKind.VISIT)


class ExperienceRecord(Base):
    """One experience: a survey answer or a note from dialogue, interviews and visits.

    No IP address, no user agent; contact data only if the person chose to
    leave it, in a separate :class:`Contact` row.
    """

    __tablename__ = "experience_records"
    __table_args__ = (sa.Index("ix_experience_records_service_id_occurred_on", "service_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("city_services.id", ondelete="CASCADE"))
    survey_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("experience_surveys.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RecordKind] = mapped_column(str_enum(RecordKind))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.WEB)
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    language: Mapped[str] = mapped_column(sa.String(8), default="sv")
    romani_variety: Mapped[RomaniVariety | None] = mapped_column(str_enum(RomaniVariety))
    #: Notes: what was said (Swedish and/or Romani).
    summary_sv: Mapped[str | None] = mapped_column(sa.Text)
    summary_rom: Mapped[str | None] = mapped_column(sa.Text)
    publish_consent: Mapped[bool] = mapped_column(default=False)
    wants_updates: Mapped[bool] = mapped_column(default=False)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Makes a resent form harmless: the same key never creates a second record.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Kept to the day (``db.CoarseUTCDateTime``): anonymous input has no finer time.
    created_dt: Mapped[datetime] = mapped_column(CoarseUTCDateTime("day"), default=utcnow_day)

    service: Mapped[Service] = relationship()
    survey: Mapped[Survey | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    entered_by: Mapped[User | None] = relationship()
    answers: Mapped[list[ExperienceAnswer]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="ExperienceAnswer.id", lazy="selectin"
    )

    @property
    def lang_tag(self) -> str:
        return language_tag(self.language, self.romani_variety)


class ExperienceAnswer(Moderated, Reviewed, Base):
    """The answer to one question: an option, a scale value or a text (moderated like views, :mod:`app.moderation`)."""

    moderated_text = "text"
    masked_text_attr = "masked_text"
    audit_name = "experience_answer"

    __tablename__ = "experience_answers"
    __table_args__ = (sa.UniqueConstraint("record_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("experience_records.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_question_options.id", ondelete="SET NULL"), index=True
    )
    scale_value: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(sa.Text)
    #: The text as published with personal data masked (``app.moderation``).
    masked_text: Mapped[str | None] = mapped_column(sa.Text)

    record: Mapped[ExperienceRecord] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()
    option: Mapped[QuestionOption | None] = relationship()

    @property
    def lang_tag(self) -> str:
        return self.record.lang_tag


#: Experiences grouped in a feedback theme (as ``theme_viewpoints`` does for views).
theme_experiences = sa.Table(
    "theme_experiences",
    Base.metadata,
    sa.Column("theme_id", sa.ForeignKey("feedback_themes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("record_id", sa.ForeignKey("experience_records.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class MeasureStatus(enum.Enum):
    PLANNED = "planned"
    ONGOING = "ongoing"
    DONE = "done"
    NOT_TAKEN = "not_taken"  # a reason is required

    @property
    def label(self) -> str:
        return str(MEASURE_STATUS_LABELS[self])


MEASURE_STATUS_LABELS = {
    MeasureStatus.PLANNED: _l("Planned"),
    MeasureStatus.ONGOING: _l("Ongoing"),
    MeasureStatus.DONE: _l("Done"),
    MeasureStatus.NOT_TAKEN: _l("Not taken"),
}


class Measure(Base):
    """The measure (åtgärd) taken on a theme: who owns it, where it stands, when.

    One-to-one with the theme's :class:`ThemeResponse`, which keeps the text of
    the answer and the reason when no measure is taken.
    """

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_responses.id", ondelete="CASCADE"), unique=True)
    owner: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[MeasureStatus] = mapped_column(str_enum(MeasureStatus), index=True)
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    response: Mapped[ThemeResponse] = relationship()
