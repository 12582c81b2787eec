"""Airflow 3.3 commands whose subject Slipstream does not have: each answers in one line which
feature is missing and exits 2, so a script calling it fails clearly instead of on "No such command"."""

from __future__ import annotations

from typing import NoReturn

import click

EXIT_CODE = 2

# Command path (as typed after ``slipstream``) -> the feature that is missing.
MISSING: dict[str, str] = {
    "kerberos": "Kerberos authentication",
    "triggerer": "A triggerer (deferrable operators wait in their worker)",
    "dag-processor": "A separate DAG processor (the scheduler parses the DAG files)",
    "teams": "Teams (multi-team deployments)",
    "db-manager": "External database managers",
    "db downgrade": "Downgrading the schema (restore a backup instead)",
    "db drop-archived": "Archive tables (`db clean` deletes without archiving)",
    "db export-archived": "Archive tables (`db clean` deletes without archiving)",
    "config lint": "Linting the configuration against Airflow 2 options",
    "config update": "Rewriting the configuration for Airflow 3 options",
    "connections create-default-connections": "Airflow's default connections",
    "providers auth-managers": "Auth managers from providers",
    "providers behaviours": "Provider connection-form behaviours",
    "providers configs": "Provider configuration sections",
    "providers executors": "Executors from providers",
    "providers hooks": "The provider hook registry",
    "providers lazy-loaded": "Lazily loaded provider registries",
    "providers links": "Provider extra links",
    "providers logging": "Provider task log handlers",
    "providers notifications": "The provider notifier registry",
    "providers queues": "Provider message queues",
    "providers secrets": "Provider secrets backends",
    "providers triggers": "The provider trigger registry",
    "providers widgets": "Provider connection-form widgets",
}


def message(path: str) -> str:
    return f"slipstream {path}: {MISSING[path]} is not part of Slipstream yet"


def _command(path: str) -> click.Command:
    def answer() -> NoReturn:
        click.echo(message(path), err=True)
        raise SystemExit(EXIT_CODE)

    return click.Command(
        path.split()[-1], callback=answer, help=f"Not in Slipstream yet: {MISSING[path]}.", short_help=f"Not in Slipstream yet: {MISSING[path]}.",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    )


def add_missing(root: click.Group) -> None:
    """Register every command of ``MISSING`` that ``root`` does not have (a group is created when needed)."""
    for path in MISSING:
        *groups, name = path.split()
        parent = root
        for group_name in groups:
            child = parent.commands.get(group_name)
            if child is None:
                child = click.Group(group_name, help="Not in Slipstream yet.")
                parent.add_command(child)
            assert isinstance(child, click.Group)
            parent = child
        if name not in parent.commands:
            parent.add_command(_command(path))
