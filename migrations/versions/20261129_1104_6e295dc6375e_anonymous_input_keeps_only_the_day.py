"""anonymous input keeps only the day

Views, experience records (survey answers, notes), wishes and meeting evaluations
stored ``created_dt`` to the microsecond; from now on only the start of the
Stockholm day is stored (``app.db.CoarseUTCDateTime``). This rounds down the
rows written before. No schema change: the column type stays a timestamp. The
finer time cannot be restored, so the downgrade leaves the data as it is.

Revision ID: 6e295dc6375e
Revises: 59f7d3fdb345
Create Date: 2026-11-29 10:31:58.458705
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from app.db import coarse_time

revision: str = "6e295dc6375e"
down_revision: str | None = "59f7d3fdb345"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("viewpoints", "experience_records", "wishes", "minutes_evaluations")
BATCH = 5000


def _day(value: datetime) -> datetime:
    """Naive UTC in, naive UTC out: the start of the value's Stockholm day."""
    return coarse_time(value.replace(tzinfo=timezone.utc), "day").replace(tzinfo=None)


def upgrade() -> None:
    connection = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("created_dt", sa.DateTime))
        last_id = 0
        while True:
            rows = connection.execute(
                sa.select(table.c.id, table.c.created_dt).where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)
            ).all()
            if not rows:
                break
            last_id = rows[-1][0]
            changed = [
                {"row_id": row_id, "day": _day(created)}
                for row_id, created in rows
                if created is not None and _day(created) != created
            ]
            if changed:
                connection.execute(
                    table.update().where(table.c.id == sa.bindparam("row_id")).values(created_dt=sa.bindparam("day")),
                    changed,
                )


def downgrade() -> None:
    pass
