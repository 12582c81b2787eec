"""A page of a task mapped 100,000 ways answers well under a second (an index walk and a count)."""

from __future__ import annotations

import time

from slipstream.dagfiles.manual_runs import trigger_dag
from slipstream.store import task_instances
from slipstream.store.task_instances import TaskInstanceKey

from .tis_helpers import TIS, write_and_parse

WIDE = 100_000
MAPPED_DAG = """
import pendulum
from airflow import DAG
from airflow.decorators import task

with DAG("{dag_id}", schedule=None, start_date=pendulum.datetime(2024, 1, 1)) as dag:
    @task
    def each(x):
        return x

    each.expand(x=[1, 2])
"""


def test_a_page_of_100000_mapped_instances_is_fast(api):
    dag_id = api.unique("wide")
    write_and_parse(api, dag_id, MAPPED_DAG)
    run = trigger_dag(api.db, dag_id)  # no scheduler in this module: the instances are made here
    with api.db.write() as session:
        placeholder = task_instances.find(session, TaskInstanceKey(dag_id, run.run_id, "each", -1))
        assert task_instances.expand(session, placeholder.id, WIDE, "success")
    viewer = api.client("Viewer")
    url = TIS.format(dag_id=dag_id, run_id=run.run_id) + "/each/listMapped"
    viewer.get(url, params={"limit": 1})  # the server's first answer pays for imports
    for params in ({"limit": 50, "offset": WIDE - 60}, {"limit": 50, "order_by": "-map_index"},
                   {"limit": 50, "offset": 50_000, "state": "success"}):
        started = time.perf_counter()
        answer = viewer.get(url, params=params)
        elapsed = time.perf_counter() - started
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["total_entries"] == WIDE and len(body["task_instances"]) == 50
        assert elapsed < 1.0, f"{params}: {elapsed:.3f}s"  # ~0.1 s here; the bound leaves room for a loaded CI
    last = viewer.get(url, params={"limit": 50, "order_by": "-map_index"}).json()["task_instances"]
    assert last[0]["map_index"] == WIDE - 1
    one = viewer.get(TIS.format(dag_id=dag_id, run_id=run.run_id) + f"/each/{WIDE - 1}")
    assert one.status_code == 200 and one.json()["map_index"] == WIDE - 1


def test_a_missing_task_instance_is_named_by_what_is_missing(api):
    """The 404s of ``GET .../taskInstances/{task_id}[/{map_index}]`` say what is there instead
    (counted, not read: a task mapped 100,000 ways answers as fast as any)."""
    dag_id = api.unique("missing")
    write_and_parse(api, dag_id, MAPPED_DAG)
    run = trigger_dag(api.db, dag_id)
    with api.db.write() as session:
        placeholder = task_instances.find(session, TaskInstanceKey(dag_id, run.run_id, "each", -1))
        assert task_instances.expand(session, placeholder.id, 3, "success")
    viewer = api.client("Viewer")
    tis = TIS.format(dag_id=dag_id, run_id=run.run_id)
    whole = viewer.get(f"{tis}/each")
    assert whole.status_code == 404
    assert whole.json()["detail"].startswith("Task 'each' is mapped (3 instances in run ")
    beyond = viewer.get(f"{tis}/each/7")
    assert beyond.status_code == 404
    assert beyond.json()["detail"] == f"Task 'each' of DAG run {run.run_id!r} has no instance with map index 7"
    unknown = viewer.get(f"{tis}/nothing")
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == f"Task instance 'nothing' of DAG run {run.run_id!r} of DAG {dag_id!r} not found"
