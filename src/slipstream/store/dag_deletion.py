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
    DagRunRow,
    DagScheduleAssetAliasRow,
    DagScheduleAssetRefRow,
    DagScheduleAssetRow,
    ImportErrorRow,
    PartitionedAssetKeyLogRow,
    SerializedDagRow,
    TaskInstanceRow,
    TaskOutletAssetRow,
)
from slipstream.store.run_deletion import delete_runs
from slipstream.store.states import TaskInstanceState

# What belongs to the DAG itself rather than to one of its runs.
_BY_DAG_ID = (TaskOutletAssetRow, DagScheduleAssetRow, DagScheduleAssetAliasRow, DagScheduleAssetRefRow, SerializedDagRow)
_BY_TARGET_DAG_ID = (AssetDagRunQueueRow, PartitionedAssetKeyLogRow, AssetPartitionDagRunRow)


def has_running_task_instances(session: Session, dag_id: str) -> bool:
    query = select(TaskInstanceRow.id).where(
        TaskInstanceRow.dag_id == dag_id, TaskInstanceRow.state == TaskInstanceState.RUNNING
    )
    return session.execute(query.limit(1)).first() is not None


def delete_dag(session: Session, dag_id: str) -> bool:
    """Delete the DAG, its runs with what hangs off them (store/run_deletion.py), and what it
    recorded about assets; False when there is no such DAG. The import errors of its file go
    too, as in Airflow."""
    dag = session.get(DagRow, dag_id)
    if dag is None:
        return False
    fileloc = dag.fileloc
    delete_runs(session, list(session.scalars(select(DagRunRow.id).where(DagRunRow.dag_id == dag_id))))
    for model in _BY_DAG_ID:
        session.execute(delete(model).where(model.dag_id == dag_id))
    for model in _BY_TARGET_DAG_ID:
        session.execute(delete(model).where(model.target_dag_id == dag_id))
    session.execute(delete(DagRow).where(DagRow.dag_id == dag_id))
    session.execute(delete(ImportErrorRow).where(ImportErrorRow.filename == fileloc))
    return True
