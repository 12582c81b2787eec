"""Deciding what changes in one running DAG run, from a snapshot of its task instances.

The snapshot holds the task instances that may change (not yet decided, or waiting for a retry
or a reschedule) and, for every task, how many of its instances are in each state: a mapped
task with 10,000 instances costs one row of counts per state, not 10,000 rows per pass. Only
tasks of mapped task groups also bring their per-instance states (instance ``i`` follows
instance ``i`` of its upstreams in the group).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from slipstream.dagfiles.serialization import SerializedDag
from slipstream.scheduler.mapping import MappingError, expansion_length, sources_of
from slipstream.scheduler.past import PAST_REASONS, PastRun, depends_on_past_of
from slipstream.scheduler.trigger_rules import Decision, decide, decide_with_setups
from slipstream.store.states import FAILED_TI_STATES, FINISHED_TI_STATES, DagRunState
from slipstream.store.states import TaskInstanceState as TI

NONE, SCHEDULED, REMOVED = TI.NONE.value, TI.SCHEDULED.value, TI.REMOVED.value
WAITING_FOR_TIME = (TI.UP_FOR_RETRY.value, TI.UP_FOR_RESCHEDULE.value)
FINISHED = frozenset(s.value for s in FINISHED_TI_STATES)
FAILED = frozenset(s.value for s in FAILED_TI_STATES)


@dataclass
class Change:
    row: Any
    expected: str
    new: TI
    values: dict[str, Any]


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    final: DagRunState | None = None
    forced: bool = False  # the run ends in ``final`` even if some change lost its race
    kill: list[int] = field(default_factory=list)  # task instances whose processes must stop
    reasons: list[tuple[Any, str]] = field(default_factory=list)  # (none row, why it waits)
    expansions: list[tuple[int, int, TI]] = field(default_factory=list)  # (placeholder id, length, state)
    removed_tasks: list[str] = field(default_factory=list)  # tasks no longer in the DAG
    next_wake: datetime | None = None


@dataclass
class RunSnapshot:
    """What the planner reads of one run (see the module docstring)."""

    rows: list[Any] = field(default_factory=list)
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    instances: dict[str, dict[int, str]] = field(default_factory=dict)


@dataclass
class PlanContext:
    """What planning needs besides the snapshot: reads made only when a decision needs them."""

    max_map_length: int
    ignore_depends_on_past: bool
    read: Callable[[], Any]  # a context manager giving a read session
    previous_run: Callable[[Any], PastRun]


def plan_run(run: Any, dag: SerializedDag, snapshot: RunSnapshot, now: datetime, ctx: PlanContext) -> Plan:
    """Tasks are visited upstream first, so an empty task finished here lets its downstream
    tasks be decided in the same pass. A task's upstream states are those of every instance of
    each upstream task (all of a mapped task's instances count)."""
    plan = Plan()
    counts = snapshot.counts
    plan.removed_tasks = [
        t for t, c in counts.items() if t not in dag.tasks and any(n for s, n in c.items() if s != REMOVED)
    ]
    rows_by_task: dict[str, list[Any]] = {}
    for row in snapshot.rows:
        rows_by_task.setdefault(row.task_id, []).append(row)
    past: PastRun | None = None
    graph = dag.setup_teardown

    def states_of(task_ids: Iterable[str]) -> Counter[str]:
        return _upstream_counts_of(task_ids, counts)

    def moved(task_id: str, row: Any, new: str) -> None:
        counts[task_id][row.state] -= 1
        counts[task_id][new] += 1
        if row.map_index >= 0 and task_id in snapshot.instances:
            snapshot.instances[task_id][row.map_index] = new

    for task_id, task in dag.tasks.items():
        task_rows = rows_by_task.get(task_id)
        if not task_rows:
            continue
        upstream: Counter[str] | None = None
        in_mapped_group = task.data.get("mapped_group") is not None
        for row in task_rows:
            if row.state in WAITING_FOR_TIME:
                if row.next_try_at is None or row.next_try_at <= now:
                    plan.changes.append(Change(row, row.state, TI.SCHEDULED, {}))
                    moved(task_id, row, SCHEDULED)
                elif plan.next_wake is None or row.next_try_at < plan.next_wake:
                    plan.next_wake = row.next_try_at
                continue
            if row.state != NONE:
                continue
            if in_mapped_group and graph is None:
                decision = decide(task.trigger_rule, _group_upstream(dag, task, row.map_index, snapshot))
            elif in_mapped_group:
                instance_states = partial(_group_states, dag, task, row.map_index, snapshot)
                here = instance_states(task.upstream)
                decision = decide_with_setups(task.trigger_rule, here, instance_states, graph, task_id)
            else:
                if upstream is None:
                    upstream = _upstream_counts(task, counts)
                if graph is None:
                    decision = decide(task.trigger_rule, upstream)
                else:
                    decision = decide_with_setups(task.trigger_rule, upstream, states_of, graph, task_id)
            if decision is Decision.RUN and not ctx.ignore_depends_on_past and depends_on_past_of(task):
                past = past or ctx.previous_run(run)
                why = past.holds_back(task)
                if why is not None:
                    if why != row.state_reason:
                        plan.reasons.append((row, why))
                    continue
            if decision is Decision.RUN and task.data.get("mapped") and row.map_index == -1:
                # A task in a mapped group may have no edge to the group's input: wait for it here.
                if all(_all_finished(counts.get(source)) for source in sources_of(task)):
                    new_state, how_many = _plan_expansion(plan, run, dag, task, row, now, ctx, snapshot)
                    counts[task_id][row.state] -= 1
                    counts[task_id][new_state] += how_many
                break
            change = change_for(row, task, decision, now)
            if change is not None:
                plan.changes.append(change)
                moved(task_id, row, change.new.value)

    if not counts or all(_all_finished(c) for c in counts.values()):
        leaves = (counts.get(t, Counter()) for t in (dag.leaves if graph is None else graph.run_state_leaves))
        failed = any(c[s] > 0 for c in leaves for s in FAILED)
        plan.final = DagRunState.FAILED if failed else DagRunState.SUCCESS
    return plan


def _all_finished(counts: Counter[str] | None) -> bool:
    return counts is not None and all(state in FINISHED for state, n in counts.items() if n > 0)


def _upstream_counts(task: Any, counts: dict[str, Counter[str]]) -> Counter[str]:
    return _upstream_counts_of(task.upstream, counts)


def _upstream_counts_of(task_ids: Iterable[str], counts: dict[str, Counter[str]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for up in task_ids:
        total.update(counts.get(up) or {NONE: 1})
    return total


def _group_upstream(dag: SerializedDag, task: Any, map_index: int, snapshot: RunSnapshot) -> Counter[str]:
    """The upstream states a task of a mapped task group decides on: an upstream in the same
    group counts only its instance with the same map_index; the placeholder (-1) of a task
    waits only for what is outside the group."""
    return _group_states(dag, task, map_index, snapshot, task.upstream)


def _group_states(
    dag: SerializedDag, task: Any, map_index: int, snapshot: RunSnapshot, task_ids: Iterable[str]
) -> Counter[str]:
    """The states of ``task_ids`` as instance ``map_index`` of ``task`` (in a mapped task group) sees them."""
    group = task.data["mapped_group"]
    found: Counter[str] = Counter()
    for up in task_ids:
        upstream = dag.tasks.get(up)
        if upstream is None or upstream.data.get("mapped_group") != group:
            found.update(snapshot.counts.get(up) or {NONE: 1})
        elif map_index >= 0:
            instances = snapshot.instances.get(up, {})
            state = instances.get(map_index)
            if state is None:
                state = NONE if -1 in instances or not instances else REMOVED
            found[state] += 1
    return found


def change_for(row: Any, task: Any, decision: Decision, now: datetime) -> Change | None:
    """The change a trigger-rule decision makes to a task instance that has not started."""
    state = row.state
    if decision is Decision.RUN and task.runs_without_process:
        return Change(row, state, TI.SUCCESS, {"start_date": now, "end_date": now, "duration": 0.0})
    if decision is Decision.RUN:
        values = {"state_reason": None} if (row.state_reason or "").startswith(PAST_REASONS) else {}
        return Change(row, state, TI.SCHEDULED, values)
    if decision is Decision.SKIP:
        return Change(row, state, TI.SKIPPED, {"start_date": now, "end_date": now, "duration": 0.0})
    if decision is Decision.UPSTREAM_FAILED:
        return Change(row, state, TI.UPSTREAM_FAILED, {"end_date": now})
    return None


def _plan_expansion(
    plan: Plan,
    run: Any,
    dag: SerializedDag,
    task: Any,
    row: Any,
    now: datetime,
    ctx: PlanContext,
    snapshot: RunSnapshot,
) -> tuple[str, int]:
    """A mapped task whose inputs are ready: its placeholder becomes one instance per item,
    is skipped when there are none, or fails when the input cannot be expanded. Returns the
    state its instances will be in, and how many there will be."""
    try:
        with ctx.read() as session:
            length = expansion_length(session, run, dag, task, ctx.max_map_length)
    except MappingError as err:
        plan.changes.append(Change(row, row.state, TI.FAILED, {"end_date": now, "state_reason": str(err)}))
        return TI.FAILED.value, 1
    if length == 0:
        reason = "Skipped: the input it expands over has no items"
        values = {"start_date": now, "end_date": now, "duration": 0.0, "state_reason": reason}
        plan.changes.append(Change(row, row.state, TI.SKIPPED, values))
        return TI.SKIPPED.value, 1
    # Instances that must each be decided on their own wait in 'none' for the next pass.
    decided_each = task.runs_without_process or task.data.get("mapped_group") is not None
    state = TI.NONE if decided_each else TI.SCHEDULED
    plan.expansions.append((row.id, length, state))
    if task.task_id in snapshot.instances:
        snapshot.instances[task.task_id] = {}  # expanded in this very pass: decided next pass
    return state.value, length


def plan_timed_out_run(rows: list[Any], timeout: float, now: datetime) -> Plan:
    """dagrun_timeout passed: the run fails, its unfinished tasks are skipped and the running
    ones are killed (Airflow's behaviour)."""
    reason = f"dagrun_timeout of {timeout:g} s exceeded"
    values = {"end_date": now, "state_reason": reason}
    plan = Plan(final=DagRunState.FAILED, forced=True)
    for row in rows:
        if row.state not in FINISHED:
            plan.changes.append(Change(row, row.state, TI.SKIPPED, values))
            if row.state in (TI.QUEUED.value, TI.RUNNING.value):
                plan.kill.append(row.id)
    return plan


def timed_out(run: Any, dag: SerializedDag, now: datetime) -> float | None:
    """The run's dagrun_timeout in seconds if it has passed, else None."""
    timeout = dag.data.get("dagrun_timeout")
    if timeout is not None and run.start_date is not None and now - run.start_date > timedelta(seconds=timeout):
        return timeout
    return None
