"""Deleting a DAG from the store: its row, serialized form, runs, task instances and everything
recorded about them, as Airflow's ``delete_dag`` does. Asset events it produced stay (they belong
to the assets); so do its log files on disk."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from slipstream.store.models import (
    AssetDagRunQueueRow,
    AssetPartitionDagRunRow,
    DagRow,
    DagRunAssetEventRow,
    DagRunRow,
    DagScheduleAssetAliasRow,
    DagScheduleAssetRefRow,
    DagScheduleAssetRow,
    DeadlineRow,
    ImportErrorRow,
    PartitionedAssetKeyLogRow,
    RenderedTaskInstanceFieldsRow,
    SerializedDagRow,
    TaskInstanceRow,
    TaskLogRow,
    TaskOutletAssetRow,
    TaskRescheduleRow,
    TaskStateRow,
    XComRow,
)
from slipstream.store.states import TaskInstanceState

# Tables keyed by the DAG's id, children before parents.
_BY_DAG_ID = (
    XComRow, TaskLogRow, RenderedTaskInstanceFieldsRow, TaskRescheduleRow, TaskStateRow, DeadlineRow,
    TaskInstanceRow, DagRunRow, TaskOutletAssetRow, DagScheduleAssetRow, DagScheduleAssetAliasRow,
    DagScheduleAssetRefRow, SerializedDagRow,
)
_BY_TARGET_DAG_ID = (AssetDagRunQueueRow, PartitionedAssetKeyLogRow, AssetPartitionDagRunRow)


def has_running_task_instances(session: Session, dag_id: str) -> bool:
    query = select(TaskInstanceRow.id).where(
        TaskInstanceRow.dag_id == dag_id, TaskInstanceRow.state == TaskInstanceState.RUNNING
    )
    return session.execute(query.limit(1)).first() is not None


def delete_dag(session: Session, dag_id: str) -> int:
    """Delete the DAG and what belongs to it; the number of rows deleted (0: no such DAG).
    The import errors of its file go too, as in Airflow."""
    dag = session.get(DagRow, dag_id)
    if dag is None:
        return 0
    fileloc = dag.fileloc
    runs = select(DagRunRow.id).where(DagRunRow.dag_id == dag_id)
    count = session.execute(delete(DagRunAssetEventRow).where(DagRunAssetEventRow.dag_run_id.in_(runs))).rowcount
    for model in _BY_DAG_ID:
        count += session.execute(delete(model).where(model.dag_id == dag_id)).rowcount
    for model in _BY_TARGET_DAG_ID:
        count += session.execute(delete(model).where(model.target_dag_id == dag_id)).rowcount
    count += session.execute(delete(DagRow).where(DagRow.dag_id == dag_id)).rowcount
    session.execute(delete(ImportErrorRow).where(ImportErrorRow.filename == fileloc))
    return count
