from __future__ import annotations

import pytest

from slipstream.store import dag_runs, task_instances
from slipstream.store.clock import utcnow


def test_create_writes_the_run_and_one_task_instance_per_task(db):
    specs = [dag_runs.TaskSpec(t, "BashOperator", 2, "default_pool", 1, "default", 3) for t in ("x", "y")]
    with db.write() as session:
        run = dag_runs.create(session, dag_id="d", run_id="r1", run_type="manual", tasks=specs, now=utcnow(), conf={"k": 1})
    with db.read() as session:
        rows = task_instances.for_run(session, "d", "r1")
        stored = dag_runs.get(session, "d", "r1")
    assert stored.state == "queued" and stored.conf == {"k": 1} and stored.id == run.id
    assert [(r.task_id, r.state, r.try_number, r.max_tries, r.map_index, r.priority_weight) for r in rows] == [
        ("x", "none", 0, 2, -1, 3),
        ("y", "none", 0, 2, -1, 3),
    ]


def test_a_run_id_is_used_once_per_dag(db):
    with db.write() as session:
        dag_runs.create(session, dag_id="d", run_id="same", run_type="manual", tasks=[], now=utcnow())
    with pytest.raises(dag_runs.DagRunExists, match="'same' already exists for DAG 'd'"), db.write() as session:
        dag_runs.create(session, dag_id="d", run_id="same", run_type="manual", tasks=[], now=utcnow())


def test_run_state_compare_and_set(db):
    with db.write() as session:
        run = dag_runs.create(session, dag_id="d", run_id="r", run_type="manual", tasks=[], now=utcnow())
    with db.write() as session:
        assert dag_runs.set_state(session, run.id, "queued", "running")
        assert not dag_runs.set_state(session, run.id, "queued", "running")
