"""a run's task instances by state, in place of the index on the run alone

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each scheduler pass reads the instances of its runs that are not yet decided: with 100,000
    # instances in a run, the index on the run alone made that a walk over all of them. The
    # run's own lookups use the prefix of this index or of idx_task_instance_run_task_state.
    op.create_index("idx_task_instance_run_state", "task_instance", ["dag_run_id", "state"])
    op.drop_index("idx_task_instance_dag_run_id", table_name="task_instance")


def downgrade() -> None:
    op.create_index("idx_task_instance_dag_run_id", "task_instance", ["dag_run_id"])
    op.drop_index("idx_task_instance_run_state", table_name="task_instance")
