"""deadlines: one row per deadline of a DAG run (from its DAG's deadline alerts)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slipstream.store.types import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = 250


def upgrade() -> None:
    op.create_table(
        "deadline",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dag_run_id", sa.Integer(), nullable=False),
        sa.Column("dag_id", sa.String(length=ID), nullable=False),
        sa.Column("run_id", sa.String(length=ID), nullable=False),
        sa.Column("alert_index", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=ID), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("interval", sa.Float(), nullable=False),
        sa.Column("callback", sa.JSON(), nullable=False),
        sa.Column("deadline_time", UtcDateTime(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_deadline_state_time", "deadline", ["state", "deadline_time"])
    op.create_index("idx_deadline_dag_run_id", "deadline", ["dag_run_id"])


def downgrade() -> None:
    op.drop_index("idx_deadline_dag_run_id", table_name="deadline")
    op.drop_index("idx_deadline_state_time", table_name="deadline")
    op.drop_table("deadline")
