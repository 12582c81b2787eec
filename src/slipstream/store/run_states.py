"""What the UI's graph reads while a run runs: the run itself (a light row, by its unique
(dag_id, run_id) index), and its task instances counted by task and state (task_instances)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from slipstream.store.models import DagRunRow

RUNS = DagRunRow.__table__

_RUN = select(RUNS.c.id, RUNS.c.run_id, RUNS.c.state, RUNS.c.start_date, RUNS.c.end_date).where(
    RUNS.c.dag_id == bindparam("b_dag"), RUNS.c.run_id == bindparam("b_run")
)


def run_row(session: Any, dag_id: str, run_id: str) -> Any:
    """(id, run_id, state, start_date, end_date) of the run, or None."""
    return session.execute(_RUN, {"b_dag": dag_id, "b_run": run_id}).first()
