"""assets: assets and aliases, their events, which DAGs are scheduled on them, and the queue of
events each consuming DAG has not consumed yet

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slipstream.store.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TEXT = 1500
ID = 250


def upgrade() -> None:
    op.create_table(
        "asset",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=TEXT), nullable=False),
        sa.Column("uri", sa.String(length=TEXT), nullable=False),
        sa.Column("group", sa.String(length=TEXT), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "uri", name="asset_name_uri_key"),
    )
    op.create_table(
        "asset_alias",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=TEXT), nullable=False),
        sa.Column("group", sa.String(length=TEXT), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "asset_alias_asset",
        sa.Column("alias_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("alias_id", "asset_id"),
    )
    op.create_table(
        "asset_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("source_dag_id", sa.String(length=ID), nullable=True),
        sa.Column("source_run_id", sa.String(length=ID), nullable=True),
        sa.Column("source_task_id", sa.String(length=ID), nullable=True),
        sa.Column("source_map_index", sa.Integer(), nullable=False),
        sa.Column("timestamp", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_asset_event_asset_timestamp", "asset_event", ["asset_id", "timestamp"])
    op.create_table(
        "asset_alias_event",
        sa.Column("alias_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("alias_id", "event_id"),
    )
    op.create_table(
        "dag_schedule_asset",
        sa.Column("dag_id", sa.String(length=ID), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("dag_id", "asset_id"),
    )
    op.create_table(
        "dag_schedule_asset_alias",
        sa.Column("dag_id", sa.String(length=ID), nullable=False),
        sa.Column("alias_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("dag_id", "alias_id"),
    )
    op.create_table(
        "dag_schedule_asset_ref",
        sa.Column("dag_id", sa.String(length=ID), nullable=False),
        sa.Column("name", sa.String(length=TEXT), nullable=False),
        sa.Column("uri", sa.String(length=TEXT), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("dag_id", "name", "uri"),
    )
    op.create_table(
        "task_outlet_asset",
        sa.Column("dag_id", sa.String(length=ID), nullable=False),
        sa.Column("task_id", sa.String(length=ID), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dag_id", "task_id", "asset_id"),
    )
    op.create_table(
        "asset_dag_run_queue",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("target_dag_id", sa.String(length=ID), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("asset_id", "target_dag_id"),
    )
    op.create_table(
        "dag_run_asset_event",
        sa.Column("dag_run_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dag_run_id", "event_id"),
    )


def downgrade() -> None:
    for table in (
        "dag_run_asset_event", "asset_dag_run_queue", "task_outlet_asset", "dag_schedule_asset_ref", "dag_schedule_asset_alias",
        "dag_schedule_asset", "asset_alias_event",
    ):
        op.drop_table(table)
    op.drop_index("idx_asset_event_asset_timestamp", table_name="asset_event")
    for table in ("asset_event", "asset_alias_asset", "asset_alias", "asset"):
        op.drop_table(table)
