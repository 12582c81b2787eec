"""The scheduler: one pass decides what runs next; the loop runs a pass whenever something happens.

A pass (``run_once``) handles the executor's reports, starts queued runs, moves every task
instance whose upstreams allow it, finishes empty tasks itself, rolls run states up, and
dispatches ready task instances to the executor up to the slot limits. The clock is injected
so time-based behaviour can be stepped in tests.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError

from slipstream.config import Settings
from slipstream.dagfiles.serialization import SerializedDag
from slipstream.executors.base import (
    BaseExecutor,
    CallbackRequest,
    DeadlineRequest,
    ExecutorEvent,
    TaskCallbackRequest,
    Workload,
)
from slipstream.executors.workload_json import file_hash
from slipstream.scheduler import asset_triggers, run_creation
from slipstream.scheduler.adoption import SchedulerJob
from slipstream.scheduler.deadline_alerts import handle_deadlines
from slipstream.scheduler.failure_callbacks import failure_callback_request
from slipstream.scheduler.liveness import HOSTNAME, same_process
from slipstream.scheduler.partitioned_runs import PartitionedRunCreator
from slipstream.scheduler.past import PastRun
from slipstream.scheduler.planning import (
    Change,
    Plan,
    PlanContext,
    RunSnapshot,
    plan_run,
    plan_timed_out_run,
    timed_out,
)
from slipstream.scheduler.slots import SlotBudget
from slipstream.store import dag_runs, dags, deadlines, row_locks, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.db import Database
from slipstream.store.states import (
    DagRunState,
    failure_state,
)
from slipstream.store.states import (
    TaskInstanceState as TI,
)

log = logging.getLogger("slipstream.scheduler")

BATCH_WAIT_LIMIT = 0.1
BATCH_FACTOR = 4.0  # in a burst, a pass waits up to this many times its own duration to take a batch of events
TIMEOUT_GRACE = timedelta(seconds=3)
RETRIED_SQLSTATES = ("40P01", "40001")  # PostgreSQL: deadlock detected, serialization failure

StateListener = Callable[[str, Any], None]


@dataclass
class PassResult:
    """What one pass did, and when the next one is due at the latest."""

    dispatched: list[Workload] = field(default_factory=list)
    changed: int = 0
    next_wake: datetime | None = None
    again: bool = False  # something changed that the next pass must look at straight away
    callbacks: list[CallbackRequest | DeadlineRequest | TaskCallbackRequest] = field(default_factory=list)


class Scheduler:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        executor: BaseExecutor,
        clock: Callable[[], datetime] = utcnow,
        on_change: StateListener | None = None,
        only_run: tuple[str, str] | None = None,
        only_runs: Iterable[tuple[str, str]] | None = None,
        run_limit: int | None = None,
        ignore_depends_on_past: bool = False,
    ) -> None:
        """``only_run=(dag_id, run_id)`` limits the scheduler to that one run (``dags test``): it
        starts it even when the DAG is paused and leaves every other run alone. ``only_runs`` does
        the same for a set of runs (``dags backfill``); with ``run_limit``, at most that many of
        them run at once, in place of each DAG's max_active_runs (queued ones start oldest first).
        ``ignore_depends_on_past`` (``dags backfill -I``) lets its tasks run whatever the previous
        run's task instances did."""
        self.settings = settings
        self.db = db
        self._partitioned_runs = PartitionedRunCreator(settings, db)
        self.executor = executor
        self.clock = clock
        self.on_change = on_change
        self.only_run = only_run
        self.only_runs: frozenset[tuple[str, str]] | None = None
        if only_run is not None or only_runs is not None:
            self.only_runs = frozenset(only_runs or ()) | (frozenset([only_run]) if only_run is not None else frozenset())
        self.run_limit = run_limit
        self.ignore_depends_on_past = ignore_depends_on_past
        self._run_order = {key: i for i, key in enumerate(only_runs or ())}
        self._dags: dict[str, SerializedDag] = {}
        self._checked_this_pass: set[str] = set()
        self._last_zombie_check: datetime | None = None
        self.job = SchedulerJob(settings, db, adopts_others=self.only_runs is None)

    # -- serialized DAGs -------------------------------------------------------------------

    def _load_dags(self, session: Any, dag_ids: Iterable[str]) -> None:
        """Have the serialized DAGs of ``dag_ids``, as stored now; each is checked once a pass."""
        wanted = set(dag_ids) - self._checked_this_pass
        if not wanted:
            return
        self._checked_this_pass |= wanted
        hashes = dags.serialized_hashes(session, wanted)
        for dag_id, digest in hashes.items():
            cached = self._dags.get(dag_id)
            if cached is None or cached.dag_hash != digest:
                row = dags.get_serialized(session, dag_id)
                self._dags[dag_id] = SerializedDag(row.data, row.dag_hash)

    # -- one pass --------------------------------------------------------------------------

    def run_once(
        self, now: datetime | None = None, events: Iterable[ExecutorEvent] = (), dispatch: bool = True
    ) -> PassResult:
        """One pass. Decisions are planned from a snapshot read without the write lock, then
        applied as compare-and-set updates in one short write transaction. With
        ``dispatch=False`` (shutting down) nothing new is handed to the executor."""
        now = now or self.clock()
        result = PassResult()
        self._checked_this_pass = set()
        if self.only_runs is None:
            run_creation.create_scheduled_runs(self.settings, self.db, now, result)
            asset_triggers.create_asset_triggered_runs(self.settings, self.db, now, result)
            self._partitioned_runs.create(now, result)
        with self.db.read() as session:
            queued = dag_runs.exist_in_state(session, DagRunState.QUEUED)
        if queued:
            with self.db.write() as session:
                self._start_queued_runs(session, now, result)
        with self.db.read() as session:
            runs = self._mine(dag_runs.in_states(session, [DagRunState.RUNNING]))
            self._load_dags(session, {r.dag_id for r in runs})
            runs = [r for r in runs if r.dag_id in self._dags]
            snapshots = self._snapshots(session, runs)
            waiting_deadlines = deadlines.waiting(session)
        plans = [(run, self._plan(run, self._dags[run.dag_id], snapshots[run.id], now, result)) for run in runs]
        with self.db.write() as session:
            self._beat_and_adopt(session, now, result)
            self._handle_events(session, events, now, result)
            self._check_zombies(session, now, result)
            mine = row_locks.lock_runs(session, [run.id for run, _ in plans])  # the others: another scheduler's now
            for run, plan in plans:
                if run.id in mine:
                    self._apply_plan(session, run, plan, now, result)
            to_start = self._select_for_dispatch(session, now, result) if dispatch else []
        next_deadline = handle_deadlines(self.db, now, self._is_mine, result.callbacks, waiting_deadlines)
        if next_deadline is not None and (result.next_wake is None or next_deadline < result.next_wake):
            result.next_wake = next_deadline
        for workload in to_start:
            self.executor.queue_workload(workload)
        for callback in result.callbacks:
            self.executor.run_callback(callback)
        result.dispatched = to_start
        return result

    def _is_mine(self, row: Any) -> bool:
        return self.only_runs is None or (row.dag_id, row.run_id) in self.only_runs

    def _mine(self, rows: list[Any]) -> list[Any]:
        """Rows (runs or task instances) this scheduler looks after."""
        if self.only_runs is None:
            return rows
        return [r for r in rows if (r.dag_id, r.run_id) in self.only_runs]

    def _notify(self, kind: str, item: Any) -> None:
        if self.on_change is not None:
            self.on_change(kind, item)

    def _handle_events(self, session: Any, events: Iterable[ExecutorEvent], now: datetime, result: PassResult) -> None:
        """A task process ended: if it did not report a final state, it died; fail or retry it."""
        events = list(events)
        rows = task_instances.get_many(session, {event.workload.ti_id for event in events})
        for event in events:
            workload = event.workload
            row = rows.get(workload.ti_id)
            if row is None or row.try_number != workload.try_number:
                continue
            if workload.queued_at is not None and row.queued_at is not None and row.queued_at > workload.queued_at:
                continue  # the same try dispatched again since (a rescheduled sensor): this process was the last poke
            if row.state not in (TI.QUEUED.value, TI.RUNNING.value):
                self._notify("task_instance", (row.dag_id, row.run_id, row.task_id, row.map_index, row.state))
                continue
            if row.state == TI.RUNNING.value and row.hostname == HOSTNAME and same_process(row.pid, row.start_date):
                continue  # another process claimed this try (one of a dead scheduler's): it reports itself
            if event.requeue:
                self._requeue(session, row, event, result)
                continue
            reason = f"The task process ended without reporting a result ({event.detail or event.exit_code})"
            self._fail_try(session, row, reason, now, result)

    def _requeue(self, session: Any, row: Any, event: ExecutorEvent, result: PassResult) -> None:
        """The executor could not start the try (or lost its process before it claimed it): a
        queued try goes back to scheduled with its number handed back; a claimed one is left to
        the process that claimed it."""
        if row.state != TI.QUEUED.value:
            return
        if task_instances.unqueue(session, row.id, row.try_number):
            log.warning("%s.%s %s try %s is run again: %s", row.dag_id, row.task_id, row.run_id, row.try_number, event.detail)
            result.changed += 1
            result.again = True
            self._notify("task_instance", (row.dag_id, row.run_id, row.task_id, row.map_index, TI.SCHEDULED.value))

    def _fail_try(
        self, session: Any, row: Any, reason: str, now: datetime, result: PassResult,
        expected: tuple[str, ...] = (TI.QUEUED.value, TI.RUNNING.value),
    ) -> None:
        state = failure_state(row.try_number, row.max_tries)
        next_try_at = None
        dag = self._dags.get(row.dag_id)
        if state is TI.UP_FOR_RETRY and dag is not None and row.task_id in dag.tasks:
            next_try_at = now + dag.tasks[row.task_id].retry_delay_for(row.try_number)
        if task_instances.finish_try(
            session, row.id, row.try_number, state.value, now,
            expected=expected, next_try_at=next_try_at, reason=reason,
        ):
            log.warning("%s.%s %s try %s: %s -> %s", row.dag_id, row.task_id, row.run_id, row.try_number, reason, state)
            result.changed += 1
            result.again = True
            self._notify("task_instance", (row.dag_id, row.run_id, row.task_id, row.map_index, state.value))
            request = failure_callback_request(dag, row, state.value, reason)
            if request is not None:
                result.callbacks.append(request)  # the try could not run them: a process of their own does

    def _check_zombies(self, session: Any, now: datetime, result: PassResult) -> None:
        """Running tries with no heartbeat for too long, or far past their execution_timeout
        (stuck where the timeout signal cannot reach them), are failed or retried; the process
        tree of an overdue one is killed."""
        interval = timedelta(seconds=max(self.settings.task_heartbeat_sec, 1.0))
        if self._last_zombie_check is not None and now - self._last_zombie_check < min(interval, TIMEOUT_GRACE):
            return
        self._last_zombie_check = now
        self._check_queued(session, now, result)
        limit = now - timedelta(seconds=self.settings.task_heartbeat_timeout)
        tracked = self.executor.tracked()
        for row in self._mine(task_instances.in_states(session, [TI.RUNNING])):
            self._load_dags(session, [row.dag_id])
            gone = self.job.watch(session, row, now, tracked)
            if gone is not None:
                self._fail_try(session, row, gone, now, result)
                continue
            if row.last_heartbeat_at is not None and row.last_heartbeat_at < limit:
                reason = f"No heartbeat for {self.settings.task_heartbeat_timeout:.0f} s: the task process is gone"
                self._fail_try(session, row, reason, now, result)
                continue
            dag = self._dags.get(row.dag_id)
            timeout = dag.tasks[row.task_id].execution_timeout if dag and row.task_id in dag.tasks else None
            if timeout is None or row.start_date is None:
                continue
            if now - row.start_date > timedelta(seconds=timeout) + TIMEOUT_GRACE:
                reason = f"execution_timeout of {timeout:g} s exceeded and the task did not stop: its processes were killed"
                self._fail_try(session, row, reason, now, result)
                self.executor.kill(row.id)

    def _check_queued(self, session: Any, now: datetime, result: PassResult) -> None:
        """Tries queued for longer than ``task_queued_timeout`` never started (no worker takes
        their queue, or their message was lost): failed, or retried if they have retries left."""
        timeout = timedelta(seconds=self.settings.task_queued_timeout)
        for row in self._mine(task_instances.queued_before(session, now - timeout)):
            self._load_dags(session, [row.dag_id])
            reason = (
                f"Queued for more than {self.settings.task_queued_timeout:g} s ([scheduler] task_queued_timeout) "
                f"without starting: no worker took it from queue {self._queue_of(row)!r}"
            )
            self._fail_try(session, row, reason, now, result, expected=(TI.QUEUED.value,))

    def _start_queued_runs(self, session: Any, now: datetime, result: PassResult) -> None:
        row_locks.hold_slots(session)  # max_active_runs holds across schedulers
        queued = self._mine(dag_runs.in_states(session, [DagRunState.QUEUED]))
        if not queued:
            return
        running = dag_runs.in_states(session, [DagRunState.RUNNING])
        if self.run_limit is not None:
            self._start_within_limit(session, queued, len(self._mine(running)), now, result)
            return
        active: dict[str, int] = defaultdict(int)
        for run in running:
            active[run.dag_id] += 1
        self._load_dags(session, {r.dag_id for r in queued})
        paused = {d.dag_id for d in dags.list_dags(session) if d.is_paused}
        for run in queued:
            dag = self._dags.get(run.dag_id)
            if dag is None or (run.dag_id in paused and self.only_runs is None):
                continue
            limit = dag.max_active_runs or self.settings.max_active_runs_per_dag
            if active[run.dag_id] >= limit:
                continue
            if dag_runs.set_state(session, run.id, DagRunState.QUEUED, DagRunState.RUNNING, start_date=now):
                active[run.dag_id] += 1
                result.changed += 1
                log.info("DAG run %s %s started", run.dag_id, run.run_id)
                self._notify("dag_run", (run.dag_id, run.run_id, DagRunState.RUNNING.value))

    def _start_within_limit(self, session: Any, queued: list[Any], active: int, now: datetime, result: PassResult) -> None:
        """``run_limit``: start this scheduler's queued runs (oldest first) while fewer than the
        limit of its runs are running, whatever the DAGs' max_active_runs say."""
        assert self.run_limit is not None
        for run in sorted(queued, key=lambda r: (self._run_order.get((r.dag_id, r.run_id), len(self._run_order)), r.id)):
            if active >= self.run_limit:
                return
            if dag_runs.set_state(session, run.id, DagRunState.QUEUED, DagRunState.RUNNING, start_date=now):
                active += 1
                result.changed += 1
                log.info("DAG run %s %s started", run.dag_id, run.run_id)
                self._notify("dag_run", (run.dag_id, run.run_id, DagRunState.RUNNING.value))

    def _snapshots(self, session: Any, runs: list[Any]) -> dict[int, RunSnapshot]:
        """What planning reads of each run, in three queries for all of them."""
        snapshots = {run.id: RunSnapshot() for run in runs}
        run_ids = list(snapshots)
        for row in task_instances.undecided_of_runs(session, run_ids):
            snapshots[row.dag_run_id].rows.append(row)
        for run_id, task_id, state, count in task_instances.state_counts(session, run_ids):
            snapshots[run_id].counts.setdefault(task_id, Counter())[state] = count
        grouped = {task_id for run in runs for task_id in self._dags[run.dag_id].mapped_group_task_ids}
        for row in task_instances.instance_states(session, run_ids, sorted(grouped)):
            snapshots[row.dag_run_id].instances.setdefault(row.task_id, {})[row.map_index] = row.state
        return snapshots

    def _plan(self, run: Any, dag: SerializedDag, snapshot: RunSnapshot, now: datetime, result: PassResult) -> Plan:
        timeout = timed_out(run, dag, now)
        if timeout is not None:
            with self.db.read() as session:
                rows = task_instances.for_runs(session, [run.id])
            log.warning("DAG run %s %s: dagrun_timeout of %g s exceeded", run.dag_id, run.run_id, timeout)
            return plan_timed_out_run(rows, timeout, now)
        context = PlanContext(
            max_map_length=self.settings.max_map_length, ignore_depends_on_past=self.ignore_depends_on_past,
            read=self.db.read, previous_run=self._previous_run,
        )
        plan = plan_run(run, dag, snapshot, now, context)
        if plan.next_wake is not None and (result.next_wake is None or plan.next_wake < result.next_wake):
            result.next_wake = plan.next_wake
        for change in plan.changes:
            if change.new is TI.FAILED and change.row.map_index == -1 and change.values.get("state_reason"):
                log.warning("DAG run %s %s: %s", run.dag_id, run.run_id, change.values["state_reason"])
        return plan

    def _previous_run(self, run: Any) -> PastRun:
        """The previous run of ``run``'s DAG and its task instances' states: two queries, made only
        for a run with a depends_on_past task that is otherwise ready."""
        with self.db.read() as session:
            prev = dag_runs.previous(session, run.dag_id, run.logical_date, run.id)
            states = task_instances.states_of_run(session, prev.id) if prev is not None else {}
        return PastRun(prev.run_id if prev is not None else None, states)

    def _apply_plan(self, session: Any, run: Any, plan: Plan, now: datetime, result: PassResult) -> None:
        groups: dict[tuple[str, TI, tuple[tuple[str, Any], ...]], list[Change]] = defaultdict(list)
        for change in plan.changes:
            groups[(change.expected, change.new, tuple(sorted(change.values.items())))].append(change)
        applied_all = True
        for (expected, new, values), changes in groups.items():
            moved = task_instances.move(session, [c.row.id for c in changes], expected, new, **dict(values))
            result.changed += len(moved)
            applied_all = applied_all and len(moved) == len(changes)
            if new is not TI.SCHEDULED:
                for change in changes:
                    if change.row.id in moved:
                        self._notify("task_instance", (run.dag_id, run.run_id, change.row.task_id, change.row.map_index, new.value))
        for row, reason in plan.reasons:
            task_instances.set_waiting_reason(session, row.id, reason, state=TI.NONE.value)
        if plan.removed_tasks:
            result.changed += task_instances.remove_tasks(session, run.id, plan.removed_tasks)
        for ti_id, length, state in plan.expansions:
            if task_instances.expand(session, ti_id, length, state.value):
                result.changed += length
                result.again = True
            else:
                applied_all = False
        for ti_id in plan.kill:
            self.executor.kill(ti_id)
        if plan.final is None or not (applied_all or plan.forced):
            return
        if dag_runs.set_state(session, run.id, DagRunState.RUNNING, plan.final, end_date=now):
            result.changed += 1
            result.again = True  # a slot for a queued run is free: the next pass starts it at once
            log.info("DAG run %s %s finished: %s", run.dag_id, run.run_id, plan.final.value)
            self._notify("dag_run", (run.dag_id, run.run_id, plan.final.value))
            success = plan.final is DagRunState.SUCCESS
            if success:
                deadlines.clear_met(session, run.id, now)
            dag = self._dags.get(run.dag_id)
            if dag is not None and dag.data.get("has_on_success_callback" if success else "has_on_failure_callback"):
                reason = "success" if success else ("timed_out" if plan.forced else "task_failure")
                result.callbacks.append(CallbackRequest(run.dag_id, run.run_id, dag.fileloc, success, reason))

    def _max_active_tasks(self, dag_id: str) -> int:
        dag = self._dags.get(dag_id)
        return (dag.max_active_tasks if dag is not None else None) or self.settings.max_active_tasks_per_dag

    def _select_for_dispatch(self, session: Any, now: datetime, result: PassResult) -> list[Workload]:
        row_locks.hold_slots(session)  # the counts below include every other scheduler's dispatch
        budget = SlotBudget(session, self.settings, self._max_active_tasks)
        if budget.capacity <= 0:
            return []
        self._load_dags(session, budget.per_dag)
        chosen: list[Any] = []
        page, offset = 2 * budget.capacity, 0
        while budget.capacity > 0:
            ready = task_instances.ready_to_dispatch(
                session, limit=page, offset=offset, skip_dags=budget.full_dags(), skip_pools=budget.full_pools(),
                only_run=self.only_run, only_runs=self.only_runs,
            )
            self._load_dags(session, {r.dag_id for r in ready})
            for row in ready:
                dag = self._dags.get(row.dag_id)
                reason = budget.admit(row, dag) if dag is not None else "wait: DAG not loaded"
                if reason is None:
                    chosen.append(row)
                elif not reason.startswith("wait:") and reason != row.state_reason:
                    task_instances.set_waiting_reason(session, row.id, reason)
                if budget.capacity <= 0:
                    break
            if len(ready) < page:
                break
            offset += page
        tries = task_instances.queue_tries(session, [r.id for r in chosen], now, self.job.id)
        workloads: list[Workload] = []
        versions: dict[str, str | None] = {}  # each DAG file's version, read once per dispatch
        for row in chosen:
            if row.id not in tries:
                continue
            dag = self._dags[row.dag_id]
            if dag.fileloc not in versions:
                versions[dag.fileloc] = file_hash(dag.fileloc)
            workloads.append(
                Workload(
                    ti_id=row.id, dag_id=row.dag_id, run_id=row.run_id, task_id=row.task_id,
                    map_index=row.map_index, try_number=tries[row.id], fileloc=dag.fileloc, dag_hash=dag.dag_hash,
                    queued_at=now, queue=self._queue_of(row), file_hash=versions[dag.fileloc],
                )
            )
            self._notify("task_instance", (row.dag_id, row.run_id, row.task_id, row.map_index, TI.QUEUED.value))
        return workloads

    def _queue_of(self, row: Any) -> str:
        """The operator's queue=; its default ("default") is ``[celery] default_queue``."""
        return row.queue if row.queue and row.queue != "default" else self.settings.celery_default_queue

    # -- recovery and the loop -------------------------------------------------------------

    def reset_orphans(self) -> int:
        """At start: register this scheduler's job, then adopt the tries of dead schedulers and
        those no scheduler watches (see scheduler/adoption.py); how many changed hands."""
        now = self.clock()
        if self.job.id is None:
            self.job.register(now)
        result = PassResult()
        with self.db.write() as session:
            moved = self.job.adopt_dead(session, now, self._fail_for_adoption(now, result), self._mine, at_start=True)
        for callback in result.callbacks:  # the failure callbacks and mails of the tries it failed
            self.executor.run_callback(callback)
        return moved

    def _beat_and_adopt(self, session: Any, now: datetime, result: PassResult) -> None:
        """The job's heartbeat when due, and every few seconds the tries of dead schedulers."""
        if self.job.id is None:
            return
        self.job.beat(session, now)
        if self.job.check_due(now):
            self.job.adopt_dead(session, now, self._fail_for_adoption(now, result), self._mine)

    def _fail_for_adoption(self, now: datetime, result: PassResult) -> Callable[[Any, Any, str], None]:
        def fail(session: Any, row: Any, reason: str) -> None:
            self._load_dags(session, [row.dag_id])
            self._fail_try(session, row, reason, now, result)

        return fail

    def _wait_for_events(self, timeout: float) -> list[ExecutorEvent]:
        events: list[ExecutorEvent] = []
        try:
            item = self.executor.events.get(timeout=max(timeout, 0.0))
            if item is not None:
                events.append(item)
        except queue.Empty:
            return events
        while True:
            try:
                item = self.executor.events.get_nowait()
            except queue.Empty:
                return events
            if item is not None:
                events.append(item)

    def run(
        self, stop: threading.Event | None = None, until: Callable[[], bool] | None = None, end_job: bool = True,
        num_runs: int = -1, only_idle: bool = False,
    ) -> None:
        """Loop: a pass, then sleep until a task ends, a timer is due, or the poll interval passes.
        The job ends ``success`` when the loop stops (``end_job=False``: the caller ends it, after
        what it still does with the tries).

        When tasks end in bursts (the last pass handled several ends), the next pass waits up to
        four times as long as the last one took, so it handles a batch of events: the scheduler
        then uses at most about a fifth of a core however fast tasks finish, leaving the rest to
        the tasks. A task that ends alone is never held back.

        ``num_runs`` > 0 stops the loop after that many passes (with ``only_idle``, that many idle
        passes in a row: no task end handled, nothing dispatched or changed), as Airflow's
        ``scheduler --num-runs``.
        """
        stop = stop or threading.Event()
        passes = idle_passes = 0
        self.executor.start()
        self.reset_orphans()
        gc.freeze()  # what is loaded by now lives as long as the loop: the collector need not walk it again
        events: list[ExecutorEvent] = []
        while not stop.is_set():
            started = time.perf_counter()
            try:
                result = self.run_once(events=events)
            except DBAPIError as err:
                if getattr(err.orig, "sqlstate", None) not in RETRIED_SQLSTATES:
                    raise
                # Another scheduler's transaction crossed this one (PostgreSQL chose this one to roll
                # back): nothing of the pass was written; it runs again with the same events.
                log.warning("Scheduler pass rolled back (%s); running it again", str(err.orig).splitlines()[0])
                continue
            took = time.perf_counter() - started
            if until is not None and until():
                break
            passes += 1
            idle_passes = 0 if events or result.dispatched or result.changed else idle_passes + 1
            if 0 < num_runs <= (idle_passes if only_idle else passes):
                log.info("Stopping after %d scheduler passes (%d idle in a row), as asked", passes, idle_passes)
                break
            timeout = 0.0 if result.again else min(self.settings.poll_interval, self.settings.scheduler_heartbeat_sec)
            if result.next_wake is not None:
                timeout = min(timeout, (result.next_wake - self.clock()).total_seconds())
            burst = len(events) > 1
            events = self._wait_for_events(timeout)
            if events and burst and self.executor.running > 0:
                time.sleep(min(BATCH_FACTOR * took, BATCH_WAIT_LIMIT))
                events.extend(self._wait_for_events(0.0))
        if end_job:
            self.job.end(self.clock())
