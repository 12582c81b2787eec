"""What the live view of one run reads: counts for every task, rows only for tasks with few."""

from __future__ import annotations

from slipstream.store import dag_runs, run_progress, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.states import TaskInstanceState as TI


def test_counts_for_every_task_rows_for_the_few_and_failures_with_their_reason(db):
    specs = [dag_runs.TaskSpec(t, "PythonOperator", 1, "default_pool", 1, "default", 1) for t in ("first", "wide", "last")]
    with db.write() as session:
        run = dag_runs.create(session, dag_id="d", run_id="r", run_type="manual", tasks=specs, now=utcnow())
        ids = {t.task_id: t.id for t in task_instances.for_run(session, "d", "r")}
        assert task_instances.expand(session, ids["wide"], 12, TI.SCHEDULED.value)
        task_instances.set_state(session, ids["first"], TI.NONE, TI.FAILED, state_reason="boom")
        task_instances.set_state(session, ids["last"], TI.NONE, TI.UPSTREAM_FAILED)
    with db.read() as session:
        progress = run_progress.progress(session, run.id, max_listed=8)
        failed = run_progress.failed_with_reason(session, run.id)
    assert list(progress.counts) == ["first", "wide", "last"]
    assert progress.counts["wide"] == {"scheduled": 12}
    assert progress.counts["first"] == {"failed": 1}
    assert sorted(r.task_id for r in progress.rows) == ["first", "last"]  # the 12 are counted, not loaded
    assert [(r.task_id, r.state_reason) for r in failed] == [("first", "boom")]
