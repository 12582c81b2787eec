"""A Slipstream installation spread as in production, on this machine: PostgreSQL as the store,
a Celery broker (Redis or RabbitMQ), N ``slipstream scheduler`` and M ``slipstream celery worker``
processes, each a subprocess with its own log. ``FanOut`` runs one DAG of many tasks on it,
optionally SIGKILLs a worker and a scheduler mid-run, and reads back what the tasks recorded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

BROKERS = {
    "redis": "redis://127.0.0.1:6379/0",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}
DAG_ID = "fanout_rows"
POOL = "four"
READY_TIMEOUT = 60.0


@dataclass
class Options:
    tasks: int = 1000
    broker: str = "redis"
    schedulers: int = 2
    workers: int = 2
    concurrency: int = 8  # per worker
    pool_slots: int = 4  # the even tasks run in this pool
    max_active_tasks: int = 8  # the DAG's
    task_seconds: float = 0.05
    kill: bool = False  # SIGKILL the first worker and the first scheduler once kill_after of the rows are in
    kill_after: float = 0.3
    noop: bool = False  # the benchmark: tasks that do nothing, no pool, no limit but parallelism
    parallelism: int = 64
    timeout: float = 600.0


@dataclass
class Outcome:
    run_state: str
    ti_states: dict[str, int]
    rows: int
    executions: int  # task bodies that started (a try run twice would count twice)
    max_executions_per_task: int
    max_overlap: int
    max_pool_overlap: int
    seconds: float  # trigger to run end
    killed: list[str] = field(default_factory=list)
    logs: Path | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def slipstream_bin() -> str:
    return str(Path(sys.executable).with_name("slipstream"))


def dag_file(options: Options, rows_url: str) -> str:
    if options.noop:
        return f'''
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator

def nothing():
    pass

with DAG("{DAG_ID}", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks={options.tasks}):
    for i in range({options.tasks}):
        PythonOperator(task_id=f"t{{i:04d}}", python_callable=nothing)
'''
    return f'''
import os
import time
from datetime import datetime, timedelta

import psycopg
from airflow import DAG
from airflow.operators.python import PythonOperator

ROWS = {rows_url!r}


def record(key, in_pool):
    with psycopg.connect(ROWS, autocommit=True) as connection:
        connection.execute("INSERT INTO executions (key, pid) VALUES (%s, %s)", (key, os.getpid()))
        started = time.time()
        time.sleep({options.task_seconds})
        ended = time.time()
        connection.execute(
            "INSERT INTO task_rows (key, started, ended, in_pool) VALUES (%s, %s, %s, %s)", (key, started, ended, in_pool)
        )


with DAG("{DAG_ID}", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks={options.max_active_tasks}):
    for i in range({options.tasks}):
        in_pool = i % 2 == 0
        PythonOperator(
            task_id=f"t{{i:04d}}", python_callable=record, op_args=[f"t{{i:04d}}", in_pool],
            pool="{POOL}" if in_pool else "default_pool", retries=2, retry_delay=timedelta(seconds=1),
        )
'''


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one moment (an end and a start at the same instant do not overlap)."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals], key=lambda e: (e[0], e[1]))
    best = open_now = 0
    for _, step in edges:
        open_now += step
        best = max(best, open_now)
    return best


class FanOut:
    """Start the installation, run the DAG once, stop everything (``with FanOut(...) as f: f.run()``)."""

    def __init__(self, options: Options, database_url: str, workdir: Path, log: Callable[[str], None] = print) -> None:
        self.options = options
        self.database_url = database_url  # postgresql+psycopg://...
        self.plain_url = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.workdir = workdir
        self.log = log
        self.queue = f"scale-{uuid.uuid4().hex[:8]}"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._log_files: list[Any] = []

    # -- set-up ------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLIPSTREAM__", "AIRFLOW__"))}
        broker = BROKERS[self.options.broker]
        env.update({
            "SLIPSTREAM_HOME": str(self.workdir / "home"),
            "SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN": self.database_url,
            "SLIPSTREAM__CORE__EXECUTOR": "CeleryExecutor",
            "SLIPSTREAM__CORE__LOAD_EXAMPLES": "false",
            "SLIPSTREAM__CORE__DAGS_FOLDER": str(self.workdir / "dags"),
            "SLIPSTREAM__CORE__PARALLELISM": str(self.options.parallelism),
            "SLIPSTREAM__CELERY__BROKER_URL": broker,
            "SLIPSTREAM__CELERY__DEFAULT_QUEUE": self.queue,
            "SLIPSTREAM__CELERY__WORKER_CONCURRENCY": str(self.options.concurrency),
            "SLIPSTREAM__SCHEDULER__TASK_HEARTBEAT_SEC": "1",
            "SLIPSTREAM__SCHEDULER__TASK_HEARTBEAT_TIMEOUT": "20",
            "SLIPSTREAM__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "SLIPSTREAM__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "5",
        })
        if self.options.broker == "redis":
            env["SLIPSTREAM__CELERY__VISIBILITY_TIMEOUT"] = "30"
        if self.options.kill:
            # A worker SIGKILLed between taking a message from Redis and recording it as unacked
            # loses that message (Kombu's Redis transport): its try stays queued until
            # task_queued_timeout fails it into a retry (600 s by default).
            env["SLIPSTREAM__SCHEDULER__TASK_QUEUED_TIMEOUT"] = "20"
        return env

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [slipstream_bin(), *args], env=self.env(), capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"slipstream {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def spawn(self, name: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
        out = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        self._log_files.append(out)
        process = subprocess.Popen(
            [slipstream_bin(), *args], env={**self.env(), **env}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def wait_for_line(self, name: str, text: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        path = self.workdir / f"{name}.log"
        while time.monotonic() < deadline:
            if text in path.read_text(errors="replace"):
                return
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} ended ({self.processes[name].returncode}): {path.read_text()[-3000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"{name} did not say {text!r} within {READY_TIMEOUT:.0f} s: {path.read_text()[-3000:]}")

    def start(self) -> None:
        (self.workdir / "dags").mkdir(parents=True, exist_ok=True)
        (self.workdir / "home").mkdir(parents=True, exist_ok=True)
        with psycopg.connect(self.plain_url, autocommit=True) as connection:
            connection.execute("CREATE TABLE task_rows (key text PRIMARY KEY, started float8, ended float8, in_pool bool)")
            connection.execute("CREATE TABLE executions (key text, pid int)")
        (self.workdir / "dags" / "fanout_rows.py").write_text(dag_file(self.options, self.plain_url))
        self.cli("db", "migrate")
        self.cli("pools", "set", POOL, str(self.options.pool_slots), "the scale test's pool")
        for i in range(self.options.workers):
            # Each serves its task logs on a port of its own: several share this machine.
            port = str(free_port())
            self.spawn(
                f"worker{i}", "celery", "worker", "-H", f"w{i}-{self.queue}@%h",
                SLIPSTREAM__LOGGING__WORKER_LOG_SERVER_PORT=port,
            )
        for i in range(self.options.schedulers):
            self.spawn(f"scheduler{i}", "scheduler")
        for i in range(self.options.workers):
            self.wait_for_line(f"worker{i}", "ready.")
        for i in range(self.options.schedulers):
            self.wait_for_line(f"scheduler{i}", "Scheduler started")
        deadline = time.monotonic() + READY_TIMEOUT
        while self.options.schedulers and not self.query("SELECT count(*) FROM serialized_dag WHERE dag_id = %s", DAG_ID)[0][0]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{DAG_ID} was not parsed within {READY_TIMEOUT:.0f} s")
            time.sleep(0.1)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.plain_url, autocommit=True) as connection:
            return list(connection.execute(sql, params))

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> Outcome:
        self.cli("dags", "unpause", DAG_ID)
        started = time.monotonic()
        self.cli("dags", "trigger", DAG_ID, "--run-id", "scale")
        killed: list[str] = []
        deadline = started + self.options.timeout
        while True:
            state = self.query("SELECT state FROM dag_run WHERE dag_id = %s AND run_id = 'scale'", DAG_ID)[0][0]
            if state in ("success", "failed"):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the run did not finish within {self.options.timeout:.0f} s (state {state})")
            if self.options.kill and not killed and self._rows() >= self.options.kill_after * self.options.tasks:
                killed = self._kill_one_of_each()
            time.sleep(0.05)
        seconds = time.monotonic() - started
        return self._outcome(state, seconds, killed)

    def _rows(self) -> int:
        if self.options.noop:
            return self.query("SELECT count(*) FROM task_instance WHERE state = 'success'")[0][0]
        return self.query("SELECT count(*) FROM task_rows")[0][0]

    def _kill_one_of_each(self) -> list[str]:
        killed = []
        for name in ("worker0", "scheduler0"):
            process = self.processes[name]
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            killed.append(f"{name} (pid {process.pid}) at {self._rows()} rows")
            self.log(f"SIGKILL {killed[-1]}")
        return killed

    def _outcome(self, state: str, seconds: float, killed: list[str]) -> Outcome:
        ti_states = dict(self.query("SELECT state, count(*) FROM task_instance GROUP BY state"))
        if self.options.noop:
            return Outcome(state, ti_states, 0, 0, 0, 0, 0, seconds, killed, self.workdir)
        rows = self.query("SELECT started, ended, in_pool FROM task_rows")
        executions = self.query("SELECT key, count(*) FROM executions GROUP BY key")
        return Outcome(
            run_state=state, ti_states=ti_states, rows=len(rows), executions=sum(n for _, n in executions),
            max_executions_per_task=max((n for _, n in executions), default=0),
            max_overlap=max_overlap([(s, e) for s, e, _ in rows]),
            max_pool_overlap=max_overlap([(s, e) for s, e, pool in rows if pool]),
            seconds=seconds, killed=killed, logs=self.workdir,
        )

    # -- tear-down ---------------------------------------------------------------------------

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pass
        for process in self.processes.values():
            try:
                os.killpg(process.pid, signal.SIGKILL)  # whatever is left of its session (orphans of a killed one too)
            except (ProcessLookupError, PermissionError):
                pass
            if process.poll() is None:
                process.wait()
        for out in self._log_files:
            out.close()

    def __enter__(self) -> FanOut:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
