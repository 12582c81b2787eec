"""``slipstream``: the command line. Heavy imports happen inside commands so ``--help`` is quick."""

from __future__ import annotations

import inspect

import click

from slipstream import __version__
from slipstream.cli import (
    api_commands,
    assets_commands,
    backfill_commands,
    celery_commands,
    config_commands,
    connections_commands,
    dag_admin_commands,
    dags_commands,
    dags_test_command,
    db_commands,
    fernet_commands,
    info_commands,
    jobs_commands,
    not_yet,
    partition_commands,
    pools_commands,
    providers_commands,
    serve_commands,
    set_state_commands,
    state_commands,
    task_log_commands,
    tasks_commands,
    users_commands,
    variables_commands,
    verbose,
)


def _database_url() -> str:
    try:
        from sqlalchemy.engine import make_url

        from slipstream.cli.environment import load_settings

        return make_url(load_settings().sql_alchemy_conn).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only used to word an error message
        return "(see [database] sql_alchemy_conn)"


# Errors that say the configured database cannot be used at all (not a bug in a query).
_DATABASE_ERRORS = {
    ("sqlalchemy", "OperationalError"), ("sqlalchemy", "InterfaceError"), ("sqlalchemy", "DatabaseError"),
    ("sqlalchemy", "ArgumentError"), ("sqlalchemy", "NoSuchModuleError"), ("alembic", "CommandError"),
}


class SlipstreamGroup(click.Group):
    """Turns a database that cannot be reached or used into one clear error instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as err:
            if (type(err).__module__.split(".")[0], type(err).__name__) not in _DATABASE_ERRORS:
                raise
            detail = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
            raise click.ClickException(
                f"Cannot use the database {_database_url()}: {detail}\n"
                "Check [database] sql_alchemy_conn (SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN) and that the database is running."
            ) from None


@click.group(cls=SlipstreamGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="slipstream", message="%(version)s")
def cli() -> None:
    """Slipstream runs Airflow DAG files: schedule them, run their tasks in parallel, and inspect them."""


@cli.command()
def version() -> None:
    """Print the version of Slipstream."""
    click.echo(__version__)


cli.add_command(db_commands.db)
cli.add_command(dags_commands.dags)
cli.add_command(tasks_commands.tasks)
assert set_state_commands.dag_set_state  # its commands join the dags and tasks groups
assert state_commands.dag_state  # likewise
assert dag_admin_commands.details  # likewise
assert dags_test_command.test  # likewise
assert task_log_commands.logs  # joins the tasks group
cli.add_command(config_commands.config)
cli.add_command(variables_commands.variables)
cli.add_command(connections_commands.connections)
cli.add_command(pools_commands.pools)
cli.add_command(assets_commands.assets)
cli.add_command(backfill_commands.backfill)
cli.add_command(serve_commands.scheduler)
cli.add_command(serve_commands.standalone)
cli.add_command(fernet_commands.rotate_fernet_key)
cli.add_command(users_commands.users)
cli.add_command(api_commands.api_server)
cli.add_command(info_commands.info)
cli.add_command(info_commands.cheat_sheet)
cli.add_command(info_commands.plugins)
cli.add_command(providers_commands.providers)
cli.add_command(jobs_commands.jobs)
cli.add_command(partition_commands.partitions)
cli.add_command(partition_commands.state_store)
cli.add_command(celery_commands.celery)


not_yet.add_missing(cli)
verbose.add_verbose_option(cli)


def _first_sentence(text: str) -> str:
    paragraph = " ".join(inspect.cleandoc(text).split("\n\n")[0].split())
    end = paragraph.find(". ")
    return paragraph[: end + 1] if end >= 0 else paragraph


def _whole_short_help(group: click.Group) -> None:
    """Group help lists each command's first sentence whole, never cut with "..."."""
    for command in group.commands.values():
        if not command.short_help and command.help:
            command.short_help = _first_sentence(command.help)
        if isinstance(command, click.Group):
            _whole_short_help(command)


_whole_short_help(cli)


def main() -> None:
    cli(prog_name="slipstream")


if __name__ == "__main__":
    main()
