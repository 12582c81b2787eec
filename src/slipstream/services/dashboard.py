"""The figures of the UI's home page: how many DAGs, runs and task instances are in each state.
Five counting queries, each answered from an index."""

from __future__ import annotations

from dataclasses import dataclass

from slipstream.services.context import ServiceContext
from slipstream.store import grid as grid_store
from slipstream.store.states import DagRunState, TaskInstanceState


@dataclass(frozen=True)
class DagCounts:
    """``active``: DAGs a file defines now and not paused; ``running``/``queued``: DAGs with a run in
    that state; ``failed``: DAGs whose newest run failed; ``import_errors``: files that fail to load."""

    total: int
    active: int
    paused: int
    running: int
    queued: int
    failed: int
    import_errors: int


@dataclass(frozen=True)
class Dashboard:
    dags: DagCounts
    dag_runs: dict[str, int]
    task_instances: dict[str, int]


def dashboard(ctx: ServiceContext) -> Dashboard:
    with ctx.db.read() as session:
        dags = grid_store.dag_counts(session)
        by_run = grid_store.dags_by_run_state(session)
        runs = grid_store.counts_by_state(session, "dag_run")
        tis = grid_store.counts_by_state(session, "task_instance")
    return Dashboard(
        dags=DagCounts(
            total=dags["total"], active=dags["total"] - dags["paused"], paused=dags["paused"],
            running=by_run.get(DagRunState.RUNNING.value, 0), queued=by_run.get(DagRunState.QUEUED.value, 0),
            failed=by_run["latest_failed"], import_errors=dags["import_errors"],
        ),
        dag_runs={state.value: runs.get(state.value, 0) for state in DagRunState} | runs,
        task_instances={state.value: tis.get(state.value, 0) for state in TaskInstanceState} | tis,
    )
