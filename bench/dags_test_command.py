"""The whole ``slipstream dags test`` command of a seed DAG, timed from outside: the process's
start-up, its parse of the DAG's file, the run and the exit, as a user waits for it.

The home is fresh; ``slipstream dags list`` records the DAG folder first (as a scheduler would
have), so the command parses only the DAG's own file. The command runs twice: first as a fresh
process, which starts the warm start server, then as a warm command, forked by that server. The
first task's start comes from its task_instance row (the same clock as this process)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SLIPSTREAM = Path(sys.executable).with_name("slipstream")


def _slipstream(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(SLIPSTREAM), *args], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"slipstream {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def time_dags_test(path: Path, dag_id: str, critical_path_seconds: float) -> dict[str, float]:
    """One repetition: the command twice in one home, first as a fresh process (it starts the
    warm start server), then, once that server listens, as a warm command (``cli/warm``, what a
    user running ``dags test`` again gets): each one's wall time and process start to its first
    task's start; the warm one's excess over the critical path."""
    if not path.is_file():
        raise FileNotFoundError(f"seed DAG not found at {path}")
    root = Path(tempfile.mkdtemp(prefix="ss-bench-"))  # short: the server's socket lives under it
    try:
        home = root / "home"
        (home / "dags").mkdir(parents=True)
        shutil.copy(path, home / "dags" / path.name)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLIPSTREAM", "AIRFLOW"))}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as on a user's machine: compiled modules are kept
        env.update(SLIPSTREAM_HOME=str(home), SLIPSTREAM__CORE__LOAD_EXAMPLES="false", XDG_RUNTIME_DIR=str(root))
        _slipstream(["dags", "list"], env)
        cold_wall, cold_first = _timed(home, dag_id, env)
        _wait_for_server(root)
        warm_wall, warm_first = _timed(home, dag_id, env)
        return {
            "command_wall_s": warm_wall,
            "overhead_s": warm_wall - critical_path_seconds,
            "first_task_ms": warm_first,
            "fresh_command_wall_s": cold_wall,
            "fresh_first_task_ms": cold_first,
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)  # the server ends with its home


def _timed(home: Path, dag_id: str, env: dict[str, str]) -> tuple[float, float]:
    started = time.time()
    _slipstream(["dags", "test", dag_id, "--quiet"], env)
    wall = time.time() - started
    with sqlite3.connect(home / "slipstream.db") as db:
        run_id = db.execute("SELECT max(run_id) FROM dag_run WHERE dag_id = ?", (dag_id,)).fetchone()[0]
        first = db.execute(
            "SELECT min(start_date) FROM task_instance WHERE dag_id = ? AND run_id = ? AND start_date IS NOT NULL",
            (dag_id, run_id),
        ).fetchone()[0]
    first_start = datetime.fromisoformat(first)
    if first_start.tzinfo is None:  # stored in UTC
        first_start = first_start.replace(tzinfo=UTC)
    return wall, (first_start.timestamp() - started) * 1000.0


def _wait_for_server(root: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not list((root / "slipstream").glob("*.sock")):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no warm start server listened under {root} within {timeout:g} s")
        time.sleep(0.1)
    time.sleep(1.0)  # its start-up's disk and CPU work done
