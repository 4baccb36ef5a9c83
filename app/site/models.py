from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class SiteText(Base):
    """An editable text by key, in Swedish and Romani."""

    __tablename__ = "site_texts"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value_sv: Mapped[str | None] = mapped_column(sa.Text)
    value_rom: Mapped[str | None] = mapped_column(sa.Text)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
