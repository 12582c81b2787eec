"""users: who may log in to the API and the UI, and with which role

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slipstream.store.types import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = 250


def upgrade() -> None:
    op.create_table(
        "ab_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=ID), nullable=False),
        sa.Column("password_hash", sa.String(length=512), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("first_name", sa.String(length=ID), nullable=False, server_default=""),
        sa.Column("last_name", sa.String(length=ID), nullable=False, server_default=""),
        sa.Column("email", sa.String(length=ID), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_on", UtcDateTime(), nullable=False),
        sa.Column("last_login", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", name="ab_user_username_key"),
    )


def downgrade() -> None:
    op.drop_table("ab_user")
