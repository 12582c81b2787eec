"""The deadlines of DAG runs: computed when a run is created, found by the scheduler when they
pass, cleared when the run succeeds in time.

The alerts come from the serialized DAG as data (``sdk/deadline.py:serialize_deadline``). The
built-in references are computed here from the run's row; a custom reference (user code) gets a
row in state ``unevaluated`` that a process of its own evaluates (``runner/deadline_callbacks.py``),
as does an alert whose interval is a ``VariableInterval`` (Variables are read there, with their
secrets backends and environment variables, as a DAG file reads them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from slipstream.store.models import DagRunRow, DeadlineRow

log = logging.getLogger("slipstream.store")

DEADLINES = DeadlineRow.__table__
RUNS = DagRunRow.__table__

PENDING = "pending"
MISSED = "missed"
UNEVALUATED = "unevaluated"
EVALUATING = "evaluating"
NOT_MISSED = (PENDING, UNEVALUATED, EVALUATING)


def average_runtime(session: Session, dag_id: str, max_runs: int, min_runs: int) -> timedelta | None:
    """The mean duration of the DAG's last ``max_runs`` finished runs; None with fewer than ``min_runs``."""
    rows = session.execute(
        select(RUNS.c.start_date, RUNS.c.end_date)
        .where(RUNS.c.dag_id == dag_id, RUNS.c.start_date.is_not(None), RUNS.c.end_date.is_not(None))
        .order_by(RUNS.c.id.desc())
        .limit(max_runs)
    ).all()
    if len(rows) < min_runs or not rows:
        return None
    return sum(((end - start) for start, end in rows), timedelta()) / len(rows)


def base_time(session: Session, reference: Mapping[str, Any], run: Any, now: datetime) -> datetime | None:
    """When a built-in reference counts from, for ``run``; None: no deadline for this run."""
    kind = reference.get("reference_type")
    if kind == "DagRunLogicalDateDeadline":
        return run.logical_date
    if kind == "DagRunQueuedAtDeadline":
        return run.queued_at
    if kind == "FixedDatetimeDeadline":
        return datetime.fromtimestamp(reference["datetime"], tz=UTC)
    if kind == "AverageRuntimeDeadline":
        average = average_runtime(session, run.dag_id, reference["max_runs"], reference.get("min_runs") or 1)
        return None if average is None else now + average
    raise ValueError(f"unknown deadline reference {kind!r}")


def add_for_run(session: Session, run: Any, alerts: Iterable[Mapping[str, Any]], now: datetime) -> int:
    """Record the deadlines of a run just created; returns how many rows were written."""
    rows = []
    for index, alert in enumerate(alerts):
        reference = dict(alert["reference"])
        interval = alert["interval"]
        if isinstance(interval, Mapping):  # a VariableInterval: read where user settings are (see module)
            reference["interval_variable"] = interval["variable"]
            interval = 0.0
        row = {
            "dag_run_id": run.id, "dag_id": run.dag_id, "run_id": run.run_id, "alert_index": index,
            "name": alert.get("name"), "reference": reference, "interval": float(interval),
            "callback": dict(alert["callback"]), "created_at": now,
        }
        if reference.get("class_path") or reference.get("interval_variable"):
            rows.append({**row, "deadline_time": None, "state": UNEVALUATED})
            continue
        try:
            base = base_time(session, reference, run, now)
        except (KeyError, ValueError) as error:
            log.warning("DAG run %s %s: deadline alert %s skipped: %s", run.dag_id, run.run_id, index, error)
            continue
        if base is None:
            log.warning(
                "DAG run %s %s: no deadline from alert %s: its reference %s gives no time for this run",
                run.dag_id, run.run_id, alert.get("name") or index, reference.get("reference_type"),
            )
            continue
        rows.append({**row, "deadline_time": base + timedelta(seconds=interval), "state": PENDING})
    if rows:
        session.execute(insert(DEADLINES), rows)
    return len(rows)


_DUE = select(DEADLINES).where(
    or_(
        (DEADLINES.c.state == PENDING) & (DEADLINES.c.deadline_time <= bindparam("b_now")),
        DEADLINES.c.state == UNEVALUATED,
    )
).order_by(DEADLINES.c.id)


_WAITING = (
    select(DEADLINES.c.state, func.min(DEADLINES.c.deadline_time))
    .where(DEADLINES.c.state.in_((PENDING, UNEVALUATED)))
    .group_by(DEADLINES.c.state)
)


def waiting(session: Session) -> tuple[datetime | None, bool]:
    """The earliest pending deadline, and whether custom references wait to be evaluated (one
    query on the (state, deadline_time) index)."""
    found = dict(session.execute(_WAITING).all())
    return found.get(PENDING), UNEVALUATED in found


def due(session: Session, now: datetime) -> list[Any]:
    """Deadlines that have passed without being handled, and custom references to evaluate."""
    return list(session.execute(_DUE, {"b_now": now}))


def move(session: Session, deadline_id: int, expected: str, new: str, **values: Any) -> bool:
    """Compare-and-set of a deadline's state: True if this caller moved it."""
    statement = (
        update(DEADLINES).where(DEADLINES.c.id == deadline_id, DEADLINES.c.state == expected).values(state=new, **values)
    )
    return session.execute(statement).rowcount == 1


def set_evaluated(
    session: Session, deadline_id: int, base: datetime | None, interval: timedelta | None = None,
) -> bool:
    """A custom reference or a Variable's interval was evaluated: the deadline waits for ``base``
    + interval (the row's, unless given), or is dropped when there is no time."""
    row = get(session, deadline_id)
    if row is None or row.state != EVALUATING:
        return False
    if base is None:
        return session.execute(
            delete(DEADLINES).where(DEADLINES.c.id == deadline_id, DEADLINES.c.state == EVALUATING)
        ).rowcount == 1
    if base.tzinfo is None:
        raise ValueError(f"deadline reference of {row.dag_id} {row.run_id} gave a naive datetime ({base}); give an aware one")
    if interval is None:
        interval = timedelta(seconds=row.interval)
    return move(session, deadline_id, EVALUATING, PENDING, deadline_time=base + interval,
                interval=interval.total_seconds())


def clear_met(session: Session, dag_run_id: int, end_date: datetime) -> int:
    """The run succeeded at ``end_date``: its deadlines not yet passed are no longer needed."""
    statement = delete(DEADLINES).where(
        DEADLINES.c.dag_run_id == dag_run_id,
        DEADLINES.c.state.in_(NOT_MISSED),
        or_(DEADLINES.c.deadline_time.is_(None), DEADLINES.c.deadline_time >= end_date),
    )
    return session.execute(statement).rowcount


def get(session: Session, deadline_id: int) -> Any:
    return session.execute(select(DEADLINES).where(DEADLINES.c.id == deadline_id)).first()


def for_run(session: Session, dag_run_id: int) -> list[Any]:
    return list(session.execute(select(DEADLINES).where(DEADLINES.c.dag_run_id == dag_run_id).order_by(DEADLINES.c.id)))
