"""Site-wide bookkeeping tables of the core package."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class ContentGeneration(Base):
    """A counter bumped by every commit that changed rows public pages may show.

    The page cache (:mod:`app.core.pagecache`) keys rendered pages by it, so a
    change is visible on the next request, on every app server. One row
    (``id = 1``), written by :func:`app.db.bump_content_generation`.
    """

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
