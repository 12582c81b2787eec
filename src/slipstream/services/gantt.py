"""A run's Gantt chart (every try of every task instance: when it was queued, started and
ended) and a DAG's task durations across its newest runs.

The Gantt needs what Airflow's API gives one task at a time (``.../taskInstances/{task}/tries``):
here one query for the run's task instances and one for its logs. The current try comes from the
task instance; a past try from its log (started when its log was created, state and end from the
log's last ``Marking task as STATE.`` line, as services/task_tries.py reads it). Past tries are
rare, so the few log files read stay few.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slipstream.services import task_tries
from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest, NotFound
from slipstream.services.run_summaries import RunSummary
from slipstream.services.structure import GROUP, Node, dag_structure
from slipstream.store import dag_runs
from slipstream.store import gantt as gantt_store

MAX_DURATION_RUNS = 100


@dataclass(frozen=True)
class GanttTry:
    task_id: str
    map_index: int
    rendered_map_index: str | None
    try_number: int
    state: str | None
    queued_when: datetime | None
    start_date: datetime | None
    end_date: datetime | None


@dataclass(frozen=True)
class Gantt:
    dag_id: str
    run_id: str
    state: str
    queued_at: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    tries: list[GanttTry]


def run_gantt(ctx: ServiceContext, dag_id: str, run_id: str) -> Gantt:
    """Every try of the run, task by task (map index order), past tries before the current one."""
    with ctx.db.read() as session:
        run = dag_runs.get(session, dag_id, run_id)
        if run is None:
            raise NotFound(f"DAG run {run_id!r} of DAG {dag_id!r} not found")
        instances = gantt_store.run_instances(session, run.id)
        logs = gantt_store.run_logs(session, dag_id, run_id)
        head = (run.state, run.queued_at, run.start_date, run.end_date)
    current = {(ti.task_id, ti.map_index): ti.try_number for ti in instances}
    past: dict[tuple[str, int], list[GanttTry]] = {}
    for log in sorted(logs, key=lambda r: r.try_number):
        key = (log.task_id, log.map_index)
        if log.try_number >= current.get(key, 0):
            continue
        state, end = task_tries.past_outcome(log.path)
        past.setdefault(key, []).append(GanttTry(
            task_id=log.task_id, map_index=log.map_index, rendered_map_index=None, try_number=log.try_number,
            state=state, queued_when=None, start_date=log.created_at, end_date=end,
        ))
    tries: list[GanttTry] = []
    for ti in instances:
        key = (ti.task_id, ti.map_index)
        earlier = past.get(key, ())
        tries.extend(GanttTry(**{**t.__dict__, "rendered_map_index": ti.rendered_map_index}) for t in earlier)
        tries.append(GanttTry(
            task_id=ti.task_id, map_index=ti.map_index, rendered_map_index=ti.rendered_map_index,
            try_number=ti.try_number, state=ti.state, queued_when=ti.queued_at, start_date=ti.start_date,
            end_date=ti.end_date,
        ))
    state, queued_at, start_date, end_date = head
    return Gantt(dag_id=dag_id, run_id=run_id, state=state, queued_at=queued_at, start_date=start_date,
                 end_date=end_date, tries=tries)


@dataclass(frozen=True)
class TaskDurations:
    """``durations[i]``: seconds from the task's first start to its last end in ``runs[i]`` (all
    its mapped instances), None while it has not ended or had no instance there;
    ``queued[i]``: seconds from its first queue to its first start."""

    task_id: str
    label: str
    durations: list[float | None]
    queued: list[float | None]


@dataclass(frozen=True)
class Durations:
    dag_id: str
    runs: list[RunSummary]
    tasks: list[TaskDurations]


def _tasks_in_order(nodes: tuple[Node, ...] | list[Node], into: list[Node]) -> list[Node]:
    for node in nodes:
        if node.type == GROUP:
            _tasks_in_order(node.children or (), into)
        else:
            into.append(node)
    return into


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def dag_durations(ctx: ServiceContext, dag_id: str, *, limit: int = 25) -> Durations:
    """The DAG's ``limit`` newest runs, oldest first, and each task's duration in each."""
    if not 1 <= limit <= MAX_DURATION_RUNS:
        raise InvalidRequest(f"limit must be between 1 and {MAX_DURATION_RUNS}, got {limit}")
    shape = dag_structure(ctx, dag_id)
    with ctx.db.read() as session:
        run_rows = list(reversed(gantt_store.newest_runs(session, dag_id, limit)))
        spans = gantt_store.task_spans(session, [r.id for r in run_rows])
    column = {r.id: i for i, r in enumerate(run_rows)}
    width = len(run_rows)
    durations: dict[str, list[float | None]] = {}
    queued: dict[str, list[float | None]] = {}
    for span in spans:
        i = column[span.dag_run_id]
        durations.setdefault(span.task_id, [None] * width)[i] = _seconds(span.start_date, span.end_date)
        queued.setdefault(span.task_id, [None] * width)[i] = _seconds(span.queued_at, span.start_date)
    tasks = [
        TaskDurations(task_id=node.id, label=node.id, durations=durations.get(node.id) or [None] * width,
                      queued=queued.get(node.id) or [None] * width)
        for node in _tasks_in_order(shape.nodes, [])
    ]
    runs = [RunSummary.of(r) for r in run_rows]
    return Durations(dag_id=dag_id, runs=runs, tasks=tasks)
