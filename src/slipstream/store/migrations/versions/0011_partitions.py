"""partitions: partition keys on DAG runs and asset events, the partition mapper of each asset a
partitioned DAG is scheduled on, and the partitions waiting for a run of such a DAG

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slipstream.store.types import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = 250


def upgrade() -> None:
    op.add_column("dag_run", sa.Column("partition_key", sa.String(length=ID), nullable=True))
    op.add_column("dag_run", sa.Column("partition_date", UtcDateTime(), nullable=True))
    op.add_column("asset_event", sa.Column("partition_key", sa.String(length=ID), nullable=True))
    op.add_column("dag_schedule_asset", sa.Column("partition_mapper", sa.JSON(none_as_null=True), nullable=True))
    op.add_column("dag_schedule_asset_ref", sa.Column("partition_mapper", sa.JSON(none_as_null=True), nullable=True))
    op.create_table(
        "asset_partition_dag_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("target_dag_id", sa.String(length=ID), nullable=False),
        sa.Column("partition_key", sa.String(length=ID), nullable=False),
        sa.Column("partition_date", UtcDateTime(), nullable=True),
        sa.Column("created_dag_run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "idx_asset_partition_dag_run_pending", "asset_partition_dag_run", ["target_dag_id", "partition_key"],
        unique=True, sqlite_where=sa.text("created_dag_run_id IS NULL"),
        postgresql_where=sa.text("created_dag_run_id IS NULL"),
    )
    op.create_table(
        "partitioned_asset_key_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("asset_event_id", sa.Integer(), nullable=False),
        sa.Column("asset_partition_dag_run_id", sa.Integer(), nullable=False),
        sa.Column("source_partition_key", sa.String(length=ID), nullable=False),
        sa.Column("target_dag_id", sa.String(length=ID), nullable=False),
        sa.Column("target_partition_key", sa.String(length=ID), nullable=False),
        sa.Column("mapper_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_partitioned_asset_key_log_apdr", "partitioned_asset_key_log", ["asset_partition_dag_run_id"])


def downgrade() -> None:
    op.drop_index("idx_partitioned_asset_key_log_apdr", table_name="partitioned_asset_key_log")
    op.drop_table("partitioned_asset_key_log")
    op.drop_index("idx_asset_partition_dag_run_pending", table_name="asset_partition_dag_run")
    op.drop_table("asset_partition_dag_run")
    with op.batch_alter_table("dag_schedule_asset_ref") as batch:
        batch.drop_column("partition_mapper")
    with op.batch_alter_table("dag_schedule_asset") as batch:
        batch.drop_column("partition_mapper")
    with op.batch_alter_table("asset_event") as batch:
        batch.drop_column("partition_key")
    with op.batch_alter_table("dag_run") as batch:
        batch.drop_column("partition_date")
        batch.drop_column("partition_key")
