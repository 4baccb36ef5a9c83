"""Wishes (önskemål): a topic, time, place or format proposed for future consultations.

Anyone may send one, anonymously. Contact data, if given, lives in
``contacts`` (see ``participation.models.Contact``) and can be purged while the
wish and its public answer stay. No IP address or user agent is stored.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.boards.models import Board
from app.consultations.models import RomaniVariety
from app.db import Base, CoarseUTCDateTime, str_enum, utcnow_day
from app.i18n import lazy_gettext as _l
from app.moderation.models import Moderated, Reviewed
from app.participation.models import Contact, TranslatedCopy, language_tag


class WishKind(enum.Enum):
    TOPIC = "topic"
    TIME = "time"
    PLACE = "place"
    FORMAT = "format"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(WISH_KIND_LABELS[self])


WISH_KIND_LABELS = {
    WishKind.TOPIC: _l("A topic"),
    WishKind.TIME: _l("A time"),
    WishKind.PLACE: _l("A place"),
    WishKind.FORMAT: _l("A way of meeting"),
    WishKind.OTHER: _l("Something else"),
}


class WishStatus(enum.Enum):
    NEW = "new"
    PLANNED = "planned"
    ANSWERED = "answered"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(WISH_STATUS_LABELS[self])


WISH_STATUS_LABELS = {
    WishStatus.NEW: _l("Not answered yet"),
    WishStatus.PLANNED: _l("Planned"),
    WishStatus.ANSWERED: _l("Answered"),
    WishStatus.DECLINED: _l("Declined"),
}


wish_boards = sa.Table(
    "wish_boards",
    Base.metadata,
    sa.Column("wish_id", sa.ForeignKey("wishes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("board_id", sa.ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Wish(Moderated, Reviewed, Base):
    """A wish for future open consultations, addressed to one or more boards (moderated: :mod:`app.moderation`)."""

    moderated_text = "text"
    masked_text_attr = "masked_text"
    audit_name = "wish"

    __tablename__ = "wishes"
    __table_args__ = (sa.Index("ix_wishes_hidden_dt_created_dt", "hidden_dt", "created_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[WishKind] = mapped_column(str_enum(WishKind))
    text: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(8))
    romani_variety: Mapped[RomaniVariety | None] = mapped_column(str_enum(RomaniVariety))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    #: The person wants an e-mail when the boards answer (needs an address in the contact).
    wants_answer: Mapped[bool] = mapped_column(default=False)
    #: Makes a resent form harmless: the same key never creates a second wish.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Kept to the day (``db.CoarseUTCDateTime``): anonymous input has no finer time.
    created_dt: Mapped[datetime] = mapped_column(CoarseUTCDateTime("day"), default=utcnow_day)

    status: Mapped[WishStatus] = mapped_column(str_enum(WishStatus), default=WishStatus.NEW, index=True)
    #: The public answer; when declined, the reason.
    answer_sv: Mapped[str | None] = mapped_column(sa.Text)
    answer_rom: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    answered_dt: Mapped[datetime | None]

    #: The text as published with personal data masked (``app.moderation``).
    masked_text: Mapped[str | None] = mapped_column(sa.Text)

    boards: Mapped[list[Board]] = relationship(secondary=wish_boards, lazy="selectin", order_by=Board.name_sv)
    contact: Mapped[Contact | None] = relationship()
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    #: Translations for staff (a Romani wish read in Swedish), with who or what translated it.
    translations: Mapped[list[WishTranslation]] = relationship(
        back_populates="wish", cascade="all, delete-orphan", lazy="selectin", order_by="WishTranslation.id"
    )
    #: Earlier answers, newest first: what the boards said before and who said it when.
    earlier_answers: Mapped[list[WishAnswerRevision]] = relationship(
        back_populates="wish", cascade="all, delete-orphan", order_by="WishAnswerRevision.id.desc()"
    )

    @property
    def board_ids(self) -> set[int]:
        return {b.id for b in self.boards}

    @property
    def lang_tag(self) -> str:
        return language_tag(self.language, self.romani_variety)

    @property
    def has_answer(self) -> bool:
        return bool(self.answer_sv)


class WishTranslation(TranslatedCopy, Base):
    """A translation of a wish for staff; the original is always kept (as for views)."""

    __tablename__ = "wish_translations"
    __table_args__ = (sa.UniqueConstraint("wish_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(sa.ForeignKey("wishes.id", ondelete="CASCADE"), index=True)

    wish: Mapped[Wish] = relationship(back_populates="translations")


class WishAnswerRevision(Base):
    """An answer to a wish as it stood before it was changed: status, text, who and when."""

    __tablename__ = "wish_answer_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(sa.ForeignKey("wishes.id", ondelete="CASCADE"), index=True)
    status: Mapped[WishStatus] = mapped_column(str_enum(WishStatus))
    answer_sv: Mapped[str | None] = mapped_column(sa.Text)
    answer_rom: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    answered_dt: Mapped[datetime | None]

    wish: Mapped[Wish] = relationship(back_populates="earlier_answers")
    answered_by: Mapped[User | None] = relationship()
