from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.consultations.models import AgendaItem, Consultation, RomaniVariety
from app.db import Base, CoarseUTCDateTime, str_enum, utcnow, utcnow_day
from app.i18n import lazy_gettext as _l
from app.moderation.models import (
    HIDDEN_LABELS,
    HiddenReason,
    Moderated,
    copy_public_text,
)

__all__ = ["HIDDEN_LABELS", "HiddenReason"]  # moved to app.moderation; imported from here by older code


class Contact(Base):
    """Personal contact data, kept apart from views and registrations so it can
    be withdrawn or purged while the anonymous record stays."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    #: Language the person wants e-mails in (a UI language code).
    language: Mapped[str] = mapped_column(sa.String(8), default="sv")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)


class Channel(enum.Enum):
    WEB = "web"
    MEETING = "meeting"
    PHONE = "phone"
    LETTER = "letter"
    #: Answers or views written on the printed form and entered by staff.
    PAPER = "paper"
    EMAIL = "email"
    VISIT = "visit"

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {
    Channel.WEB: _l("Written on the website"),
    Channel.MEETING: _l("Said at the meeting"),
    Channel.PHONE: _l("By phone"),
    Channel.LETTER: _l("By letter"),
    Channel.PAPER: _l("On a paper form"),
    Channel.EMAIL: _l("By e-mail"),
    Channel.VISIT: _l("At a visit"),
}


class Provenance(enum.Enum):
    HUMAN = "human"
    MACHINE = "machine"

    @property
    def label(self) -> str:
        return str(PROVENANCE_LABELS[self])


PROVENANCE_LABELS = {Provenance.HUMAN: _l("Translated by a person"), Provenance.MACHINE: _l("Machine translation")}


class SpeakerCheck(enum.Enum):
    """Where a transcribed view stands with its speaker (see :mod:`app.participation.speaker`)."""

    #: The transcription was sent to the speaker, who has not answered yet.
    AWAITING = "awaiting"
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"

    @property
    def label(self) -> str:
        return str(SPEAKER_CHECK_LABELS[self])


SPEAKER_CHECK_LABELS = {
    SpeakerCheck.AWAITING: _l("Awaiting the speaker"),
    SpeakerCheck.CONFIRMED: _l("Confirmed by the speaker"),
    SpeakerCheck.CORRECTED: _l("Corrected by the speaker"),
}

#: The longest view (and transcription) in characters.
MAX_BODY = 10000

#: Languages a view can be recorded in.
INPUT_LANGUAGES = ("sv", "rom", "other")


def language_tag(language: str, variety: RomaniVariety | None) -> str:
    """The BCP 47 tag for text in ``language`` (Romani refined by variety)."""
    if language == "rom":
        return variety.bcp47 if variety else "rom"
    if language == "sv":
        return "sv"
    return ""


class Viewpoint(Moderated, Base):
    """A view (synpunkt): written on the web, or said aloud and recorded by staff.

    Hidden and masked through :mod:`app.moderation`; its translations are copies
    of the text that masking reaches.
    """

    moderated_text = "body"
    masked_text_attr = "masked_body"
    audit_name = "viewpoint"

    __tablename__ = "viewpoints"
    __table_args__ = (
        sa.Index("ix_viewpoints_consultation_id_created_dt", "consultation_id", "created_dt"),
        # The board ledger counts views by language over a board's consultations:
        # an index-only scan with this one.
        sa.Index("ix_viewpoints_consultation_id_language", "consultation_id", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL"), index=True
    )
    #: Short code on the receipt; finds one's own view on the feedback page.
    reference_code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    body: Mapped[str] = mapped_column(sa.Text)
    #: The text as published when staff masked personal data in it; ``body`` stays for the archive.
    masked_body: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(8))
    romani_variety: Mapped[RomaniVariety | None] = mapped_column(str_enum(RomaniVariety))
    other_language: Mapped[str | None] = mapped_column(sa.String(60))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.WEB)
    #: Shown publicly instead of a name, if given ("on behalf of").
    on_behalf_of: Mapped[str | None] = mapped_column(sa.String(200))
    show_name: Mapped[bool] = mapped_column(default=False)
    publish_consent: Mapped[bool] = mapped_column(default=False)
    wants_feedback: Mapped[bool] = mapped_column(default=False)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Makes a resent form harmless: the same key never creates a second view.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Kept to the day (``db.CoarseUTCDateTime``): anonymous input has no finer time.
    created_dt: Mapped[datetime] = mapped_column(CoarseUTCDateTime("day"), default=utcnow_day)
    #: A view staff wrote down (said at a meeting, by phone, or a recording
    #: transcribed) goes to its speaker, if they left an e-mail address, to
    #: confirm or correct; until then (or ``speaker_due_dt``) it is not public.
    speaker_check: Mapped[SpeakerCheck | None] = mapped_column(str_enum(SpeakerCheck))
    #: SHA-256 of the secret in the speaker's private link (the link itself is only in the e-mail);
    #: emptied with the contact data.
    speaker_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    speaker_asked_dt: Mapped[datetime | None]
    #: Without an answer by then, the view may be published as staff wrote it.
    speaker_due_dt: Mapped[datetime | None]
    speaker_answered_dt: Mapped[datetime | None]

    consultation: Mapped[Consultation] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    translations: Mapped[list[ViewpointTranslation]] = relationship(
        back_populates="viewpoint", cascade="all, delete-orphan", order_by="ViewpointTranslation.id", lazy="selectin"
    )

    @property
    def lang_tag(self) -> str:
        return language_tag(self.language, self.romani_variety)

    @property
    def public_body(self) -> str:
        """What public pages show: the masked text if staff masked it."""
        return self.public_text

    def text_copies(self) -> list[ViewpointTranslation]:
        return list(self.translations)

    def public_translation(self, language: str) -> ViewpointTranslation | None:
        """The translation into ``language`` that public pages may show (see ``copy_public_text``)."""
        if language == self.language:
            return None
        return next((t for t in self.translations if t.language == language and t.public_body), None)

    @property
    def author_label(self) -> str | None:
        """The name a view is published with: "on behalf of", or the name if the author chose to show it."""
        if self.on_behalf_of:
            return self.on_behalf_of
        if self.show_name and self.contact is not None and self.contact.name:
            return self.contact.name
        return None

    @property
    def awaiting_speaker(self) -> bool:
        """Sent to the speaker to confirm, who has not answered, and the time to answer has not run out."""
        return self.speaker_check is SpeakerCheck.AWAITING and (
            self.speaker_due_dt is None or utcnow() < self.speaker_due_dt
        )

    @property
    def is_public(self) -> bool:
        """May the text be shown on public pages? (:meth:`public_clause` says the same in SQL.)"""
        return self.publish_consent and not self.is_hidden and bool(self.body.strip()) and not self.awaiting_speaker

    @classmethod
    def public_clause(cls, now: datetime | None = None) -> sa.ColumnElement[bool]:
        """:attr:`is_public` as a SQL condition."""
        return sa.and_(
            cls.publish_consent.is_(True),
            cls.hidden_dt.is_(None),
            cls.body != "",
            sa.or_(
                cls.speaker_check.is_(None),
                cls.speaker_check != SpeakerCheck.AWAITING,
                cls.speaker_due_dt <= (now or utcnow()),
            ),
        )


class TranslatedCopy:
    """A translation with its provenance, beside an original that is always kept.

    The columns every translated text has (a view's, a wish's): mixed into
    :class:`ViewpointTranslation` and ``wishes.models.WishTranslation``, filled
    by :func:`app.participation.services.put_translation`.
    """

    language: Mapped[str] = mapped_column(sa.String(8))
    body: Mapped[str] = mapped_column(sa.Text)
    #: The translation as published while the original is masked (``None``: not shown while masked).
    masked_body: Mapped[str | None] = mapped_column(sa.Text)
    provenance: Mapped[Provenance] = mapped_column(str_enum(Provenance), default=Provenance.HUMAN)
    translator: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)


class ViewpointTranslation(TranslatedCopy, Base):
    """A translation of a view; the original is always kept."""

    __tablename__ = "viewpoint_translations"
    __table_args__ = (sa.UniqueConstraint("viewpoint_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    viewpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("viewpoints.id", ondelete="CASCADE"), index=True)

    viewpoint: Mapped[Viewpoint] = relationship(back_populates="translations")

    @property
    def public_body(self) -> str | None:
        """What public pages show of this translation; ``None``: nothing (masked view, translation not masked)."""
        return copy_public_text(self.viewpoint, self)
