"""wishes and survey answers are public once staff have read them

Wishes and free-text survey answers get reviewed_dt/reviewed_by_id (moderation.models.Reviewed);
those received before are marked reviewed, since they were already public.

Revision ID: 8a394562bafe
Revises: 6e295dc6375e
Create Date: 2026-11-29 10:50:14.460051
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "8a394562bafe"
down_revision: str | None = "6e295dc6375e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("experience_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_dt", app.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_experience_answers_reviewed_by_id_users"),
            "users",
            ["reviewed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("wishes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_dt", app.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_wishes_reviewed_by_id_users"), "users", ["reviewed_by_id"], ["id"], ondelete="SET NULL"
        )

    # Wishes and answers received before this were public at once; they stay public.
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.execute(sa.text("UPDATE wishes SET reviewed_dt = :now").bindparams(now=now))
    op.execute(sa.text("UPDATE experience_answers SET reviewed_dt = :now WHERE text IS NOT NULL").bindparams(now=now))


def downgrade() -> None:
    with op.batch_alter_table("wishes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_wishes_reviewed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("reviewed_by_id")
        batch_op.drop_column("reviewed_dt")

    with op.batch_alter_table("experience_answers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_experience_answers_reviewed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("reviewed_by_id")
        batch_op.drop_column("reviewed_dt")
