"""registrations.idempotency_key: a resent registration form takes no second place

Revision ID: 5e7a1c9d2b40
Revises: 2837896f8c57
Create Date: 2026-11-29 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e7a1c9d2b40"
down_revision: str | None = "2837896f8c57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_registrations_idempotency_key"), ["idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_registrations_idempotency_key"), type_="unique")
        batch_op.drop_column("idempotency_key")
