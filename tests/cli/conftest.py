"""Fixtures of the CLI tests. Each test gets the ``home`` fixture of ``tests/conftest.py`` (its own
``SLIPSTREAM_HOME``) with the example DAGs switched off, so only the DAG files a test copies into
``home/dags`` are parsed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Server
from click.testing import CliRunner


@pytest.fixture(autouse=True)
def cli_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SLIPSTREAM__CORE__LOAD_EXAMPLES", "false")
    monkeypatch.setenv("SLIPSTREAM__API__HOST", "127.0.0.1")
    monkeypatch.setenv("SLIPSTREAM__API__PORT", "0")  # any free port: tests and helpers run side by side
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "250")
    return home


@pytest.fixture
def dags_dir(home: Path) -> Path:
    return home / "dags"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def server() -> Iterator[Any]:
    """``server("standalone", ...)`` starts a process; whatever is still running at the end is killed."""
    started: list[Server] = []

    def start(*args: str) -> Server:
        started.append(Server(*args))
        return started[-1]

    yield start
    for item in started:
        item.kill()
