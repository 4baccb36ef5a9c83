"""encrypt totp secrets

Two-factor secrets were stored in clear; they are now encrypted with a key derived
from DATA_ENCRYPTION_KEY or SECRET_KEY (app/common/secretbox.py). The column grows
to hold the token and existing secrets are encrypted in place, with the key of the
configuration that runs the migration (`flask db upgrade`).

Revision ID: 8d2e6b4a9c31
Revises: 3f9a1c7d2b10
Create Date: 2026-11-29 11:01:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # noqa: F401

revision: str = "8d2e6b4a9c31"
down_revision: str | None = "3f9a1c7d2b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_users = sa.table("users", sa.column("id", sa.Integer()), sa.column("totp_secret", sa.String()))


def _key_material() -> str:
    """The running application's key, or the environment's (as config.py reads it)."""
    from flask import current_app, has_app_context

    from app.common import secretbox

    if has_app_context():
        return secretbox.key_material(current_app.config)
    from config import config_from_env

    config = config_from_env()
    return secretbox.key_material(
        {"DATA_ENCRYPTION_KEY": getattr(config, "DATA_ENCRYPTION_KEY", ""), "SECRET_KEY": config.SECRET_KEY}
    )


def upgrade() -> None:
    from app.common import secretbox

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255), existing_nullable=True
        )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_users.c.id, _users.c.totp_secret).where(_users.c.totp_secret.is_not(None))
    ).all()
    if rows:
        material = _key_material()
        for user_id, secret in rows:
            if not secretbox.is_encrypted(secret):
                connection.execute(
                    _users.update()
                    .where(_users.c.id == user_id)
                    .values(totp_secret=secretbox.encrypt(secret, material))
                )


def downgrade() -> None:
    from app.common import secretbox

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_users.c.id, _users.c.totp_secret).where(_users.c.totp_secret.is_not(None))
    ).all()
    if rows:
        material = _key_material()
        for user_id, secret in rows:
            if secretbox.is_encrypted(secret):
                connection.execute(
                    _users.update()
                    .where(_users.c.id == user_id)
                    .values(totp_secret=secretbox.decrypt(secret, material))
                )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64), existing_nullable=True
        )
