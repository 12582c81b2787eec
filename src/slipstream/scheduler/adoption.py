"""This scheduler's job, and what it takes over from schedulers that died.

A scheduler registers a job row (``store/jobs.py``) and beats from its loop every
``scheduler_heartbeat_sec``. Every ``CHECK_INTERVAL`` (and at start) it looks for dead jobs: a
heartbeat older than ``scheduler_health_check_threshold``, or, on this host, a process that is
gone (or is another process: pids get reused). It takes each one over (compare-and-set, so only
one scheduler does) and adopts its tries in the same transaction:

- ``queued`` ones go back to ``scheduled``, their try number handed back;
- ``running`` ones on this host whose process is alive stay running: the process records its
  own result directly in the database (its store channel broke), and this scheduler watches it
  from now on (``watch``); those whose process is gone are failed or retried at once, as a
  process that ended without reporting;
- ``running`` ones on another host become this scheduler's too, left to the task heartbeat timeout.

``watch`` also covers this scheduler's own running tries whose process its executor no longer
tracks (e.g. its fork server died): their pid says whether they live, so nothing waits for the
300 s task heartbeat timeout. A live one whose heartbeat is stale (its store service died, and
it has made no call since) has it kept fresh here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slipstream.config import Settings
from slipstream.scheduler.liveness import HOSTNAME, same_process
from slipstream.store import jobs, task_instances
from slipstream.store.db import Database
from slipstream.store.states import TaskInstanceState as TI

log = logging.getLogger("slipstream.scheduler")

CHECK_INTERVAL = timedelta(seconds=2)


class AnotherSchedulerRuns(RuntimeError):
    """A second scheduler on a SQLite store: refused."""

# fail(session, row, reason): fail or retry a try as a process that ended without reporting.
Fail = Callable[[Any, Any, str], None]


class SchedulerJob:
    """The job row of a scheduler loop, its heartbeat, and the adoption of dead jobs' tries."""

    def __init__(self, settings: Settings, db: Database, *, adopts_others: bool = True) -> None:
        """``adopts_others``: False for a scheduler limited to some runs (``dags test``,
        backfill), which must not take over a whole job it would only adopt in part."""
        self.settings = settings
        self.db = db
        self.adopts_others = adopts_others
        self.id: int | None = None
        self._next_beat: datetime | None = None
        self._next_check: datetime | None = None
        self._gone_once: set[tuple[int, int]] = set()

    def register(self, now: datetime) -> int:
        """Register this scheduler's job. On SQLite, a scheduler whose job lives already makes this
        one refuse to start (``AnotherSchedulerRuns``): a SQLite file has one writer at a time, and
        several schedulers need PostgreSQL."""
        with self.db.write() as session:
            if self.db.is_sqlite and self.adopts_others:
                self._refuse_if_another_lives(session, now)
            self.id = jobs.register(session, HOSTNAME, os.getpid(), now)
        self._next_beat = now + timedelta(seconds=self.settings.scheduler_heartbeat_sec)
        self._next_check = None
        log.info("Scheduler job %s started on %s (pid %s)", self.id, HOSTNAME, os.getpid())
        return self.id

    def _refuse_if_another_lives(self, session: Any, now: datetime) -> None:
        for job in jobs.running(session):
            if self.is_dead(job, now) is None:
                raise AnotherSchedulerRuns(
                    f"Another scheduler runs on this SQLite store (job {job.id}, pid {job.pid} on {job.hostname}, last "
                    f"heartbeat {job.latest_heartbeat:%H:%M:%S} UTC): a SQLite store takes one scheduler. Stop that one "
                    "first, or set [database] sql_alchemy_conn to PostgreSQL to run several (docs/deployment.md)."
                )

    def end(self, now: datetime, state: str = jobs.SUCCESS) -> None:
        if self.id is None:
            return
        with self.db.write() as session:
            jobs.end(session, self.id, state, now)
        self.id = None

    def beat(self, session: Any, now: datetime) -> None:
        """Record the heartbeat when due. A job another scheduler took for dead (its tries are
        adopted) registers again, so its next dispatches are watched under the new id."""
        if self.id is None or (self._next_beat is not None and now < self._next_beat):
            return
        self._next_beat = now + timedelta(seconds=self.settings.scheduler_heartbeat_sec)
        if not jobs.heartbeat(session, self.id, now):
            log.error(
                "Scheduler job %s was taken for dead by another scheduler (no heartbeat for %g s): its tries were "
                "adopted; registering again", self.id, self.settings.scheduler_health_check_threshold,
            )
            self.id = jobs.register(session, HOSTNAME, os.getpid(), now)

    def check_due(self, now: datetime) -> bool:
        if self.id is None or (self._next_check is not None and now < self._next_check):
            return False
        self._next_check = now + CHECK_INTERVAL
        return True

    def is_dead(self, job: Any, now: datetime) -> str | None:
        """Why ``job`` is dead, or None while it lives."""
        if job.hostname == HOSTNAME and not same_process(job.pid, job.start_date):
            return f"its process (pid {job.pid}) is gone"
        threshold = self.settings.scheduler_health_check_threshold
        if job.latest_heartbeat < now - timedelta(seconds=threshold):
            return f"no heartbeat for {(now - job.latest_heartbeat).total_seconds():.0f} s (threshold {threshold:g} s)"
        return None

    def adopt_dead(self, session: Any, now: datetime, fail: Fail, mine: Callable[[list[Any]], list[Any]],
                   at_start: bool = False) -> int:
        """Take over every dead job and adopt its tries (at start also tries no job dispatched);
        how many tries changed hands."""
        assert self.id is not None
        adopted = 0
        if self.adopts_others:
            for job in jobs.running(session):
                why = None if job.id == self.id else self.is_dead(job, now)
                if why is None or not jobs.take_over(session, job.id, jobs.FAILED, now):
                    continue
                rows = jobs.active_tries(session, job.id)
                log.warning(
                    "Scheduler job %s on %s is dead (%s): adopting its %s queued or running tries", job.id,
                    job.hostname, why, len(rows),
                )
                adopted += self._adopt(session, rows, f"its scheduler (job {job.id}) died", fail)
        if at_start:
            adopted += self._adopt(session, mine(jobs.active_tries(session, None)), "no scheduler watched it", fail)
        return adopted

    def _adopt(self, session: Any, rows: list[Any], why: str, fail: Fail) -> int:
        assert self.id is not None
        unqueued, kept, failed = 0, [], 0
        for row in rows:
            if row.state == TI.QUEUED.value:
                unqueued += task_instances.unqueue(session, row.id, row.try_number)
            elif row.hostname != HOSTNAME or same_process(row.pid, row.start_date):
                kept.append((row.id, row.try_number))
            else:
                fail(session, row, f"The task process (pid {row.pid}) ended without reporting a result; {why}")
                failed += 1
        jobs.adopt(session, kept, self.id)
        if unqueued:
            log.info("Put %s queued task instance(s) back to scheduled (%s)", unqueued, why)
        if kept:
            log.info("Adopted %s running task instance(s) whose process lives or runs on another host (%s)", len(kept), why)
        return unqueued + len(kept) + failed

    def watch(self, session: Any, row: Any, now: datetime, tracked: set[int]) -> str | None:
        """For a running try of this job on this host that the executor does not track, or whose
        heartbeat is stale (its process no longer beats through the store service, or its exit
        report was lost): a reason to fail it when its process is gone (seen twice, so an exit
        the executor is about to report is reported by it); a live one gets a fresh heartbeat."""
        if self.id is None or row.queued_by_job_id != self.id or row.hostname != HOSTNAME:
            return None
        key = (row.id, row.try_number)
        stale = row.last_heartbeat_at is None or row.last_heartbeat_at < now - timedelta(
            seconds=3 * self.settings.task_heartbeat_sec
        )
        if row.id in tracked and not stale:
            return None
        if same_process(row.pid, row.start_date):
            self._gone_once.discard(key)
            if stale:
                task_instances.heartbeat(session, row.id, row.try_number, now)
            return None
        if key not in self._gone_once:
            self._gone_once.add(key)
            return None
        self._gone_once.discard(key)
        return f"The task process (pid {row.pid}) is gone and ended without reporting a result"
