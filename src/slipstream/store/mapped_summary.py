"""A mapped task's instances in one run counted by state: one grouped count the
(dag_run_id, task_id, state) index answers, however many instances there are."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slipstream.store.models import TaskInstanceRow

TIS = TaskInstanceRow.__table__


def counts_by_state(session: Session, dag_run_id: int, task_id: str) -> dict[str, int]:
    """{state: instances} of the task's mapped instances (map index 0 and up) in the run."""
    statement = (
        select(TIS.c.state, func.count())
        .where(TIS.c.dag_run_id == dag_run_id, TIS.c.task_id == task_id, TIS.c.map_index >= 0)
        .group_by(TIS.c.state)
    )
    return {state: count for state, count in session.execute(statement)}
