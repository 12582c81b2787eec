"""One chaos run on one backend: a real ``slipstream scheduler``, seeded SIGKILLs, the checks.

The harness writes the DAG set into a fresh ``SLIPSTREAM_HOME`` (PostgreSQL: a fresh database
too), parses it and triggers one run per DAG, starts ``slipstream scheduler`` as a subprocess,
and follows the kill plan: when enough task bodies have finished (lines in the lines file), it
finds a process of the planned kind (``chaos/processes.py``) and SIGKILLs it. It starts a new
scheduler when it killed the scheduler; everything else is the product's to restart. It waits
until the kill is recovered from (a try queued after the kill has started: the stall) before the
next kill. When every run has finished it stops the scheduler with SIGTERM and checks.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from chaos import processes
from chaos.dags import RUN_ID, DagSet, write_dag_set
from chaos.plan import PlannedKill, choose, make_plan
from chaos.watch import ACTIVE_STATES, StoreWatch, count_lines, read_lines

SLIPSTREAM = str(Path(sys.executable).parent / "slipstream")
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TASK_KILL_MARGIN = 0.25  # a task process is killed only with this many seconds of its body left
VICTIM_WAIT = 10.0  # how long to look for a process of the planned kind before skipping the kill


@dataclass
class Options:
    seed: int = 1
    tasks: int = 1000
    kills: int = 50
    kinds: tuple[str, ...] = processes.KINDS
    body_seconds: tuple[float, float] = (0.1, 1.0)
    parallelism: int = 16
    timeout: float = 1200.0
    stall_limit: float = 15.0
    stall_give_up: float = 60.0
    keep: bool = False
    verbose: bool = True


@dataclass
class Kill:
    number: int
    kind: str
    pid: int
    at: float
    lines_before: int
    stall: float | None = None  # None: not measured (see note)
    note: str = ""


@dataclass
class Result:
    backend: str
    seed: int
    tasks: int
    planned: int
    kills: list[Kill] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    runs: dict[str, str] = field(default_factory=dict)
    task_states: dict[str, int] = field(default_factory=dict)
    not_successful: list[str] = field(default_factory=list)
    runs_active: int = 0
    duplicated: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    longest_pause: float = 0.0
    scheduler_exits: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    stop_notes: list[str] = field(default_factory=list)
    wall: float = 0.0
    timed_out: bool = False
    workdir: str = ""

    @property
    def stalls(self) -> list[float]:
        return [k.stall for k in self.kills if k.stall is not None]

    @property
    def longest_stall(self) -> float:
        return max(self.stalls, default=0.0)

    @property
    def median_stall(self) -> float:
        return statistics.median(self.stalls) if self.stalls else 0.0

    @property
    def kills_by_kind(self) -> Counter[str]:
        return Counter(k.kind for k in self.kills)

    @property
    def rows_active(self) -> int:
        return sum(self.task_states.get(s, 0) for s in ACTIVE_STATES) + self.runs_active

    def failures(self, stall_limit: float) -> list[str]:
        """What a check found wrong, one sentence each; empty when the run passed."""
        out = []
        if self.timed_out:
            out.append("the runs did not all finish before the timeout")
        bad_runs = {run: state for run, state in self.runs.items() if state != "success"}
        if bad_runs:
            out.append(f"runs not successful: {bad_runs}")
        if self.not_successful:
            out.append(f"{sum(n for s, n in self.task_states.items() if s != 'success')} task instances not "
                       f"successful, e.g. {self.not_successful[:3]}")
        if self.rows_active:
            out.append(f"{self.rows_active} rows left queued or running")
        if self.duplicated:
            out.append(f"{len(self.duplicated)} task bodies finished more than once, e.g. {self.duplicated[:3]}")
        if self.lost:
            out.append(f"{len(self.lost)} task instances have no line (lost), e.g. {self.lost[:3]}")
        if self.unexpected:
            out.append(f"{len(self.unexpected)} lines of no expected task instance, e.g. {self.unexpected[:3]}")
        unmeasured = [k for k in self.kills if k.stall is None]
        if unmeasured:
            out.append(f"{len(unmeasured)} kills never recovered from, e.g. kill #{unmeasured[0].number} "
                       f"({unmeasured[0].kind}): {unmeasured[0].note}")
        if self.longest_stall >= stall_limit:
            worst = max((k for k in self.kills if k.stall is not None), key=lambda k: k.stall or 0)
            out.append(f"longest stall {self.longest_stall:.1f} s (kill #{worst.number}, {worst.kind}) "
                       f">= {stall_limit:g} s")
        if self.skipped:
            out.append(f"{len(self.skipped)} planned kills found no process to kill: {self.skipped[:3]}")
        if self.scheduler_exits:
            out.append(f"the scheduler ended by itself {len(self.scheduler_exits)} times: {self.scheduler_exits[:2]}")
        return out


def _environment(home: Path, database_url: str, parallelism: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLIPSTREAM", "AIRFLOW"))}
    env.update({
        "SLIPSTREAM_HOME": str(home),
        "SLIPSTREAM__CORE__LOAD_EXAMPLES": "False",
        "SLIPSTREAM__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "SLIPSTREAM__CORE__PARALLELISM": str(parallelism),
        "SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN": database_url,
    })
    return env


def _create_postgres_database(seed: int) -> str:
    import psycopg

    name = f"slipstream_chaos_{seed}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _trigger_runs(home: Path, env: dict[str, str], dag_set: DagSet) -> None:
    """Migrate the store, parse the DAG folder and queue one run per DAG, in this process."""
    from slipstream.config import Config, Settings
    from slipstream.dagfiles.processor import DagFileProcessor
    from slipstream.scheduler.triggering import trigger_dag
    from slipstream.store import migrate
    from slipstream.store.db import Database

    settings = Settings.from_config(Config.load(home, env))
    db = Database(settings.sql_alchemy_conn)
    try:
        migrate.migrate(db)
        processor = DagFileProcessor(settings, db)
        try:
            parsed = processor.process(force=True)
        finally:
            processor.close()
        errors = [e for p in parsed.parsed for e in p.errors]
        if errors:
            raise RuntimeError(f"the chaos DAG files did not load: {errors}")
        for dag_id in dag_set.dag_ids:
            trigger_dag(db, dag_id, run_id=RUN_ID)
    finally:
        db.dispose()


class ChaosRun:
    def __init__(self, backend: str, options: Options) -> None:
        self.backend = backend
        self.options = options
        self.work = Path(tempfile.mkdtemp(prefix=f"slipstream-chaos-{backend}-"))
        self.home = self.work / "home"
        self.lines = self.work / "lines.txt"
        self.started = self.work / "started"
        self.started.mkdir()
        self.database: str | None = None
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.scheduler_count = 0
        self.result = Result(backend, options.seed, options.tasks, options.kills, workdir=str(self.work))
        self.env: dict[str, str] = {}

    def say(self, text: str) -> None:
        if self.options.verbose:
            print(f"[chaos {self.backend} {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    # -- the scheduler ---------------------------------------------------------------------------

    def start_scheduler(self) -> None:
        self.scheduler_count += 1
        log = open(self.work / f"scheduler-{self.scheduler_count:02d}.log", "wb")  # noqa: SIM115 - the child keeps it
        self.scheduler = subprocess.Popen(
            [SLIPSTREAM, "scheduler", "--verbose"], env=self.env, cwd=self.work, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()

    def check_scheduler(self) -> None:
        """A scheduler that ended without being killed is a finding; start another one."""
        assert self.scheduler is not None
        code = self.scheduler.poll()
        if code is not None:
            what = f"scheduler-{self.scheduler_count:02d} ended with exit code {code}"
            self.result.scheduler_exits.append(what)
            self.say(what + "; starting another")
            self.start_scheduler()

    def stop_scheduler(self) -> None:
        if self.scheduler is None or self.scheduler.poll() is not None:
            return
        for wait, then in ((30, "a second SIGTERM"), (15, "SIGKILL")):
            self.scheduler.send_signal(signal.SIGTERM)
            try:
                self.scheduler.wait(wait)
                return
            except subprocess.TimeoutExpired:
                note = f"the scheduler did not stop within {wait} s of SIGTERM: {then}"
                self.result.stop_notes.append(note)
                self.say(note)
        self.scheduler.kill()
        self.scheduler.wait()

    # -- kills -----------------------------------------------------------------------------------

    def find_victim(self, planned: PlannedKill) -> processes.Proc | None:
        """A process of the planned kind under the current scheduler; after VICTIM_WAIT, one left
        by an earlier scheduler will do."""
        deadline = time.monotonic() + VICTIM_WAIT
        while True:
            assert self.scheduler is not None
            late = time.monotonic() > deadline
            found = processes.candidates(
                processes.scan(self.home), planned.kind, self.scheduler.pid, current_only=not late
            )
            if planned.kind == "task":
                now = time.time()
                found = [p for p in found
                         if (left := processes.body_time_left(self.started, p.pid, now)) is None
                         or left > TASK_KILL_MARGIN]
            if found:
                return choose(found, planned.pick)
            if late:
                return None
            time.sleep(0.05)

    def kill(self, number: int, planned: PlannedKill, lines: int) -> Kill | None:
        victim = self.find_victim(planned)
        if victim is None:
            self.result.skipped.append(f"#{number} {planned.kind} after {planned.after_lines} lines")
            self.say(f"kill #{number}: no {processes.KIND_NAMES[planned.kind]} found, skipped")
            return None
        at = time.time()
        if not processes.kill(victim.pid):
            self.result.skipped.append(f"#{number} {planned.kind}: pid {victim.pid} gone before the kill")
            return None
        kill = Kill(number, planned.kind, victim.pid, at, lines)
        self.result.kills.append(kill)
        self.say(f"kill #{number}: {processes.KIND_NAMES[planned.kind]} pid {victim.pid} at {lines} lines")
        if planned.kind == "scheduler":
            assert self.scheduler is not None
            self.scheduler.wait()
            self.start_scheduler()
        return kill

    # -- the run ---------------------------------------------------------------------------------

    def setup(self) -> StoreWatch:
        if self.backend == "postgres":
            self.database = _create_postgres_database(self.options.seed)
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.database}"
        else:
            url = f"sqlite:///{self.home}/slipstream.db"
        self.env = _environment(self.home, url, self.options.parallelism)
        self.dag_set = write_dag_set(
            self.home / "dags", self.lines, self.started, total=self.options.tasks, seed=self.options.seed,
            body_seconds=self.options.body_seconds,
        )
        _trigger_runs(self.home, self.env, self.dag_set)
        return StoreWatch(url)

    def run(self) -> Result:
        options = self.options
        plan = make_plan(options.seed, options.kills, options.kinds, options.tasks)
        started = time.monotonic()
        watch = self.setup()
        try:
            self.say(f"{options.tasks} tasks, {len(plan)} kills planned; work folder {self.work}")
            self.start_scheduler()
            self._follow(plan, watch, started)
            self.stop_scheduler()
            self.result.wall = time.monotonic() - started
            self._leftovers()
            self._check(watch)
        finally:
            if self.scheduler is not None and self.scheduler.poll() is None:
                self.scheduler.kill()
                self.scheduler.wait()
            watch.close()
            self._clean_up()
        return self.result

    def _follow(self, plan: list[PlannedKill], watch: StoreWatch, started: float) -> None:
        options = self.options
        deadline = started + options.timeout
        pending: Kill | None = None
        next_kill = 0
        last_progress, last_change = None, time.monotonic()
        first_change_seen = False
        while True:
            now = time.monotonic()
            if now > deadline:
                self.result.timed_out = True
                self.say("timeout: the runs did not finish")
                break
            self.check_scheduler()
            progress = watch.progress()
            if progress != last_progress:
                if first_change_seen:
                    self.result.longest_pause = max(self.result.longest_pause, now - last_change)
                first_change_seen = first_change_seen or last_progress is not None
                last_progress, last_change = progress, now
            if progress.runs_unfinished == 0:
                break
            if pending is not None:
                claimed = watch.first_claim_of_work_queued_after(pending.at)
                if claimed is not None:
                    pending.stall = max(claimed - pending.at, 0.0)
                    self.say(f"kill #{pending.number} recovered: stall {pending.stall:.2f} s")
                    pending = None
                elif time.time() - pending.at > options.stall_give_up:
                    pending.note = f"no try queued after the kill had started {options.stall_give_up:g} s later"
                    self.say(f"kill #{pending.number}: {pending.note}")
                    pending = None
            lines = count_lines(self.lines)
            if pending is None and next_kill < len(plan) and lines >= plan[next_kill].after_lines:
                pending = self.kill(next_kill + 1, plan[next_kill], lines)
                next_kill += 1
                continue
            time.sleep(0.1)
        if pending is not None and pending.stall is None and not pending.note:
            pending.note = "the runs ended before any try queued after the kill started"
            pending.stall = time.time() - pending.at
        why = "the timeout came first" if self.result.timed_out else "the runs ended first"
        for planned in plan[next_kill:]:
            self.result.skipped.append(f"{planned.kind} after {planned.after_lines} lines: {why}")

    def _leftovers(self) -> None:
        """Processes of this home still alive a few seconds after the scheduler stopped: listed,
        then killed (by pid) so that nothing outlives the harness."""
        deadline = time.monotonic() + 5
        left = processes.scan(self.home)
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = processes.scan(self.home)
        self.result.leftovers = [f"{p.kind} pid {p.pid}" for p in left]
        for proc in left:
            processes.kill(proc.pid)

    def _check(self, watch: StoreWatch) -> None:
        result = self.result
        result.runs = watch.runs()
        result.runs_active = sum(1 for s in result.runs.values() if s in ACTIVE_STATES)
        result.task_states = dict(watch.task_states())
        result.not_successful = [
            f"{d}.{t}[{m}] {s} try {n}: {(reason or '')[:120]}" for d, t, m, s, n, reason in watch.not_successful()
        ]
        seen = Counter((d, r, t, m) for d, r, t, m, _ in read_lines(self.lines))
        expected = {key.line_key() for key in self.dag_set.expected}
        result.duplicated = [f"{d}.{t}[{m}] x{n}" for (d, r, t, m), n in sorted(seen.items()) if n > 1]
        result.lost = [f"{d}.{t}[{m}]" for (d, r, t, m) in sorted(expected - set(seen))]
        result.unexpected = [" ".join(map(str, k)) for k in sorted(set(seen) - expected, key=str)]

    def _clean_up(self) -> None:
        if self.database is not None:
            try:
                _drop_postgres_database(self.database)
            except Exception as err:  # noqa: BLE001 - the result stands; say what is left behind
                self.say(f"could not drop the database {self.database}: {err}")
        failed = bool(self.result.failures(self.options.stall_limit))
        if self.options.keep or failed:
            self.say(f"kept {self.work} (scheduler logs, task logs, lines.txt)")
        else:
            shutil.rmtree(self.work, ignore_errors=True)
