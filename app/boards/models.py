from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, str_enum, utcnow
from app.i18n import lazy_gettext as _l


class BoardKind(enum.Enum):
    EXECUTIVE = "executive"  # kommunstyrelsen
    SPECIALIST = "specialist"  # facknämnd
    DISTRICT = "district"  # stadsdelsnämnd
    COMPANY = "company"  # bolagsstyrelse

    @property
    def label(self) -> str:
        return str(BOARD_KIND_LABELS[self])


BOARD_KIND_LABELS = {
    BoardKind.EXECUTIVE: _l("City executive board"),
    BoardKind.SPECIALIST: _l("Specialist board"),
    BoardKind.DISTRICT: _l("District board"),
    BoardKind.COMPANY: _l("Company board"),
}


class Board(Base):
    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_sv: Mapped[str] = mapped_column(sa.String(200))
    name_rom: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[BoardKind] = mapped_column(str_enum(BoardKind), index=True)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    #: Weeks after a meeting within which feedback is promised by default.
    feedback_weeks: Mapped[int] = mapped_column(default=8, server_default="8")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Board {self.slug}>"
