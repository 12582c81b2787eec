"""Slipstream's command tree against Airflow 3.3.2's: every Airflow command is either a real
command here or answers in one line that its feature is not part of Slipstream yet (exit 2).

``pytest -s`` prints the counts present / not yet / absent."""

from __future__ import annotations

import click
import pytest
from cli_helpers import invoke

from slipstream.cli import not_yet
from slipstream.cli.main import cli

# `airflow --help` and every group's help of apache-airflow 3.3.2 (core, no provider groups).
AIRFLOW_3_3_2 = (
    "api-server", "cheat-sheet", "dag-processor", "info", "kerberos", "plugins", "rotate-fernet-key", "scheduler",
    "standalone", "triggerer", "version",
    "assets details", "assets list", "assets materialize",
    "backfill create",
    "config get-value", "config lint", "config list", "config update",
    "connections add", "connections create-default-connections", "connections delete", "connections export",
    "connections get", "connections import", "connections list", "connections test",
    "dags clear", "dags delete", "dags details", "dags list", "dags list-import-errors", "dags list-jobs",
    "dags list-runs", "dags next-execution", "dags pause", "dags report", "dags reserialize", "dags show",
    "dags show-dependencies", "dags state", "dags test", "dags trigger", "dags unpause",
    "db check", "db check-migrations", "db clean", "db downgrade", "db drop-archived", "db export-archived",
    "db migrate", "db reset", "db shell",
    "db-manager downgrade", "db-manager migrate", "db-manager reset",
    "jobs check",
    "partitions clear",
    "pools delete", "pools export", "pools get", "pools import", "pools list", "pools set",
    "providers auth-managers", "providers behaviours", "providers configs", "providers executors", "providers get",
    "providers hooks", "providers lazy-loaded", "providers links", "providers list", "providers logging",
    "providers notifications", "providers queues", "providers secrets", "providers triggers", "providers widgets",
    "state-store clean",
    "tasks clear", "tasks failed-deps", "tasks list", "tasks render", "tasks state", "tasks states-for-dag-run",
    "tasks test",
    "teams create", "teams delete", "teams list", "teams sync",
    "variables delete", "variables export", "variables get", "variables import", "variables list", "variables set",
)

# From the Celery provider in Airflow; Slipstream's come with issue 13 (the lead's branch).
ADDED_BY_ISSUE_13 = ("celery worker", "celery flower", "celery stop")

PRESENT, NOT_YET, ABSENT = "present", "not yet", "absent"


def classify(path: str) -> str:
    """Whether ``slipstream PATH`` is a real command, a "not yet" answer (the command or a group
    above it), or missing."""
    command: click.Command = cli
    walked: list[str] = []
    for name in path.split():
        if not isinstance(command, click.Group):
            break
        found = command.commands.get(name)
        if found is None:
            return ABSENT
        command = found
        walked.append(name)
    return NOT_YET if " ".join(walked) in not_yet.MISSING else PRESENT if " ".join(walked) == path else ABSENT


def test_every_airflow_command_is_present_or_answered_not_yet():
    counts = {PRESENT: [], NOT_YET: [], ABSENT: []}
    for path in AIRFLOW_3_3_2:
        counts[classify(path)].append(path)
    print(
        f"\nAirflow 3.3.2 commands: {len(AIRFLOW_3_3_2)}; present {len(counts[PRESENT])}, "
        f"not yet {len(counts[NOT_YET])}, absent {len(counts[ABSENT])}"
    )
    print("not yet: " + ", ".join(counts[NOT_YET]))
    assert counts[ABSENT] == [], f"Airflow commands missing from slipstream: {counts[ABSENT]}"


def test_no_not_yet_entry_hides_a_real_command():
    """A "not yet" entry names an Airflow command, and is dropped once the real command exists."""
    for path in not_yet.MISSING:
        assert path in AIRFLOW_3_3_2 or any(c.startswith(path + " ") for c in AIRFLOW_3_3_2), path
        assert classify(path) == NOT_YET, f"{path} is answered 'not yet' but a real command took its place"


@pytest.mark.parametrize("path", ADDED_BY_ISSUE_13)
def test_celery_commands_of_issue_13(path):
    if classify(path) == ABSENT:
        pytest.skip(f"`slipstream {path}` is added by issue 13 (the Celery executor), not merged yet")
    assert classify(path) == PRESENT


@pytest.mark.parametrize("path", sorted(not_yet.MISSING))
def test_not_yet_answers_in_one_line_with_exit_2(runner, path):
    result = invoke(runner, *path.split(), "--some-option", "value", code=2)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"slipstream {path}: {not_yet.MISSING[path]} is not part of Slipstream yet"]


def test_version_option(runner):
    from slipstream import __version__

    assert invoke(runner, "--version").stdout.strip() == __version__


def test_group_help_shows_whole_descriptions(runner):
    for group in ("dags", "tasks", "db", "connections", "assets"):
        commands = invoke(runner, group, "--help").stdout.split("Commands:")[1]
        assert "..." not in commands
