"""Helpers of the CLI tests: ``slipstream`` in this process (click's CliRunner) and as real processes."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from slipstream.cli.main import cli

VENV_SCRIPT = Path(sys.executable).parent / "slipstream"
SLIPSTREAM = [str(VENV_SCRIPT)] if VENV_SCRIPT.exists() else [sys.executable, "-m", "slipstream.cli.main"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
WAIT = 60.0  # generous deadline for anything a subprocess has to print

FAILING_DAG = '''
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def boom():
    raise RuntimeError("boom on purpose")


with DAG(dag_id="failing_dag", start_date=datetime(2024, 1, 1), schedule=None, catchup=False,
         default_args={"retries": 0}) as dag:
    ok = BashOperator(task_id="ok", bash_command="echo fine")
    bad = PythonOperator(task_id="bad", python_callable=boom)
    after = BashOperator(task_id="after", bash_command="echo never")
    ok >> bad >> after
'''


def add_seeds(dags_dir: Path, seed_dags: Path, *names: str) -> None:
    for name in names:
        shutil.copy(seed_dags / name, dags_dir / name)


def invoke(runner: CliRunner, *args: str, code: int = 0, **kwargs: Any) -> Result:
    """Run ``slipstream ARGS`` in this process and check its exit code."""
    result = runner.invoke(cli, list(args), prog_name="slipstream", **kwargs)
    if result.exit_code != code:
        detail = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
        raise AssertionError(
            f"slipstream {' '.join(args)} exited {result.exit_code}, expected {code}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n{detail}"
        )
    return result


def invoke_json(runner: CliRunner, *args: str) -> Any:
    return json.loads(invoke(runner, *args, "-o", "json").stdout)


def run(*args: str, code: int | None = 0, timeout: float = WAIT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``slipstream ARGS`` as a real process (with this test's environment)."""
    done = subprocess.run(
        [*SLIPSTREAM, *args], capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ)
    )
    if code is not None and done.returncode != code:
        raise AssertionError(
            f"slipstream {' '.join(args)} exited {done.returncode}, expected {code}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )
    return done


def free_port() -> int:
    """A TCP port nothing listens on (for an unreachable database)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def no_traceback(text: str) -> bool:
    return "Traceback (most recent call last)" not in text


class Server:
    """A long-running ``slipstream`` process whose output is read line by line in a thread."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [*SLIPSTREAM, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = WAIT) -> re.Match[str]:
        """Block until a line matches ``pattern`` (regex); fail with the output so far at the deadline."""
        regex = re.compile(pattern)
        for line in self.lines:
            if match := regex.search(line):
                return match
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"the process ended (exit {self.process.wait()}) before printing /{pattern}/:\n{self.output}")
            self.lines.append(line)
            if match := regex.search(line):
                return match
        raise AssertionError(f"no line matched /{pattern}/ within {timeout} s:\n{self.output}")

    def stop(self, sig: int, timeout: float = 15.0) -> int:
        """Send ``sig`` and wait for the exit; the rest of the output is read too."""
        self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return code

    def group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def kill(self) -> None:
        if self.group_alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process.poll() is None:
            self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
