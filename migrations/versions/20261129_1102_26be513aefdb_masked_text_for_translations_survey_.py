"""masked text for translations, survey answers and wishes

Revision ID: 26be513aefdb
Revises: 8d2e6b4a9c31
Create Date: 2026-11-29 10:19:06.875824
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "26be513aefdb"
down_revision: str | None = "8d2e6b4a9c31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("experience_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("masked_text", sa.Text(), nullable=True))

    with op.batch_alter_table("viewpoint_translations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("masked_body", sa.Text(), nullable=True))

    with op.batch_alter_table("wishes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("masked_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wishes", schema=None) as batch_op:
        batch_op.drop_column("masked_text")

    with op.batch_alter_table("viewpoint_translations", schema=None) as batch_op:
        batch_op.drop_column("masked_body")

    with op.batch_alter_table("experience_answers", schema=None) as batch_op:
        batch_op.drop_column("masked_text")
