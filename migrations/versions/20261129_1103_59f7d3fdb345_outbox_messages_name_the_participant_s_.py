"""outbox messages name the participant's contact

Revision ID: 59f7d3fdb345
Revises: 26be513aefdb
Create Date: 2026-11-29 10:27:52.352214
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "59f7d3fdb345"
down_revision: str | None = "26be513aefdb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_messages_contact_id"), ["contact_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_contact_id_contacts"), "contacts", ["contact_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_messages_contact_id_contacts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_contact_id"))
        batch_op.drop_column("contact_id")
