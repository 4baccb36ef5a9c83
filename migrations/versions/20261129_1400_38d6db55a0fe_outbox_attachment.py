"""outbox_messages.attachment_*: an e-mail can carry a calendar entry

Revision ID: 38d6db55a0fe
Revises: 5e7a1c9d2b40
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "38d6db55a0fe"
down_revision: str | None = "5e7a1c9d2b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("attachment_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("attachment_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("attachment_text")
        batch_op.drop_column("attachment_type")
        batch_op.drop_column("attachment_name")
