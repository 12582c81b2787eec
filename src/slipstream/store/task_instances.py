"""Task instance state changes, each a compare-and-set on one row.

``UPDATE task_instance SET state=:new WHERE id=:id AND state IN (:expected)``: when the row is
not in an expected state (another scheduler got there first, a dead worker reports late), the
update touches nothing and the caller learns it lost.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from slipstream.store.models import TaskInstanceRow
from slipstream.store.states import ACTIVE_TI_STATES, UNFINISHED_TI_STATES
from slipstream.store.states import TaskInstanceState as TI

TABLE = TaskInstanceRow.__table__


@dataclass(frozen=True)
class TaskInstanceKey:
    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1


def _states(expected: str | Iterable[str]) -> list[str]:
    return [str(expected)] if isinstance(expected, (str, TI)) else [str(s) for s in expected]


def set_state(session: Session, ti_id: int, expected: str | Iterable[str], new: str, **values: Any) -> bool:
    """Move one task instance from an expected state to ``new``; False if it was not there."""
    statement = (
        update(TABLE)
        .where(TABLE.c.id == ti_id, TABLE.c.state.in_(_states(expected)))
        .values(state=str(new), **values)
    )
    return session.execute(statement).rowcount == 1


CHUNK = 500


def move(session: Session, ti_ids: Sequence[int], expected: str | Iterable[str], new: str, **values: Any) -> set[int]:
    """Compare-and-set for many rows in one statement per chunk; returns the ids that moved."""
    moved: set[int] = set()
    ids = list(ti_ids)
    for start in range(0, len(ids), CHUNK):
        statement = (
            update(TABLE)
            .where(TABLE.c.id.in_(ids[start : start + CHUNK]), TABLE.c.state.in_(_states(expected)))
            .values(state=str(new), **values)
            .returning(TABLE.c.id)
        )
        moved.update(session.execute(statement).scalars())
    return moved


_QUEUE_TRIES = (
    update(TABLE)
    .where(TABLE.c.id.in_(bindparam("b_ids", expanding=True)), TABLE.c.state == TI.SCHEDULED.value)
    .values(
        state=TI.QUEUED.value, try_number=TABLE.c.try_number + 1, queued_at=bindparam("b_now"), next_try_at=None,
        queued_by_job_id=bindparam("b_job"),
    )
    .returning(TABLE.c.id, TABLE.c.try_number)
)


def queue_tries(session: Session, ti_ids: Sequence[int], now: datetime, job_id: int | None = None) -> dict[int, int]:
    """scheduled -> queued for the next try, many at once, by scheduler job ``job_id``; returns
    {id: new try_number} of those moved."""
    queued: dict[int, int] = {}
    ids = list(ti_ids)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(_QUEUE_TRIES, {"b_ids": ids[start : start + CHUNK], "b_now": now, "b_job": job_id})
        queued.update((row[0], row[1]) for row in rows)
    return queued


_START_TRY = (
    update(TABLE)
    .where(
        TABLE.c.id == bindparam("b_id"),
        TABLE.c.state == TI.QUEUED.value,
        TABLE.c.try_number == bindparam("b_try"),
    )
    .values(
        state=TI.RUNNING.value, start_date=bindparam("b_now"), end_date=None, duration=None,
        hostname=bindparam("b_host"), pid=bindparam("b_pid"), last_heartbeat_at=bindparam("b_now"),
        state_reason=None,
    )
    .returning(TABLE.c.dag_run_id, TABLE.c.max_tries)
)


def start_try(session: Session, ti_id: int, try_number: int, hostname: str, pid: int, now: datetime) -> Any:
    """queued -> running, only for the try the executor was given.

    Returns the row's (dag_run_id, max_tries), or None when the try is not this caller's.
    """
    params = {"b_id": ti_id, "b_try": try_number, "b_now": now, "b_host": hostname, "b_pid": pid}
    return session.execute(_START_TRY, params).first()


_FINISH_TRY = (
    update(TABLE)
    .where(
        TABLE.c.id == bindparam("b_id"),
        TABLE.c.state.in_(bindparam("b_expected", expanding=True)),
        TABLE.c.try_number == bindparam("b_try"),
    )
    .values(
        state=bindparam("b_new"), end_date=bindparam("b_now"), duration=bindparam("b_duration"),
        next_try_at=bindparam("b_next"), state_reason=bindparam("b_reason"),
        rendered_map_index=bindparam("b_map_name"),
    )
)


def finish_try(
    session: Session,
    ti_id: int,
    try_number: int,
    new: str,
    now: datetime,
    *,
    expected: Iterable[str] = (TI.RUNNING.value,),
    next_try_at: datetime | None = None,
    reason: str | None = None,
    started_at: datetime | None = None,
    rendered_map_index: str | None = None,
) -> bool:
    """running -> a final state (or up_for_retry) for this try only; a late report loses.
    ``rendered_map_index`` is the name a mapped instance's map_index_template gave it."""
    start = started_at
    if start is None:
        row = session.execute(select(TABLE.c.start_date).where(TABLE.c.id == ti_id)).first()
        start = row.start_date if row is not None else None
    duration = (now - start).total_seconds() if start is not None else None
    params = {
        "b_id": ti_id, "b_try": try_number, "b_expected": _states(expected), "b_new": str(new), "b_now": now,
        "b_duration": duration, "b_next": next_try_at, "b_reason": reason, "b_map_name": rendered_map_index,
    }
    return session.execute(_FINISH_TRY, params).rowcount == 1


