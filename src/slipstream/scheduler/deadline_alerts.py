"""Deadline alerts in the scheduler: each pass hands the deadlines that have passed (and custom
references waiting to be evaluated) to a process of their own, and asks to be woken at the next
deadline, so a missed deadline is noticed when it passes, not at the next poll.

A deadline moves ``pending → missed`` by compare-and-set before its callback is handed over, so
it runs once however many schedulers or passes see it. The run's success clears the deadlines
that had not passed (``store/deadlines.py:clear_met``, in the transaction that finishes the run).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slipstream.executors.base import DeadlineRequest
from slipstream.store import dags, deadlines
from slipstream.store.db import Database

log = logging.getLogger("slipstream.scheduler")


def handle_deadlines(
    db: Database, now: datetime, mine: Callable[[Any], bool], requests: list[Any],
    waiting: tuple[datetime | None, bool],
) -> datetime | None:
    """Append a request for each deadline that needs user code now; return the next deadline
    after ``now`` (when the scheduler must wake), if any. ``waiting`` is ``deadlines.waiting``,
    read by the caller in the pass's snapshot transaction: a pass with nothing due reads nothing more."""
    upcoming, unevaluated = waiting
    due: list[Any] = []
    if (upcoming is not None and upcoming <= now) or unevaluated:
        with db.read() as session:
            due = [row for row in deadlines.due(session, now) if mine(row)]
    if due:
        with db.write() as session:
            files: dict[str, str | None] = {}
            for row in due:
                if row.dag_id not in files:
                    dag = dags.get_dag(session, row.dag_id)
                    files[row.dag_id] = dag.fileloc if dag is not None else None
                fileloc = files[row.dag_id]
                if row.state == deadlines.PENDING:
                    if deadlines.move(session, row.id, deadlines.PENDING, deadlines.MISSED):
                        log.warning("DAG run %s %s missed its deadline %s (%s)%s", row.dag_id, row.run_id,
                                    row.name or row.alert_index, row.deadline_time.isoformat(),
                                    "" if fileloc else "; its DAG is gone, so its callback cannot run")
                        if fileloc:
                            requests.append(DeadlineRequest(row.id, row.dag_id, row.run_id, fileloc, "alert"))
                elif deadlines.move(session, row.id, deadlines.UNEVALUATED, deadlines.EVALUATING) and fileloc:
                    requests.append(DeadlineRequest(row.id, row.dag_id, row.run_id, fileloc, "evaluate"))
        with db.read() as session:
            upcoming, _ = deadlines.waiting(session)
    return upcoming if upcoming is not None and upcoming > now else None
