"""The long-running scheduler service: the DAG file processor and the scheduler loop together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from slipstream.config import Settings
from slipstream.dagfiles.parsing import ParsedFile
from slipstream.dagfiles.processor import DagFileProcessor, ProcessorPass
from slipstream.executors.base import ExecutorStartError
from slipstream.executors.loader import ExecutorConfigError, load_executor
from slipstream.scheduler.adoption import AnotherSchedulerRuns
from slipstream.scheduler.scheduler import Scheduler, StateListener
from slipstream.scheduler.wakeups import WakeListener
from slipstream.store.db import Database

log = logging.getLogger("slipstream.scheduler")


class SchedulerCannotStart(RuntimeError):
    """The scheduler must not or cannot start: the message says why and what to do."""


class SchedulerService:
    """Parses the DAG folders every ``dag_dir_list_interval`` and schedules until ``stop()``."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        parse: bool = True,
        on_change: StateListener | None = None,
        on_parse: Callable[[ProcessorPass], None] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        try:
            self.executor = load_executor(settings)
        except ExecutorConfigError as err:
            raise SchedulerCannotStart(str(err)) from None
        self.scheduler = Scheduler(settings, db, self.executor, on_change=on_change)
        self.processor = DagFileProcessor(settings, db, on_recorded=self._recorded) if parse else None
        self.on_parse = on_parse
        self.stopping = threading.Event()
        self.killing = threading.Event()
        self.on_stopping: Callable[[int], None] | None = None
        self._parser_thread: threading.Thread | None = None
        self._listener: WakeListener | None = None

    def prepare(self) -> None:
        """Register the scheduler's job and start the executor, before anything else starts:
        a second scheduler on SQLite, or a broker that cannot be reached, stops here with a message."""
        try:
            self.scheduler.job.register(self.scheduler.clock())
            self.executor.start()
        except (AnotherSchedulerRuns, ExecutorStartError) as err:
            if self.scheduler.job.id is not None:
                self.scheduler.job.end(self.scheduler.clock())
            raise SchedulerCannotStart(str(err)) from None

    def parse_once(self) -> ProcessorPass | None:
        """Scan the DAG folders and parse what changed; each file's DAGs are scheduled as soon
        as that file is recorded (``_recorded``), not at the end of the scan."""
        if self.processor is None:
            return None
        result = self.processor.process()
        if result.removed:
            if self.on_parse is not None:
                self.on_parse(ProcessorPass(removed=result.removed))
            self.executor.wake()
        return result

    def _recorded(self, parsed: ParsedFile) -> None:
        if self.on_parse is not None:
            self.on_parse(ProcessorPass(parsed=[parsed]))
        self.executor.wake()

    def _parse_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self.parse_once()
            except Exception:
                if not self.stopping.is_set():
                    log.exception("Scanning the DAG folders failed")
            if self.stopping.wait(self.settings.dag_dir_list_interval):
                return

    def run(self, num_runs: int = -1, only_idle: bool = False) -> None:
        """Block until ``stop()`` (or ``num_runs`` passes, see ``Scheduler.run``): schedule while the
        DAG folders are parsed (at once, then every ``dag_dir_list_interval``) in the background."""
        if self.processor is not None:
            self._parser_thread = threading.Thread(target=self._parse_loop, name="dag-file-processor", daemon=True)
            self._parser_thread.start()
        self._listener = WakeListener(self.db, self.executor.wake).start()
        try:
            self.scheduler.run(stop=self.stopping, end_job=False, num_runs=num_runs, only_idle=only_idle)
        finally:
            self._shutdown()

    def stop(self, *_: Any) -> None:
        """First call: stop starting tasks and let the running ones finish. Second: kill them."""
        if self.stopping.is_set():
            self.killing.set()
        self.stopping.set()
        self.executor.wake()

    def _shutdown(self) -> None:
        """Let running tasks finish (or kill them on a second stop), then record what they became.
        The executor's processes are stopped whatever happens here (no process outlives a stop).
        Tasks on remote workers (``tasks_outlive_scheduler``) go on and record their own end."""
        self.stopping.set()
        if self._listener is not None:
            self._listener.stop()
        if self.processor is not None:
            self.processor.close()
        if self._parser_thread is not None:
            self._parser_thread.join(5)
        try:
            if self.executor.running and self.on_stopping is not None and not self.executor.tasks_outlive_scheduler:
                self.on_stopping(self.executor.running)
            while not self.executor.tasks_outlive_scheduler and not self.executor.wait_idle(0.2):
                if self.killing.is_set():
                    self.executor.terminate()
                    break
        finally:
            self.executor.end(timeout=0 if self.executor.tasks_outlive_scheduler else 10)
        events = []
        while not self.executor.events.empty():
            event = self.executor.events.get_nowait()
            if event is not None:
                events.append(event)
        if events:
            self.scheduler.run_once(events=events, dispatch=False)
        self.scheduler.job.end(self.scheduler.clock())