_SKIP_WAITING = (
    update(TABLE)
    .where(
        TABLE.c.dag_run_id == bindparam("b_run"),
        TABLE.c.task_id.in_(bindparam("b_tasks", expanding=True)),
        TABLE.c.state.in_([TI.NONE.value, TI.SCHEDULED.value]),
    )
    .values(state=TI.SKIPPED.value, start_date=bindparam("b_now"), end_date=bindparam("b_now"), duration=0.0)
)


def skip_waiting(session: Session, dag_run_id: int, task_ids: Sequence[str], now: datetime) -> int:
    """Skip these tasks of a run if they have not started (what a branch does to the others)."""
    return session.execute(_SKIP_WAITING, {"b_run": dag_run_id, "b_tasks": list(task_ids), "b_now": now}).rowcount


_HEARTBEAT = (
    update(TABLE)
    .where(TABLE.c.id == bindparam("b_id"), TABLE.c.state == TI.RUNNING.value, TABLE.c.try_number == bindparam("b_try"))
    .values(last_heartbeat_at=bindparam("b_now"))
)


def heartbeat(session: Session, ti_id: int, try_number: int, now: datetime) -> bool:
    return session.execute(_HEARTBEAT, {"b_id": ti_id, "b_try": try_number, "b_now": now}).rowcount == 1


_GET = select(TABLE).where(TABLE.c.id == bindparam("b_id"))
_GET_MANY = select(TABLE).where(TABLE.c.id.in_(bindparam("b_ids", expanding=True)))


def get(session: Session, ti_id: int) -> Any:
    return session.execute(_GET, {"b_id": ti_id}).first()


def get_many(session: Session, ti_ids: Collection[int]) -> dict[int, Any]:
    """{id: row} for these task instances (one query per 500), the missing ones left out."""
    ids = list(ti_ids)
    found: dict[int, Any] = {}
    for start in range(0, len(ids), CHUNK):
        for row in session.execute(_GET_MANY, {"b_ids": ids[start : start + CHUNK]}):
            found[row.id] = row
    return found


def find(session: Session, key: TaskInstanceKey) -> Any:
    statement = select(TABLE).where(
        TABLE.c.dag_id == key.dag_id,
        TABLE.c.run_id == key.run_id,
        TABLE.c.task_id == key.task_id,
        TABLE.c.map_index == key.map_index,
    )
    return session.execute(statement).first()


_COPIED_ON_EXPAND = ("dag_run_id", "dag_id", "run_id", "task_id", "max_tries", "operator", "pool", "pool_slots", "queue",
                     "priority_weight")
_EXPAND_PLACEHOLDER = (
    update(TABLE)
    .where(TABLE.c.id == bindparam("b_id"), TABLE.c.map_index == -1, TABLE.c.state == TI.NONE.value)
    .values(map_index=0, state=bindparam("b_state"))
)


