"""``slipstream``: the command line. Heavy imports happen inside commands so ``--help`` is quick."""

from __future__ import annotations

import click

from slipstream import __version__
from slipstream.cli import config_commands, dags_commands, db_commands, serve_commands, tasks_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Slipstream runs Airflow DAG files: schedule them, run their tasks in parallel, and inspect them."""


@cli.command()
def version() -> None:
    """Print the version of Slipstream."""
    click.echo(__version__)


cli.add_command(db_commands.db)
cli.add_command(dags_commands.dags)
cli.add_command(tasks_commands.tasks)
cli.add_command(config_commands.config)
cli.add_command(serve_commands.scheduler)
cli.add_command(serve_commands.standalone)


def main() -> None:
    cli(prog_name="slipstream")


if __name__ == "__main__":
    main()
