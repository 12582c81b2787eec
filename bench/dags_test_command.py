"""The whole ``slipstream dags test`` command of a seed DAG, timed from outside: the process's
start-up, its parse of the DAG's file, the run and the exit, as a user waits for it.

The home is fresh; ``slipstream dags list`` records the DAG folder first (as a scheduler would
have), so the command parses only the DAG's own file. The first task's start comes from its
task_instance row (the same clock as this process)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

SLIPSTREAM = Path(sys.executable).with_name("slipstream")


def _slipstream(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(SLIPSTREAM), *args], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"slipstream {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def time_dags_test(path: Path, dag_id: str, critical_path_seconds: float) -> dict[str, float]:
    """One repetition: command wall time, its excess over the critical path, and process start
    to the first task's start."""
    if not path.is_file():
        raise FileNotFoundError(f"seed DAG not found at {path}")
    root = Path(tempfile.mkdtemp(prefix="slipstream-bench-dags-test-"))
    try:
        home = root / "home"
        (home / "dags").mkdir(parents=True)
        shutil.copy(path, home / "dags" / path.name)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLIPSTREAM", "AIRFLOW"))}
        env.update(SLIPSTREAM_HOME=str(home), SLIPSTREAM__CORE__LOAD_EXAMPLES="false")
        _slipstream(["dags", "list"], env)
        started = time.time()
        _slipstream(["dags", "test", dag_id, "--quiet"], env)
        wall = time.time() - started
        with sqlite3.connect(home / "slipstream.db") as db:
            first = db.execute(
                "SELECT min(start_date) FROM task_instance WHERE dag_id = ? AND start_date IS NOT NULL", (dag_id,)
            ).fetchone()[0]
        first_start = datetime.fromisoformat(first)
        if first_start.tzinfo is None:  # stored in UTC
            from datetime import UTC

            first_start = first_start.replace(tzinfo=UTC)
        return {
            "command_wall_s": wall,
            "overhead_s": wall - critical_path_seconds,
            "first_task_ms": (first_start.timestamp() - started) * 1000.0,
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
