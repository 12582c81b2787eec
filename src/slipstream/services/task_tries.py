"""The tries of a task instance (Airflow's task instance history).

The store keeps the current try in ``task_instance`` and, for every try that started, a
``task_log`` row (where its log is, the host, when it started). A past try's other fields are
read from its log: the runner writes ``Running ... on HOST (pid N)`` first and ``Marking task
as STATE.`` last, so its pid, state and end come from there. A past try whose log has no final
line (killed, cleared while running, log on another machine) answers None for them. Pool, queue,
priority and operator are the task instance's current ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slipstream.services.context import ServiceContext
from slipstream.services.errors import NotFound
from slipstream.services.task_instances import TaskInstance, build, find_row
from slipstream.services.task_logs import parse_line
from slipstream.store import task_logs
from slipstream.store.states import TaskInstanceState as TI

_RUNNING = re.compile(r"^Running .* on (?P<host>\S+) \(pid (?P<pid>\d+)\)$")
_MARKING = re.compile(r"^Marking task as (?P<state>[A-Z_]+)\.")
_EDGE_BYTES = 4096
_STATES = {s.value for s in TI}


@dataclass(frozen=True)
class TaskTry:
    """One try, in the fields of Airflow's TaskInstanceHistoryResponse."""

    task_id: str
    dag_id: str
    dag_run_id: str
    map_index: int
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    state: str | None
    try_number: int
    max_tries: int
    task_display_name: str
    dag_display_name: str
    hostname: str | None
    unixname: str | None
    pool: str
    pool_slots: int
    queue: str | None
    priority_weight: int | None
    operator: str | None
    operator_name: str | None
    queued_when: datetime | None
    scheduled_when: datetime | None
    pid: int | None
    executor: str | None
    executor_config: str
    dag_version: None = None


def _current(ti: TaskInstance) -> TaskTry:
    return TaskTry(**{name: getattr(ti, name) for name in TaskTry.__dataclass_fields__})


def _edges(path: str) -> tuple[str, str]:
    """The first and last few KB of a log file ('' when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_EDGE_BYTES)
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - _EDGE_BYTES))
            tail = handle.read()
    except OSError:
        return "", ""
    return head.decode("utf-8", "replace"), tail.decode("utf-8", "replace")


def _outcome(tail: str) -> tuple[str | None, datetime | None]:
    for line in reversed(tail.splitlines()):
        parsed = parse_line(line)
        found = _MARKING.match(parsed.event)
        if found and found["state"].lower() in _STATES:
            return found["state"].lower(), parsed.timestamp
    return None, None


def past_outcome(log_path: str) -> tuple[str | None, datetime | None]:
    """A past try's final state and end, from the last lines of its log (None, None if unknown)."""
    return _outcome(_edges(log_path)[1])


def _past(ti: TaskInstance, log_row: Any) -> TaskTry:
    head, tail = _edges(log_row.path)
    start, pid = log_row.created_at, None
    for line in head.splitlines()[:5]:
        parsed = parse_line(line)
        found = _RUNNING.match(parsed.event)
        if found:
            pid = int(found["pid"])
            break
    state, end = _outcome(tail)
    duration = (end - start).total_seconds() if end is not None and start is not None else None
    return TaskTry(**{
        **{name: getattr(ti, name) for name in TaskTry.__dataclass_fields__},
        "start_date": start, "end_date": end, "duration": duration, "state": state,
        "try_number": log_row.try_number, "hostname": log_row.hostname, "pid": pid, "queued_when": None,
    })


def list_tries(ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[TaskTry]:
    """Every try that started, oldest first, and the current one (also before it started)."""
    with ctx.db.read() as session:
        row = find_row(session, dag_id, run_id, task_id, map_index)
        ti = build(session, [row], with_rendered_fields=False)[0]
        logs = task_logs.for_task(session, dag_id, run_id, task_id, map_index)
    tries = [_past(ti, log) for log in logs if log.try_number < ti.try_number]
    return [*tries, _current(ti)]


def get_try(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1
) -> TaskTry:
    for found in list_tries(ctx, dag_id, run_id, task_id, map_index):
        if found.try_number == try_number:
            return found
    raise NotFound(f"Task instance {task_id!r} (map index {map_index}) of DAG run {run_id!r} has no try {try_number}")
