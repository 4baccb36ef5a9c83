"""wish_translations (a wish translated for staff, with provenance) and wish_answer_revisions (earlier answers)

Revision ID: 4b8d2e6a1c75
Revises: 7c3e5a1f9b20
Create Date: 2026-11-29 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "4b8d2e6a1c75"
down_revision: str | None = "7c3e5a1f9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wish_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("masked_body", sa.Text(), nullable=True),
        sa.Column(
            "provenance", sa.Enum("human", "machine", name="provenance", native_enum=False, length=32), nullable=False
        ),
        sa.Column("translator", sa.String(length=200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", app.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_wish_translations_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["wish_id"], ["wishes.id"], name=op.f("fk_wish_translations_wish_id_wishes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wish_translations")),
        sa.UniqueConstraint("wish_id", "language", name=op.f("uq_wish_translations_wish_id_language")),
    )
    with op.batch_alter_table("wish_translations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wish_translations_wish_id"), ["wish_id"], unique=False)

    op.create_table(
        "wish_answer_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("new", "planned", "answered", "declined", name="wishstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("answer_sv", sa.Text(), nullable=True),
        sa.Column("answer_rom", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_dt", app.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_wish_answer_revisions_answered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["wish_id"], ["wishes.id"], name=op.f("fk_wish_answer_revisions_wish_id_wishes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wish_answer_revisions")),
    )
    with op.batch_alter_table("wish_answer_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wish_answer_revisions_wish_id"), ["wish_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("wish_answer_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wish_answer_revisions_wish_id"))
    op.drop_table("wish_answer_revisions")
    with op.batch_alter_table("wish_translations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wish_translations_wish_id"))
    op.drop_table("wish_translations")
