"""viewpoints.speaker_*: the speaker of a transcribed view confirms or corrects it

Revision ID: 7d6ab8296bd4
Revises: 38d6db55a0fe
Create Date: 2026-11-29 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "7d6ab8296bd4"
down_revision: str | None = "38d6db55a0fe"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("viewpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "speaker_check",
                sa.Enum("awaiting", "confirmed", "corrected", name="speakercheck", native_enum=False, length=32),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("speaker_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("speaker_asked_dt", app.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("speaker_due_dt", app.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("speaker_answered_dt", app.db.UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_viewpoints_speaker_token_hash"), ["speaker_token_hash"])


def downgrade() -> None:
    with op.batch_alter_table("viewpoints", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_viewpoints_speaker_token_hash"), type_="unique")
        batch_op.drop_column("speaker_answered_dt")
        batch_op.drop_column("speaker_due_dt")
        batch_op.drop_column("speaker_asked_dt")
        batch_op.drop_column("speaker_token_hash")
        batch_op.drop_column("speaker_check")