def expand(session: Session, ti_id: int, length: int, state: str) -> bool:
    """A mapped task's placeholder (map_index -1, not yet decided) becomes instance 0 and
    instances 1 .. length-1 are added, all in ``state``; False if the placeholder was not there."""
    if session.execute(_EXPAND_PLACEHOLDER, {"b_id": ti_id, "b_state": str(state)}).rowcount != 1:
        return False
    if length > 1:
        source = session.execute(select(*(TABLE.c[c] for c in _COPIED_ON_EXPAND)).where(TABLE.c.id == ti_id)).one()
        common = dict(source._mapping)
        rows = [{**common, "map_index": i, "state": str(state), "try_number": 0} for i in range(1, length)]
        for start in range(0, len(rows), 5000):
            session.execute(insert(TABLE), rows[start : start + 5000])
    return True


SCHEDULING_COLUMNS = (
    TABLE.c.id, TABLE.c.dag_run_id, TABLE.c.task_id, TABLE.c.map_index, TABLE.c.state, TABLE.c.try_number,
    TABLE.c.next_try_at, TABLE.c.state_reason,
)


_FOR_RUNS = select(*SCHEDULING_COLUMNS).where(TABLE.c.dag_run_id.in_(bindparam("b_runs", expanding=True)))

_READY = (
    select(
        TABLE.c.id, TABLE.c.dag_id, TABLE.c.run_id, TABLE.c.task_id, TABLE.c.map_index, TABLE.c.priority_weight,
        TABLE.c.pool, TABLE.c.pool_slots, TABLE.c.state_reason, TABLE.c.queue,
    )
    .where(
        TABLE.c.state == TI.SCHEDULED.value,
        TABLE.c.dag_id.not_in(bindparam("b_skip", expanding=True)),
        TABLE.c.pool.not_in(bindparam("b_skip_pools", expanding=True)),
    )
    .order_by(TABLE.c.priority_weight.desc(), TABLE.c.id)
    .limit(bindparam("b_limit"))
    .offset(bindparam("b_offset"))
    # PostgreSQL: rows another scheduler's transaction holds are left to it (SQLite: one writer,
    # nothing to skip).
    .with_for_update(skip_locked=True)
)
_ACTIVE_ROWS = select(TABLE.c.dag_id, TABLE.c.run_id, TABLE.c.task_id, TABLE.c.pool, TABLE.c.pool_slots).where(
    TABLE.c.state.in_([s.value for s in ACTIVE_TI_STATES])
)


def active_rows(session: Session) -> list[Any]:
    """Queued and running task instances: what holds a slot now."""
    return list(session.execute(_ACTIVE_ROWS))


def set_waiting_reason(session: Session, ti_id: int, reason: str | None, state: str = TI.SCHEDULED.value) -> None:
    """Say why a task instance waiting in ``state`` (scheduled: a slot; none: e.g. depends_on_past)
    is not starting (shown by the CLI)."""
    session.execute(update(TABLE).where(TABLE.c.id == ti_id, TABLE.c.state == str(state)).values(state_reason=reason))


_STATES_OF_RUN = select(TABLE.c.task_id, TABLE.c.state).where(TABLE.c.dag_run_id == bindparam("b_run"))


def states_of_run(session: Session, dag_run_id: int) -> dict[str, list[str]]:
    """{task_id: [state of each of its task instances]} of one run (light, one query)."""
    found: dict[str, list[str]] = {}
    for task_id, state in session.execute(_STATES_OF_RUN, {"b_run": dag_run_id}):
        found.setdefault(task_id, []).append(state)
    return found


