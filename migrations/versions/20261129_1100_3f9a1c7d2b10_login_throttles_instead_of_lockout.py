"""login throttles instead of lockout

Failed logins are counted per key (typed address, known device, client address,
second step, re-authentication) with doubling waits, instead of a hard lock on the
account that anyone could trigger.

Revision ID: 3f9a1c7d2b10
Revises: c8fb8044c18d
Create Date: 2026-11-29 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "3f9a1c7d2b10"
down_revision: str | None = "c8fb8044c18d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_dt", app.db.UTCDateTime(), nullable=False),
        sa.Column("blocked_until_dt", app.db.UTCDateTime(), nullable=True),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttles_last_failure_dt"), ["last_failure_dt"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until_dt")
        batch_op.drop_column("failed_login_count")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_login_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_until_dt", app.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttles_last_failure_dt"))
    op.drop_table("login_throttles")
