"""a DAG's runs by id, for its newest runs

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The UI's grid pages through a DAG's newest runs and the dashboard finds each DAG's newest run:
    # with this index both read a few index entries instead of every run of the DAG.
    op.create_index("idx_dag_run_dag_id_id", "dag_run", ["dag_id", "id"])


def downgrade() -> None:
    op.drop_index("idx_dag_run_dag_id_id", table_name="dag_run")