_UNDECIDED = (TI.NONE.value, TI.UP_FOR_RETRY.value, TI.UP_FOR_RESCHEDULE.value)
_UNDECIDED_OF_RUNS = select(*SCHEDULING_COLUMNS).where(
    TABLE.c.dag_run_id.in_(bindparam("b_runs", expanding=True)), TABLE.c.state.in_(_UNDECIDED)
)
_STATE_COUNTS = (
    select(TABLE.c.dag_run_id, TABLE.c.task_id, TABLE.c.state, func.count())
    .where(TABLE.c.dag_run_id.in_(bindparam("b_runs", expanding=True)))
    .group_by(TABLE.c.dag_run_id, TABLE.c.task_id, TABLE.c.state)
)
_INSTANCE_STATES = select(TABLE.c.dag_run_id, TABLE.c.task_id, TABLE.c.map_index, TABLE.c.state).where(
    TABLE.c.dag_run_id.in_(bindparam("b_runs", expanding=True)),
    TABLE.c.task_id.in_(bindparam("b_tasks", expanding=True)),
)
_REMOVE_TASKS = (
    update(TABLE)
    .where(
        TABLE.c.dag_run_id == bindparam("b_run"),
        TABLE.c.task_id.in_(bindparam("b_tasks", expanding=True)),
        TABLE.c.state != TI.REMOVED.value,
    )
    .values(state=TI.REMOVED.value)
)


def undecided_of_runs(session: Session, dag_run_ids: Sequence[int]) -> list[Any]:
    """Task instances of these runs the scheduler may move: not yet decided, or waiting for a
    retry or a reschedule (light rows)."""
    if not dag_run_ids:
        return []
    return list(session.execute(_UNDECIDED_OF_RUNS, {"b_runs": list(dag_run_ids)}))


def state_counts(session: Session, dag_run_ids: Sequence[int]) -> list[tuple[int, str, str, int]]:
    """(dag_run_id, task_id, state, how many instances) for these runs: counted by the database."""
    if not dag_run_ids:
        return []
    return session.execute(_STATE_COUNTS, {"b_runs": list(dag_run_ids)}).tuples().all()  # type: ignore[return-value]


def instance_states(session: Session, dag_run_ids: Sequence[int], task_ids: Sequence[str]) -> list[Any]:
    """(dag_run_id, task_id, map_index, state) of these tasks' instances in these runs."""
    if not dag_run_ids or not task_ids:
        return []
    return list(session.execute(_INSTANCE_STATES, {"b_runs": list(dag_run_ids), "b_tasks": list(task_ids)}))


def remove_tasks(session: Session, dag_run_id: int, task_ids: Sequence[str]) -> int:
    """Instances of tasks that are no longer in the DAG become 'removed'."""
    return session.execute(_REMOVE_TASKS, {"b_run": dag_run_id, "b_tasks": list(task_ids)}).rowcount


def for_runs(session: Session, dag_run_ids: Sequence[int]) -> list[Any]:
    """The task instances of these runs, with only what scheduling needs (light rows)."""
    if not dag_run_ids:
        return []
    return list(session.execute(_FOR_RUNS, {"b_runs": list(dag_run_ids)}))


def ready_to_dispatch(
    session: Session,
    limit: int = -1,
    skip_dags: Sequence[str] = (),
    only_run: tuple[str, str] | None = None,
    only_runs: Collection[tuple[str, str]] | None = None,
    skip_pools: Sequence[str] = (),
    offset: int = 0,
) -> list[Any]:
    """Scheduled task instances, highest priority first, then oldest: at most ``limit`` (all
    by default), none of the DAGs in ``skip_dags``, only of ``only_run=(dag_id, run_id)`` if given,
    only of the runs in ``only_runs`` (a set of (dag_id, run_id)) if given, none of the pools in
    ``skip_pools``, from ``offset`` on."""
    statement = _READY
    if only_run is not None:
        statement = statement.where(TABLE.c.dag_id == only_run[0], TABLE.c.run_id == only_run[1])
    if only_runs is not None:
        statement = statement.where(tuple_(TABLE.c.dag_id, TABLE.c.run_id).in_(sorted(only_runs)))
    params = {"b_limit": limit, "b_skip": list(skip_dags), "b_skip_pools": list(skip_pools), "b_offset": offset}
    return list(session.execute(statement, params))


def for_run(session: Session, dag_id: str, run_id: str) -> list[Any]:
    statement = (
        select(TABLE).where(TABLE.c.dag_id == dag_id, TABLE.c.run_id == run_id).order_by(TABLE.c.id)
    )
    return list(session.execute(statement))


def of_runs(session: Session, dag_run_ids: Sequence[int]) -> list[Any]:
    """Every task instance of these runs (whole rows), by run then id; one query per 500 runs."""
    ids = sorted(set(dag_run_ids))
    rows: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        statement = select(TABLE).where(TABLE.c.dag_run_id.in_(ids[start : start + CHUNK]))
        rows += session.execute(statement.order_by(TABLE.c.dag_run_id, TABLE.c.id))
    return rows


