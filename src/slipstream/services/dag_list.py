"""The UI's DAG list: a page of DAGs (filtered and ordered as ``GET /api/v2/dags``) with each
one's newest runs, so the list shows their states without a request per DAG. Three queries
whatever the page size: the page, its count, and the runs of its DAGs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slipstream.services import dags
from slipstream.services.context import ServiceContext
from slipstream.services.dags import Dag
from slipstream.services.errors import InvalidRequest
from slipstream.services.run_summaries import RunSummary
from slipstream.store import dag_list_runs
from slipstream.store.dag_listing import DagFilter

MAX_RUNS_PER_DAG = 50


@dataclass(frozen=True)
class ListedDag:
    """A DAG and its newest runs, oldest of them first (as the list draws them, newest last)."""

    dag: Dag
    latest_runs: list[RunSummary]


@dataclass(frozen=True)
class DagListPage:
    dags: list[ListedDag]
    total_entries: int


def dag_list(
    ctx: ServiceContext, where: DagFilter = DagFilter(), order_by: Sequence[str] | str | None = ("dag_id",), *,
    limit: int = 50, offset: int = 0, runs: int = 10,
) -> DagListPage:
    """A page of DAGs with their ``runs`` newest runs each (0: none). ``InvalidRequest`` for an
    unknown order field or a ``runs`` out of range."""
    if not 0 <= runs <= MAX_RUNS_PER_DAG:
        raise InvalidRequest(f"runs must be between 0 and {MAX_RUNS_PER_DAG}, got {runs}")
    page = dags.list_dags(ctx, where, order_by, limit=limit, offset=offset)
    by_dag: dict[str, list[RunSummary]] = {dag.dag_id: [] for dag in page.items}
    with ctx.db.read() as session:
        rows = dag_list_runs.latest_runs(session, list(by_dag), runs)
    for row in rows:
        by_dag[row.dag_id].append(RunSummary.of(row))
    return DagListPage(
        dags=[ListedDag(dag=dag, latest_runs=by_dag[dag.dag_id][::-1]) for dag in page.items],
        total_entries=page.total_entries,
    )


def dag_owners(ctx: ServiceContext) -> list[str]:
    """Every owner of an active DAG, sorted: the choices of the list's owner filter."""
    with ctx.db.read() as session:
        return dag_list_runs.owners(session)
