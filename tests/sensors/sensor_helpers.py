"""Run one task of a DAG built in the test through the real runner's ``execute_task``."""

from __future__ import annotations

from datetime import UTC, datetime

from slipstream.runner.context import DagRunInfo
from slipstream.runner.task_runner import TryResult, execute_task
from slipstream.runner.try_store import TryStore
from slipstream.sdk import DAG

LOGICAL = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def run_info(dag: DAG, *, logical: datetime = LOGICAL, interval_end: datetime | None = None) -> DagRunInfo:
    return DagRunInfo(
        id=1, dag_id=dag.dag_id, run_id="manual__sensor_test", run_type="manual", logical_date=logical,
        data_interval_start=logical, data_interval_end=interval_end or logical,
    )


def run(
    dag: DAG, task_id: str, *, try_number: int = 1, max_tries: int = 0, store: TryStore | None = None,
    info: DagRunInfo | None = None,
) -> TryResult:
    return execute_task(
        dag, task_id, info or run_info(dag), store=store, map_index=-1, try_number=try_number, max_tries=max_tries
    )
