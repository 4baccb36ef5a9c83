"""theme_suggestion_runs, theme_suggestions, theme_suggestion_viewpoints: suggested themes staff review (issue 22)

Revision ID: 88395673686e
Revises: 4b8d2e6a1c75
Create Date: 2026-11-29 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "88395673686e"
down_revision: str | None = "4b8d2e6a1c75"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "theme_suggestion_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("considered", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("grouped", sa.Integer(), nullable=False),
        sa.Column("created_dt", app.db.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_theme_suggestion_runs_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_theme_suggestion_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_suggestion_runs")),
        sa.UniqueConstraint("consultation_id", name=op.f("uq_theme_suggestion_runs_consultation_id")),
    )
    op.create_table(
        "theme_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["theme_suggestion_runs.id"],
            name=op.f("fk_theme_suggestions_run_id_theme_suggestion_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_suggestions")),
    )
    with op.batch_alter_table("theme_suggestions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_suggestions_run_id"), ["run_id"], unique=False)

    op.create_table(
        "theme_suggestion_viewpoints",
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("viewpoint_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("themed_before", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["suggestion_id"],
            ["theme_suggestions.id"],
            name=op.f("fk_theme_suggestion_viewpoints_suggestion_id_theme_suggestions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["viewpoint_id"],
            ["viewpoints.id"],
            name=op.f("fk_theme_suggestion_viewpoints_viewpoint_id_viewpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("suggestion_id", "viewpoint_id", name=op.f("pk_theme_suggestion_viewpoints")),
    )
    with op.batch_alter_table("theme_suggestion_viewpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_suggestion_viewpoints_viewpoint_id"), ["viewpoint_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("theme_suggestion_viewpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_suggestion_viewpoints_viewpoint_id"))

    op.drop_table("theme_suggestion_viewpoints")
    with op.batch_alter_table("theme_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_suggestions_run_id"))

    op.drop_table("theme_suggestions")
    op.drop_table("theme_suggestion_runs")