_QUEUED_BEFORE = select(TABLE).where(TABLE.c.state == TI.QUEUED.value, TABLE.c.queued_at < bindparam("b_before"))


def queued_before(session: Session, before: datetime) -> list[Any]:
    """Task instances queued (handed to an executor) before ``before`` and not started since."""
    return list(session.execute(_QUEUED_BEFORE, {"b_before": before}))


def in_states(session: Session, states: Iterable[str]) -> list[Any]:
    return list(session.execute(select(TABLE).where(TABLE.c.state.in_(_states(states)))))


MARKABLE = (TI.SUCCESS.value, TI.FAILED.value, TI.SKIPPED.value)


def set_notes(session: Session, ti_ids: Sequence[int], note: str | None) -> None:
    """A user's note on these task instances (None removes it)."""
    ids = list(ti_ids)
    for start in range(0, len(ids), CHUNK):
        session.execute(update(TABLE).where(TABLE.c.id.in_(ids[start : start + CHUNK])).values(note=note))


def marked_reason(state: str) -> str:
    return f"marked {state} by a user"


def mark(session: Session, ti_id: int, expected: str, new: str, now: datetime) -> bool:
    """A user marks one task instance ``new`` (success, failed or skipped): compare-and-set on the
    state it was read in. A running try loses: its result is refused and, its heartbeat finding
    the row no longer running, it stops itself."""
    if str(new) not in MARKABLE:
        raise ValueError(f"a task instance can be marked {' or '.join(MARKABLE)}, not {new!r}")
    return set_state(
        session, ti_id, expected, new, end_date=now, next_try_at=None, state_reason=marked_reason(str(new))
    )


def mark_unfinished_of_run(session: Session, dag_run_id: int, new: str, now: datetime) -> int:
    """What marking a run does to its unfinished task instances, as in Airflow: marked success,
    they all succeed; marked failed, the queued and running ones fail and the rest are skipped."""
    values = {"end_date": now, "next_try_at": None, "state_reason": marked_reason(str(new))}
    unfinished = [s.value for s in UNFINISHED_TI_STATES]
    if str(new) != TI.FAILED.value:
        targets = [(unfinished, str(new))]
    else:
        active = [s.value for s in ACTIVE_TI_STATES]
        targets = [(active, TI.FAILED.value), ([s for s in unfinished if s not in active], TI.SKIPPED.value)]
    marked = 0
    for states, state in targets:
        statement = (
            update(TABLE)
            .where(TABLE.c.dag_run_id == dag_run_id, TABLE.c.state.in_(states))
            .values(state=state, **values)
        )
        marked += session.execute(statement).rowcount
    return marked


_HAND_BACK_TRY = (
    update(TABLE)
    .where(
        TABLE.c.id == bindparam("b_id"),
        TABLE.c.state == TI.UP_FOR_RESCHEDULE.value,
        TABLE.c.try_number == bindparam("b_try"),
    )
    .values(try_number=TABLE.c.try_number - 1)
)


_UNQUEUE = (
    update(TABLE)
    .where(TABLE.c.id == bindparam("b_id"), TABLE.c.state == TI.QUEUED.value, TABLE.c.try_number == bindparam("b_try"))
    .values(state=TI.SCHEDULED.value, try_number=TABLE.c.try_number - 1, queued_by_job_id=None)
)


def unqueue(session: Session, ti_id: int, try_number: int) -> bool:
    """A queued try whose scheduler died, or whose process never started, goes back to scheduled,
    its number handed back: the next dispatch runs the same try."""
    return session.execute(_UNQUEUE, {"b_id": ti_id, "b_try": try_number}).rowcount == 1


def hand_back_try_number(session: Session, ti_id: int, try_number: int) -> bool:
    """A try that ended ``up_for_reschedule`` gives its number back, so the next dispatch (which
    adds one) runs the same try again: a sensor's reschedule uses up no retry."""
    return session.execute(_HAND_BACK_TRY, {"b_id": ti_id, "b_try": try_number}).rowcount == 1
