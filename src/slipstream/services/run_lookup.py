"""A run named as Airflow's CLI names it: ``LOGICAL_DATE_OR_RUN_ID`` is a run id, or else an ISO
logical date (no zone means UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

from slipstream.services.context import ServiceContext
from slipstream.services.dag_runs import DagRun, get_run
from slipstream.services.errors import NotFound
from slipstream.store import dag_runs, previous_runs


def _as_date(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def find_run(ctx: ServiceContext, dag_id: str, logical_date_or_run_id: str) -> DagRun:
    with ctx.db.read() as session:
        row = dag_runs.get(session, dag_id, logical_date_or_run_id)
        when = None if row is not None else _as_date(logical_date_or_run_id)
        if when is not None:
            row = previous_runs.run_at(session, dag_id, when)
    if row is not None:
        return get_run(ctx, dag_id, row.run_id)
    see = f"(see `slipstream dags list-runs {dag_id}`)"
    if when is not None:
        raise NotFound(f"DAG {dag_id!r} has no run at logical date {when.isoformat()} {see}")
    raise NotFound(f"DAG run {logical_date_or_run_id!r} of DAG {dag_id!r} not found {see}")
