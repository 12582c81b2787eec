"""dag: the listing facts of the serialized DAG (timetable kind and description, asset-triggered,
partitioned, task concurrency limits), so a DAG listing reads no serialized JSON

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slipstream.store.dag_facts import listing_facts

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

COLUMNS = ("timetable_kind", "timetable_description", "asset_triggered", "timetable_partitioned",
           "has_task_concurrency_limits")


def upgrade() -> None:
    with op.batch_alter_table("dag") as batch:
        batch.add_column(sa.Column("timetable_kind", sa.String(length=50), nullable=True))
        batch.add_column(sa.Column("timetable_description", sa.Text(), nullable=True))
        for name in COLUMNS[2:]:
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()))
    serialized = sa.table("serialized_dag", sa.column("dag_id", sa.String()), sa.column("data", sa.JSON()))
    dag = sa.table("dag", sa.column("dag_id", sa.String()), *(sa.column(name) for name in COLUMNS))
    bind = op.get_bind()
    for dag_id, data in bind.execute(sa.select(serialized.c.dag_id, serialized.c.data)).all():
        bind.execute(sa.update(dag).where(dag.c.dag_id == dag_id).values(**listing_facts(data or {})))


def downgrade() -> None:
    with op.batch_alter_table("dag") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
