"""Clearing task instances so they run again, and re-opening their runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from slipstream.store import task_reschedules
from slipstream.store.models import DagRunRow, TaskInstanceRow
from slipstream.store.states import DagRunState
from slipstream.store.states import TaskInstanceState as TI

TIS = TaskInstanceRow.__table__
RUNS = DagRunRow.__table__


def clear(session: Session, rows: Iterable[Any], retries: Mapping[str, int], *, reopen_runs: bool = True) -> int:
    """Put these task instances back to ``none`` (compare-and-set on the state each was read in).

    A cleared task instance keeps its try_number, so its next try is numbered after the last
    one, and gets its retries again. A finished run goes back to ``queued`` (unless not
    ``reopen_runs``: its cleared task instances then wait until the run is). A try that is
    running when cleared loses: its result is refused and it stops at its next heartbeat.
    """
    cleared = 0
    run_ids: set[int] = set()
    keys: list[tuple[str, str, str, int]] = []
    for row in rows:
        statement = (
            update(TIS)
            .where(TIS.c.id == row.id, TIS.c.state == row.state)
            .values(
                state=TI.NONE.value, max_tries=TIS.c.try_number + retries.get(row.task_id, 0), next_try_at=None,
                queued_at=None, end_date=None, duration=None, state_reason=None,
            )
        )
        if session.execute(statement).rowcount:
            cleared += 1
            run_ids.add(row.dag_run_id)
            keys.append((row.dag_id, row.run_id, row.task_id, row.map_index))
    # A cleared sensor starts waiting afresh: its timeout counts from its next first poke.
    task_reschedules.forget(session, keys)
    if run_ids and reopen_runs:
        session.execute(
            update(RUNS)
            .where(RUNS.c.id.in_(sorted(run_ids)), RUNS.c.state.in_([DagRunState.SUCCESS.value, DagRunState.FAILED.value]))
            .values(state=DagRunState.QUEUED.value, start_date=None, end_date=None)
        )
    return cleared
