"""Fixtures of the authoring tests that run a DAG for real: ``slipstream`` as a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

VENV_SCRIPT = Path(sys.executable).parent / "slipstream"
SLIPSTREAM = [str(VENV_SCRIPT)] if VENV_SCRIPT.exists() else [sys.executable, "-m", "slipstream.cli.main"]


@pytest.fixture
def slipstream(home: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., subprocess.CompletedProcess]:
    """``slipstream("dags", "test", dag_id, code=0)``: the CLI as a real process on this test's home."""
    monkeypatch.setenv("SLIPSTREAM__CORE__LOAD_EXAMPLES", "false")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "250")

    def run(*args: str, code: int | None = 0, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*SLIPSTREAM, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
        )
        if code is not None and done.returncode != code:
            raise AssertionError(
                f"slipstream {' '.join(args)} exited {done.returncode}, expected {code}\n"
                f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
            )
        return done

    return run
