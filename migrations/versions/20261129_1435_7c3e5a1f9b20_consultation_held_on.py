"""consultations.held_on: the day a moved meeting took place

Revision ID: 7c3e5a1f9b20
Revises: 7d6ab8296bd4
Create Date: 2026-11-29 14:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c3e5a1f9b20"
down_revision: str | None = "7d6ab8296bd4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_column("held_on")
