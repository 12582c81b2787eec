"""The UI's Gantt (/ui/gantt/{dag_id}/{run_id}: every try of a run in one answer) and task
durations (/ui/durations/{dag_id}) endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slipstream.store import dag_runs, task_instances, task_logs
from slipstream.store.dag_runs import TaskSpec

DAG_SOURCE = '''
from datetime import datetime

from airflow.sdk import DAG, TaskGroup, task
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    start = EmptyOperator(task_id="start")
    with TaskGroup("extract"):
        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")

    @task
    def double(x):
        return 2 * x

    start >> [a, b] >> double.expand(x=[1, 2, 3])
'''

BASE = datetime(2024, 3, 1, tzinfo=UTC)
TASKS = ["start", "extract.a", "extract.b", "double"]


@pytest.fixture(scope="module")
def dag_id(api) -> str:
    dag_id = api.unique("gantt_dag")
    api.write_dag(f"{dag_id}.py", DAG_SOURCE.format(dag_id=dag_id))
    api.parse()
    return dag_id


def _at(seconds: float) -> datetime:
    return BASE + timedelta(seconds=seconds)


def _add_run(api, dag_id: str, run_id: str, offset: float, tmp_path) -> None:
    """A finished run: start 0-2 s; a and b in parallel 2-6 s and 3-7 s (b's first try failed
    at 2-2.5 s, its log says so); double expanded to 3 instances 7-8 s."""
    from slipstream.store.models import TaskInstanceRow

    specs = [TaskSpec(task_id=t, operator="EmptyOperator", max_tries=1, pool="default_pool", pool_slots=1,
                      queue="default", priority_weight=1) for t in TASKS]
    log = tmp_path / f"{run_id}-b-1.log"
    stamp = _at(offset + 2.5).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    log.write_text(f"[{stamp},500] {{runner.py:1}} INFO - Running b on host (pid 1)\n"
                   f"[{stamp},500] {{runner.py:2}} INFO - Marking task as UP_FOR_RETRY. dag_id=x\n")
    with api.db.write() as session:
        run = dag_runs.create(session, dag_id=dag_id, run_id=run_id, run_type="manual", tasks=specs,
                              now=_at(offset), logical_date=_at(offset), state="success")
        run.start_date, run.end_date = _at(offset), _at(offset + 8)
        rows = {r.task_id: r for r in session.query(TaskInstanceRow).filter_by(dag_run_id=run.id)}
        spans = {"start": (0, 2), "extract.a": (2, 6), "extract.b": (3, 7)}
        for task_id, (begin, end) in spans.items():
            row = rows[task_id]
            row.state, row.try_number = "success", 1
            row.queued_at, row.start_date, row.end_date = _at(offset + begin - 0.5), _at(offset + begin), _at(offset + end)
        rows["extract.b"].try_number = 2
        session.flush()
        task_logs.record(session, dag_id=dag_id, run_id=run_id, task_id="extract.b", map_index=-1, try_number=1,
                         path=str(log), hostname="host", now=_at(offset + 2))
        task_instances.expand(session, rows["double"].id, 3, "success")
        for mapped in session.query(TaskInstanceRow).filter_by(dag_run_id=run.id, task_id="double"):
            mapped.try_number = 1
            mapped.start_date, mapped.end_date = _at(offset + 7), _at(offset + 8)
            mapped.rendered_map_index = f"x={mapped.map_index}"


@pytest.fixture(scope="module")
def runs(api, dag_id, tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("gantt_logs")
    run_ids = ["manual__1", "manual__2"]
    for i, run_id in enumerate(run_ids):
        _add_run(api, dag_id, run_id, 100 * i, folder)
    return run_ids


def test_gantt_gives_every_try_of_the_run(api, dag_id, runs):
    answer = api.client("Viewer").get(f"/ui/gantt/{dag_id}/{runs[0]}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["run_id"] == runs[0] and body["state"] == "success"
    keys = [(t["task_id"], t["map_index"], t["try_number"]) for t in body["tries"]]
    assert keys == [("double", 0, 1), ("double", 1, 1), ("double", 2, 1), ("extract.a", -1, 1),
                    ("extract.b", -1, 1), ("extract.b", -1, 2), ("start", -1, 1)]
    by_key = {(t["task_id"], t["map_index"], t["try_number"]): t for t in body["tries"]}
    first_b = by_key[("extract.b", -1, 1)]
    assert first_b["state"] == "up_for_retry" and first_b["queued_when"] is None
    assert datetime.fromisoformat(first_b["start_date"]) == _at(2)
    assert abs((datetime.fromisoformat(first_b["end_date"]) - _at(2.5)).total_seconds()) < 0.01
    a, b = by_key[("extract.a", -1, 1)], by_key[("extract.b", -1, 2)]
    assert datetime.fromisoformat(a["queued_when"]) == _at(1.5)
    assert datetime.fromisoformat(a["start_date"]) < datetime.fromisoformat(b["end_date"])
    assert datetime.fromisoformat(b["start_date"]) < datetime.fromisoformat(a["end_date"])  # they overlap
    assert by_key[("double", 2, 1)]["rendered_map_index"] == "x=2"
    assert by_key[("start", -1, 1)]["rendered_map_index"] is None


def test_durations_per_task_across_runs(api, dag_id, runs):
    answer = api.client("Viewer").get(f"/ui/durations/{dag_id}", params={"limit": 5})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [r["run_id"] for r in body["runs"]] == runs  # oldest first
    assert body["runs"][0]["duration"] == 8
    tasks = {t["task_id"]: t for t in body["tasks"]}
    assert [t["task_id"] for t in body["tasks"]] == TASKS
    assert tasks["extract.a"]["durations"] == [4, 4] and tasks["extract.a"]["queued"] == [0.5, 0.5]
    assert tasks["double"]["durations"] == [1, 1]  # three instances, one span
    newest = api.client("Viewer").get(f"/ui/durations/{dag_id}", params={"limit": 1}).json()
    assert [r["run_id"] for r in newest["runs"]] == [runs[1]]


def test_gantt_and_durations_errors(api, dag_id, runs):
    viewer = api.client("Viewer")
    assert viewer.get(f"/ui/gantt/{dag_id}/no_such_run").status_code == 404
    assert viewer.get("/ui/gantt/no_such_dag/x").status_code == 404
    assert viewer.get("/ui/durations/no_such_dag").status_code == 404
    assert viewer.get(f"/ui/durations/{dag_id}", params={"limit": 0}).status_code == 422
    for path in (f"/ui/gantt/{dag_id}/{runs[0]}", f"/ui/durations/{dag_id}"):
        assert api.client(None).get(path).status_code == 401
