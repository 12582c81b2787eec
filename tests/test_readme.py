"""The README's commands work as written: each ``slipstream`` command of its code blocks runs on a
fresh home and exits 0, and every DAG id it names is one of the example DAGs."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
SLIPSTREAM = Path(sys.executable).with_name("slipstream")
# Commands that serve until stopped: `make run` starts one; each is tested in tests/cli.
LONG_RUNNING = {
    "standalone": "serves the API and schedules until Ctrl-C (tests/cli/test_serve_commands.py)",
    "scheduler": "schedules until Ctrl-C (tests/cli/test_serve_commands.py)",
    "api-server": "serves until Ctrl-C (tests/api)",
    "celery": "workers and Flower serve until stopped, on PostgreSQL and a broker (tests/scale)",
}
SHELL_BLOCKS = {"", "sh", "bash", "shell", "console"}
COMMAND = re.compile(r"^(?:\$ )?(?:\.venv/bin/)?slipstream\s")
DAG_ID_IN_URL = re.compile(r"/api/v2/dags/([A-Za-z0-9_.-]+)/")
DAG_ARGUMENT = re.compile(r"\bdags (?:test|trigger|show|pause|unpause|list-runs|next-execution|backfill) ([A-Za-z0-9_.-]+)")


def code_lines() -> list[str]:
    """The lines of the README's shell code blocks, continuation lines joined."""
    lines: list[str] = []
    language = None  # the open block's language; None outside blocks
    for line in README.read_text().replace("\\\n", " ").splitlines():
        if line.startswith("```"):
            language = line[3:].strip() if language is None else None
        elif language in SHELL_BLOCKS:
            lines.append(line)
    return lines


def commands() -> list[list[str]]:
    """Each ``slipstream`` command of the code blocks, as arguments (its comment left out)."""
    found = []
    for line in code_lines():
        if COMMAND.match(line.strip()):
            words = shlex.split(line.strip().removeprefix("$ "), comments=True)
            found.append(words[1:])
    return found


def test_the_readme_has_commands_to_check() -> None:
    assert len(commands()) >= 5, commands()


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    """A fresh home with the example DAGs, and nothing of the caller's configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLIPSTREAM", "AIRFLOW"))}
    # Warm start stays on, as for a user; its server (started by `dags test`) ends 5 s after.
    env.update(SLIPSTREAM_HOME=str(tmp_path / "home"), NO_COLOR="1", SLIPSTREAM__CLI__WARM_START_IDLE_TIMEOUT="5")
    return env


def test_every_command_of_the_readme_runs_on_a_fresh_home(fresh_env: dict[str, str]) -> None:
    ran = []
    for args in commands():
        if args[0] in LONG_RUNNING:
            continue
        done = subprocess.run([str(SLIPSTREAM), *args], env=fresh_env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"slipstream {shlex.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        ran.append(args)
    assert ran, "no command of the README was run"


def test_every_dag_id_the_readme_names_is_an_example_dag(fresh_env: dict[str, str]) -> None:
    text = "\n".join(code_lines())
    named = set(DAG_ID_IN_URL.findall(text)) | set(DAG_ARGUMENT.findall(text))
    assert named, "the README names no DAG id in its code blocks"
    listed = subprocess.run(
        [str(SLIPSTREAM), "dags", "list", "-o", "json"], env=fresh_env, capture_output=True, text=True, timeout=300,
        check=True,
    )
    examples = {row["dag_id"] for row in json.loads(listed.stdout)}
    assert named <= examples, f"not example DAGs: {sorted(named - examples)}"
