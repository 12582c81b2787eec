"""scheduler jobs: each scheduler's row with its heartbeat, and which one dispatched each try

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slipstream.store.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = 250


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_type", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("hostname", sa.String(length=ID), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("start_date", UtcDateTime(), nullable=False),
        sa.Column("end_date", UtcDateTime(), nullable=True),
        sa.Column("latest_heartbeat", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_job_type_state", "job", ["job_type", "state"])
    op.add_column("task_instance", sa.Column("queued_by_job_id", sa.Integer(), nullable=True))
    op.create_index("idx_task_instance_job_state", "task_instance", ["queued_by_job_id", "state"])


def downgrade() -> None:
    op.drop_index("idx_task_instance_job_state", table_name="task_instance")
    with op.batch_alter_table("task_instance") as batch:
        batch.drop_column("queued_by_job_id")
    op.drop_index("idx_job_type_state", table_name="job")
    op.drop_table("job")
