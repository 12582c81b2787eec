"""CLI latency while the scheduler runs a fan-out: ``.venv/bin/python bench/cli_under_load.py [--repeat N]``.

A throwaway ``SLIPSTREAM_HOME`` (SQLite) gets two DAG files: ``load_fanout`` (300 PythonOperator
tasks that sleep 0.3 s, ``retries=3``, ``max_active_tasks=16``, ``max_active_runs=1``) and
``cli_target`` (one EmptyOperator, the DAG the timed ``dags trigger`` triggers). ``slipstream
scheduler`` runs as a subprocess of its own. Each command below is run ``--repeat`` times, round
robin, first with the scheduler idle, then while fan-out runs follow one another (this script
keeps two queued or running at all times). Every command is a fresh process, as a user's is, and
is timed from its start to its exit. ``python -c pass`` is the yardstick: on a busy machine even
the bare interpreter starts slower, so compare each command's ratio (load/idle) with its ratio.

Prints the table to stdout (median, p90 and max in seconds, idle and under load), progress to
stderr; ``--json PATH`` also writes every sample.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FANOUT_DAG_ID = "load_fanout"
TARGET_DAG_ID = "cli_target"
FANOUT_TASKS = 300
QUEUED_RUNS = 2  # fan-out runs kept queued or running while the commands are timed
START_TIMEOUT_SECONDS = 120.0
COMMAND_TIMEOUT_SECONDS = 120.0

TASKS = {
    "sleep": 'PythonOperator(task_id=f"t{i:03d}", python_callable=nap, op_args=[0.3])',
    "cpu": 'PythonOperator(task_id=f"t{i:03d}", python_callable=spin, op_args=[0.3])',
    "bash": 'BashOperator(task_id=f"t{i:03d}", bash_command="sleep 0.3")',
    "noop": 'PythonOperator(task_id=f"t{i:03d}", python_callable=nap, op_args=[0])',
}


def fanout_source(task: str) -> str:
    """300 tasks of 0.3 s each: asleep in Python (``sleep``), computing (``cpu``) or ``sleep`` in bash;
    or tasks that do nothing (``noop``), the most store traffic per second."""
    return f'''"""Written by bench/cli_under_load.py."""
import time
from datetime import datetime

from slipstream import DAG, BashOperator, PythonOperator


def nap(seconds):
    time.sleep(seconds)


def spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


with DAG("{FANOUT_DAG_ID}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False,
         max_active_tasks=16, max_active_runs=1, default_args={{"retries": 3}}):
    for i in range({FANOUT_TASKS}):
        {TASKS[task]}
'''


TARGET_SOURCE = f'''"""Written by bench/cli_under_load.py."""
from datetime import datetime

from slipstream import DAG
from slipstream.operators.empty import EmptyOperator

with DAG("{TARGET_DAG_ID}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    EmptyOperator(task_id="only")
'''


def commands(slipstream: str) -> dict[str, Callable[[int], list[str]]]:
    """Each timed command, given the sample's number (so that every trigger has its own run id)."""
    return {
        "python -c pass": lambda i: [sys.executable, "-c", "pass"],
        "version": lambda i: [slipstream, "version"],
        "dags trigger": lambda i: [slipstream, "dags", "trigger", TARGET_DAG_ID, "-r", f"cli_{i}"],
        "variables set": lambda i: [slipstream, "variables", "set", "load_key", f"value {i}"],
        "dags list-runs": lambda i: [slipstream, "dags", "list-runs", FANOUT_DAG_ID],
    }


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _home(task: str) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="slipstream-cli-load-"))
    home = root / "home"
    (home / "dags").mkdir(parents=True)
    (home / "dags" / f"{FANOUT_DAG_ID}.py").write_text(fanout_source(task))
    (home / "dags" / f"{TARGET_DAG_ID}.py").write_text(TARGET_SOURCE)
    try:
        yield home
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _environment(home: Path, examples: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["SLIPSTREAM_HOME"] = str(home)
    env["SLIPSTREAM__CORE__LOAD_EXAMPLES"] = str(examples).lower()
    env["SLIPSTREAM__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "false"
    return env


def _prepare(home: Path, examples: bool) -> Any:
    """A migrated store with both DAG files parsed (so the scheduler and the CLI find them)."""
    from slipstream.config import Settings
    from slipstream.dagfiles.processor import DagFileProcessor
    from slipstream.store import migrate
    from slipstream.store.db import Database

    settings = Settings.load(home, load_examples=examples, dags_folder=home / "dags", dags_are_paused_at_creation=False)
    db = Database(settings.sql_alchemy_conn)
    migrate.migrate(db)
    processor = DagFileProcessor(settings, db)
    try:
        errors = [e for p in processor.process().parsed for e in p.errors]
    finally:
        processor.close()
    if errors:
        raise RuntimeError(f"the benchmark's DAG files failed to load: {errors}")
    return db


def _start_scheduler(slipstream: str, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    process = subprocess.Popen(
        [slipstream, "scheduler"], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        process_group=0,
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while b"Scheduler started" not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the scheduler did not start:\n{_tail(log_path)}")
        time.sleep(0.1)
    return process


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _stop_scheduler(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM twice (stop dispatching, then kill the running tasks); SIGKILL the group if it lingers."""
    for _ in range(2):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _unfinished_fanout_runs(db: Any) -> int:
    from sqlalchemy import func, select

    from slipstream.store.models import DagRunRow

    with db.read() as session:
        query = select(func.count()).where(DagRunRow.dag_id == FANOUT_DAG_ID, DagRunRow.state.in_(["queued", "running"]))
        return session.scalar(query) or 0


def _finished_fanout_tasks(db: Any) -> int:
    from sqlalchemy import func, select

    from slipstream.store.models import TaskInstanceRow

    with db.read() as session:
        query = select(func.count()).where(TaskInstanceRow.dag_id == FANOUT_DAG_ID, TaskInstanceRow.state == "success")
        return session.scalar(query) or 0


def _keep_fanout_queued(db: Any, serial: list[int]) -> None:
    from slipstream.scheduler.triggering import trigger_dag

    for _ in range(QUEUED_RUNS - _unfinished_fanout_runs(db)):
        serial[0] += 1
        trigger_dag(db, FANOUT_DAG_ID, run_id=f"load_{serial[0]}")


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, with the children it waited for) of one command; the
    scheduler, the only other child, is reaped only at the end, so the difference is the command's."""
    cpu_before, started = _cpu_of_children(), time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    elapsed, cpu = time.perf_counter() - started, _cpu_of_children() - cpu_before
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode(errors='replace')}")
    return elapsed, cpu


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(repeat: int, examples: bool = False, task: str = "sleep", baseline: Path | None = None) -> dict[str, Any]:
    """Samples in seconds per phase and command, plus the fan-out's throughput during the load phase.
    With ``baseline`` (a folder holding another revision's ``src``), each command but the yardstick
    is also run from there, right after this revision's, under the same load."""
    slipstream = str(Path(sys.executable).with_name("slipstream"))
    timed = commands(slipstream)
    if baseline is not None:
        for name, argv in list(timed.items())[1:]:
            timed[f"{name} [baseline]"] = argv
    phases = ("idle", "load")
    samples: dict[str, dict[str, list[float]]] = {p: {n: [] for n in timed} for p in phases}
    cpu: dict[str, dict[str, list[float]]] = {p: {n: [] for n in timed} for p in phases}
    with _home(task) as home:
        env = _environment(home, examples)
        db = _prepare(home, examples)
        scheduler = _start_scheduler(slipstream, env, home / "scheduler.log")
        try:
            serial = [0]
            counter = 0
            for phase in phases:
                if phase == "load":
                    _keep_fanout_queued(db, serial)
                    deadline = time.monotonic() + START_TIMEOUT_SECONDS
                    while _finished_fanout_tasks(db) < 32:  # the fan-out is in full swing
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"the fan-out did not get going:\n{_tail(home / 'scheduler.log')}")
                        time.sleep(0.1)
                    load_started, tasks_before = time.monotonic(), _finished_fanout_tasks(db)
                for round_number in range(repeat):
                    for name, argv in timed.items():
                        if phase == "load":
                            _keep_fanout_queued(db, serial)
                        counter += 1
                        command_env = env
                        if name.endswith("[baseline]"):
                            command_env = {**env, "PYTHONPATH": str(baseline / "src")}
                        wall, used = _time(argv(counter), command_env)
                        samples[phase][name].append(wall)
                        cpu[phase][name].append(used)
                    _log(f"{phase} round {round_number + 1}/{repeat}: "
                         + ", ".join(f"{n} {s[-1]:.2f} s" for n, s in samples[phase].items()))
            load_seconds = time.monotonic() - load_started
            fanout_tasks = _finished_fanout_tasks(db) - tasks_before
        finally:
            _stop_scheduler(scheduler)
            db.dispose()
    return {"samples": samples, "cpu": cpu, "fanout_tasks_per_s": fanout_tasks / load_seconds, "load_seconds": load_seconds}


def render(result: dict[str, Any]) -> str:
    samples, cpu = result["samples"], result["cpu"]
    header = (f"{'command':<27} {'idle med':>8} {'p90':>6} {'max':>6}  {'load med':>8} {'p90':>6} {'max':>6}"
              f"  {'load/idle':>9}  {'cpu idle':>8} {'cpu load':>8}")
    lines = [header, "-" * len(header)]
    for name in samples["idle"]:
        idle, load = samples["idle"][name], samples["load"][name]
        idle_med, load_med = statistics.median(idle), statistics.median(load)
        lines.append(
            f"{name:<27} {idle_med:>8.2f} {_percentile(idle, 0.9):>6.2f} {max(idle):>6.2f}"
            f"  {load_med:>8.2f} {_percentile(load, 0.9):>6.2f} {max(load):>6.2f}  {load_med / idle_med:>9.1f}"
            f"  {statistics.median(cpu['idle'][name]):>8.2f} {statistics.median(cpu['load'][name]):>8.2f}"
        )
    lines.append(
        f"(seconds, wall clock; cpu = median user+system seconds of the command; under load the fan-out "
        f"finished {result['fanout_tasks_per_s']:.1f} tasks/s over {result['load_seconds']:.0f} s)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/cli_under_load.py", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, metavar="N", help="samples per command and phase (default 7)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every sample as JSON to PATH")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also time each command from DIR/src (e.g. `git archive main src | tar -x -C DIR`)")
    parser.add_argument("--examples", action="store_true", help="load the example DAGs too ([core] load_examples)")
    parser.add_argument("--task", choices=sorted(TASKS), default="sleep",
                        help="what each fan-out task does for its 0.3 s (default sleep)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    from bench.report import machine

    info = machine()
    _log(f"machine: {info['cpu_count']} CPUs, Python {info['python']}, SQLite {info['sqlite']}, {info['git_commit']}")
    result = measure(args.repeat, args.examples, args.task, args.baseline)
    print(render(result))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**result, "machine": info}, indent=2))
        _log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
