"""/ui/run_states: the states of one run's task instances that the graph view polls."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slipstream.store import dag_runs, task_instances
from slipstream.store.dag_runs import TaskSpec

DAG_SOURCE = '''
from datetime import datetime

from airflow.sdk import DAG, TaskGroup, task
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    start = EmptyOperator(task_id="start")
    with TaskGroup("process"):
        first = EmptyOperator(task_id="first")
        with TaskGroup("inner"):
            deep = EmptyOperator(task_id="deep")
        first >> deep

    @task
    def double(x):
        return 2 * x

    start >> first
    deep >> double.expand(x=[1, 2, 3])
'''
TASKS = ["start", "process.first", "process.inner.deep", "double"]


@pytest.fixture(scope="module")
def dag_id(api) -> str:
    dag_id = api.unique("graph_dag")
    api.write_dag(f"{dag_id}.py", DAG_SOURCE.format(dag_id=dag_id))
    api.parse()
    return dag_id


def _add_run(api, dag_id: str, run_id: str, states: dict[str, str], mapped: list[str] | None = None) -> None:
    """A run written straight to the store with these task states; ``mapped``: the states of
    the mapped task's instances once expanded."""
    from slipstream.store.models import TaskInstanceRow

    specs = [TaskSpec(task_id=t, operator="EmptyOperator", max_tries=0, pool="default_pool", pool_slots=1,
                      queue="default", priority_weight=1) for t in TASKS]
    when = datetime(2024, 5, 1, tzinfo=UTC)
    with api.db.write() as session:
        run = dag_runs.create(session, dag_id=dag_id, run_id=run_id, run_type="manual", tasks=specs, now=when,
                              logical_date=None, state="running")
        rows = {r.task_id: r for r in session.query(TaskInstanceRow).filter_by(dag_run_id=run.id)}
        for task_id, state in states.items():
            rows[task_id].state = state
        session.flush()
        if mapped:
            task_instances.expand(session, rows["double"].id, len(mapped), "success")
            for index, state in enumerate(mapped):
                session.query(TaskInstanceRow).filter_by(dag_run_id=run.id, task_id="double", map_index=index).update(
                    {"state": state})


def test_run_states_give_each_task_its_state_groups_summed_and_mapped_counts(api, dag_id):
    _add_run(api, dag_id, "manual__2024-05-01T00:00:00+00:00",
             {"start": "success", "process.first": "success", "process.inner.deep": "running"},
             mapped=["success", "running", "failed", "success"])
    answer = api.client("Viewer").get(f"/ui/run_states/{dag_id}/manual__2024-05-01T00:00:00+00:00")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["run_id"] == "manual__2024-05-01T00:00:00+00:00" and body["run_state"] == "running"
    assert body["task_states"] == {"start": "success", "process.first": "success", "process.inner.deep": "running",
                                   "double": "failed"}
    assert body["group_states"] == {"process": "running", "process.inner": "running"}
    assert body["counts"] == {
        "process": {"success": 1, "running": 1}, "process.inner": {"running": 1},
        "double": {"success": 2, "running": 1, "failed": 1},
    }


def test_undecided_tasks_are_none_and_a_finished_group_is_success(api, dag_id):
    _add_run(api, dag_id, "other", {"process.first": "success", "process.inner.deep": "success"})
    body = api.client("Viewer").get(f"/ui/run_states/{dag_id}/other").json()
    assert body["task_states"]["start"] == "none" and body["task_states"]["double"] == "none"
    assert body["group_states"] == {"process": "success", "process.inner": "success"}
    assert body["counts"]["double"] == {"none": 1}


def test_run_states_errors(api, dag_id):
    viewer = api.client("Viewer")
    missing_run = viewer.get(f"/ui/run_states/{dag_id}/no_such_run")
    assert missing_run.status_code == 404 and "no_such_run" in missing_run.json()["detail"]
    missing_dag = viewer.get("/ui/run_states/no_such_dag/other")
    assert missing_dag.status_code == 404 and "no_such_dag" in missing_dag.json()["detail"]
    assert api.client(None).get(f"/ui/run_states/{dag_id}/other").status_code == 401


def test_run_states_read_the_store_in_a_few_queries(api, dag_id):
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    _add_run(api, dag_id, "counted", {"process.first": "success"})
    viewer = api.client("Viewer")
    viewer.get(f"/ui/run_states/{dag_id}/counted")  # the structure is kept after the first answer
    event.listen(api.db.engine, "before_cursor_execute", record)
    try:
        answer = viewer.get(f"/ui/run_states/{dag_id}/counted")
    finally:
        event.remove(api.db.engine, "before_cursor_execute", record)
    assert answer.status_code == 200
    reads = [s for s in statements if "ab_user" not in s]
    assert len(reads) <= 3, reads
