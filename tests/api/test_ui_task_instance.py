"""/ui/mapped/{dag_id}/{run_id}/{task_id}: a mapped task's instances in a run counted by state."""

from __future__ import annotations

import time

from sqlalchemy import update

from slipstream.dagfiles.manual_runs import trigger_dag
from slipstream.store import task_instances
from slipstream.store.models import TaskInstanceRow
from slipstream.store.task_instances import TaskInstanceKey

from .test_mapped_listing import MAPPED_DAG
from .tis_helpers import write_and_parse

WIDE = 100_000


def test_mapped_instances_are_counted_by_state_fast(sqlite_api):
    api = sqlite_api
    dag_id = api.unique("summary")
    write_and_parse(api, dag_id, MAPPED_DAG)
    run = trigger_dag(api.db, dag_id)  # no scheduler in this module: the instances are made here
    with api.db.write() as session:
        placeholder = task_instances.find(session, TaskInstanceKey(dag_id, run.run_id, "each", -1))
        assert task_instances.expand(session, placeholder.id, WIDE, "success")
        for map_index, state in ((7, "failed"), (8, "failed"), (9, "running")):
            session.execute(update(TaskInstanceRow).where(
                TaskInstanceRow.dag_id == dag_id, TaskInstanceRow.task_id == "each", TaskInstanceRow.map_index == map_index,
            ).values(state=state))
    viewer = api.client("Viewer")
    url = f"/ui/mapped/{dag_id}/{run.run_id}/each"
    viewer.get(url)  # the server's first answer pays for imports
    started = time.perf_counter()
    answer = viewer.get(url)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body == {"dag_id": dag_id, "run_id": run.run_id, "task_id": "each", "total": WIDE,
                    "counts": {"failed": 2, "running": 1, "success": WIDE - 3}}
    assert list(body["counts"]) == ["failed", "running", "success"]  # what matters most first
    assert elapsed < 1.0, f"{elapsed:.3f}s"  # an index walk; the bound leaves room for a loaded CI


def test_a_task_that_is_not_mapped_counts_nothing_and_a_missing_run_is_404(sqlite_api):
    api = sqlite_api
    dag_id = api.unique("summary_plain")
    write_and_parse(api, dag_id, MAPPED_DAG)
    run = trigger_dag(api.db, dag_id)
    viewer = api.client("Viewer")
    body = viewer.get(f"/ui/mapped/{dag_id}/{run.run_id}/no_such_task").json()
    assert body["total"] == 0 and body["counts"] == {}
    missing = viewer.get(f"/ui/mapped/{dag_id}/no_such_run/each")
    assert missing.status_code == 404 and "no_such_run" in missing.json()["detail"]
    assert api.client(None).get(f"/ui/mapped/{dag_id}/{run.run_id}/each").status_code in (401, 403)
