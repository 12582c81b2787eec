"""indexes for scheduling runs with many task instances

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Dispatch reads scheduled instances highest priority first, then oldest, a page at a time.
    op.create_index(
        "idx_task_instance_dispatch_order", "task_instance", ["state", sa.text("priority_weight DESC"), "id"]
    )
    # Planning counts a run's instances per task and state.
    op.create_index("idx_task_instance_run_task_state", "task_instance", ["dag_run_id", "task_id", "state"])


def downgrade() -> None:
    op.drop_index("idx_task_instance_run_task_state", table_name="task_instance")
    op.drop_index("idx_task_instance_dispatch_order", table_name="task_instance")
