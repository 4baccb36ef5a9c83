"""Translator roles, per-string overrides and review state, and the glossary."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import Base, utcnow
from app.i18n import entry_key  # noqa: F401  (the key of an entry: context + msgid)


class TranslatorLanguage(Base):
    """A staff member may translate the UI into ``language`` (granted by a site administrator)."""

    __tablename__ = "translator_languages"
    __table_args__ = (sa.UniqueConstraint("user_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(sa.String(16))
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class TranslationEntry(Base):
    """What the workbench knows about one string of one language beyond the
    compiled catalog: an override shown on the live site (``text``, one item
    per plural form; ``None`` = the catalog's text) and the text a translator
    marked reviewed (``reviewed_text``)."""

    __tablename__ = "translation_entries"
    __table_args__ = (sa.UniqueConstraint("language", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(16))
    key: Mapped[str] = mapped_column(sa.String(16))
    context: Mapped[str | None] = mapped_column(sa.String(100))
    msgid: Mapped[str] = mapped_column(sa.Text)
    msgid_plural: Mapped[str | None] = mapped_column(sa.Text)
    text: Mapped[list[str] | None] = mapped_column(sa.JSON(none_as_null=True))
    reviewed_text: Mapped[list[str] | None] = mapped_column(sa.JSON(none_as_null=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_dt: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)

    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])


class GlossaryTerm(Base):
    """One term of a language's glossary: the preferred form, and forms that
    should not appear in the catalog (the consistency check lists them)."""

    __tablename__ = "glossary_terms"
    __table_args__ = (sa.UniqueConstraint("language", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(16))
    term: Mapped[str] = mapped_column(sa.String(200))
    preferred: Mapped[str] = mapped_column(sa.String(200))
    #: Forms to avoid, one per line.
    avoid: Mapped[str] = mapped_column(sa.Text, default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def avoided_forms(self) -> list[str]:
        return [line.strip() for line in self.avoid.splitlines() if line.strip()]
