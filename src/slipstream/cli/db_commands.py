"""``slipstream db migrate | check | check-migrations | reset | clean | shell``."""

from __future__ import annotations

import click

from slipstream.cli.environment import load_settings, refuse_unknown_revision, shown_url
from slipstream.cli.output import output_option, print_rows


@click.group()
def db() -> None:
    """The metadata database."""


@db.command()
@click.option("-r", "--to-revision", default=None,
              help="Only apply the migrations up to and including this revision (see db check-migrations); "
              "the next command that opens the store migrates the rest.")
def migrate(to_revision: str | None = None) -> None:
    """Create or upgrade the database schema to this version."""
    from slipstream.store import migrate as schema
    from slipstream.store.db import Database

    database = Database(load_settings().sql_alchemy_conn)
    refuse_unknown_revision(database)
    if to_revision is not None and to_revision not in (known := schema.revisions()):
        raise click.BadParameter(f"unknown revision {to_revision!r}; revisions: {', '.join(known)}",
                                 param_hint="--to-revision")
    before, after = schema.migrate(database, to_revision)
    if before == after:
        click.echo(f"Database {shown_url(database)} is already at revision {after}.")
    else:
        click.echo(f"Database {shown_url(database)} migrated from revision {before or '(empty)'} to {after}.")


@db.command()
@click.option("--retry", type=click.IntRange(min=0), default=0, show_default=True,
              help="Try this many more times when the database cannot be reached.")
@click.option("--retry-delay", type=click.FloatRange(min=0), default=1, show_default=True,
              help="Seconds between tries.")
def check(retry: int, retry_delay: float) -> None:
    """Check the database is reachable, at the newest revision, and matches the models."""
    import time

    from slipstream.store import migrate as schema
    from slipstream.store.db import Database

    database = Database(load_settings().sql_alchemy_conn)
    for attempt in range(retry + 1):
        try:
            result = schema.check(database)
            status = schema.check_revision(database)
            break
        except Exception as err:  # noqa: BLE001 - any connection problem is reported as such
            if attempt == retry:
                raise click.ClickException(f"Cannot reach the database {shown_url(database)}: {err}") from None
            click.echo(f"Cannot reach the database yet ({type(err).__name__}); trying again in {retry_delay:g} s.",
                       err=True)
            time.sleep(retry_delay)
    if result.ok:
        click.echo(f"Database {shown_url(database)} is reachable and at revision {result.head}.")
        return
    if status == "unknown":
        click.echo(
            f"Database {shown_url(database)} is at revision {result.current}, which this version of Slipstream does not know "
            f"(it needs {result.head}): it was written by a newer version. Upgrade Slipstream or use another database.",
            err=True,
        )
    elif result.current != result.head:
        # Before the migrations ran, every table is a "difference": the revision says all there is to say.
        click.echo(
            f"Database {shown_url(database)} is at revision {result.current or '(empty)'}, this version needs {result.head}: "
            "run `slipstream db migrate`.",
            err=True,
        )
    else:
        for difference in result.differences:
            click.echo(f"Schema difference: {difference}", err=True)
    raise SystemExit(1)


@db.command("check-migrations")
@click.option("-t", "--migration-wait-timeout", type=click.FloatRange(min=0), default=60, show_default=True,
              help="Seconds to wait for the schema to reach this version's revision.")
def check_migrations(migration_wait_timeout: float) -> None:
    """Wait until the database schema is at this version's revision; exit 1 when it is not by the timeout."""
    import time

    from slipstream.store import migrate as schema
    from slipstream.store.db import Database

    database = Database(load_settings().sql_alchemy_conn)
    deadline = time.monotonic() + migration_wait_timeout
    while True:
        try:
            status = schema.check_revision(database)
        except Exception:  # noqa: BLE001 - not reachable yet counts as not migrated yet
            status = "unreachable"
        if status == "current":
            click.echo(f"Database {shown_url(database)} is at this version's revision.")
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    advice = "run `slipstream db migrate`" if status == "behind" else "check [database] sql_alchemy_conn"
    click.echo(f"Database {shown_url(database)} is not at this version's revision after {migration_wait_timeout:g} s "
               f"({status}): {advice}.", err=True)
    raise SystemExit(1)


@db.command()
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("-s", "--skip-init", is_flag=True, help="Only delete the tables; do not create the schema again.")
def reset(yes: bool, skip_init: bool) -> None:
    """Delete every table and its data, then create the schema again."""
    from slipstream.store import migrate as schema
    from slipstream.store.db import Database

    database = Database(load_settings().sql_alchemy_conn)
    if not yes:
        click.confirm(f"This deletes all data in {shown_url(database)}. Continue?", abort=True)
    if skip_init:
        schema.drop_all(database)
        click.echo(f"Database {shown_url(database)} is empty: every table was deleted.")
        return
    schema.reset(database)
    click.echo(f"Database {shown_url(database)} was reset.")


@db.command()
@click.option("--clean-before-timestamp", required=True,
              help="Delete what is older than this (ISO date or time; no zone means UTC).")
@click.option("-t", "--tables", default=None, help="Comma-separated tables to clean (default: all: dag_run, job).")
@click.option("--dag-ids", default=None, help="Comma-separated DAGs whose runs to clean (default: all).")
@click.option("--exclude-dag-ids", default=None, help="Comma-separated DAGs whose runs to keep.")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--skip-archive", is_flag=True, help="Accepted for Airflow's scripts: Slipstream never archives.")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Accepted for Airflow's scripts: each table is cleaned in one transaction.")
@click.option("--error-on-cleanup-failure", is_flag=True,
              help="Accepted for Airflow's scripts: a failure always ends the command with exit 1.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@output_option
def clean(
    clean_before_timestamp: str, tables: str | None, dag_ids: str | None, exclude_dag_ids: str | None,
    dry_run: bool, skip_archive: bool, batch_size: int | None, yes: bool, output: str,
    error_on_cleanup_failure: bool = False,
) -> None:
    """Delete finished DAG runs (with their task instances, XComs and history) and ended jobs older than a date."""
    from slipstream.cli.dags_commands import _parse_date
    from slipstream.cli.environment import open_store
    from slipstream.store import cleanup

    before = _parse_date(clean_before_timestamp)
    assert before is not None
    chosen = _names(tables) or list(cleanup.TABLES)
    unknown = sorted(set(chosen) - set(cleanup.TABLES))
    if unknown:
        raise click.BadParameter(f"unknown table(s) {', '.join(unknown)}; tables: {', '.join(cleanup.TABLES)}",
                                 param_hint="--tables")
    database = open_store(load_settings())
    options = {"dag_ids": _names(dag_ids), "exclude_dag_ids": _names(exclude_dag_ids)}
    if not dry_run and not yes:
        with database.read() as session:
            planned = cleanup.clean(session, before, chosen, dry_run=True, **options)
        counts = ", ".join(f"{c.rows} from {c.table}" for c in planned)
        click.confirm(f"Delete {counts} (older than {before.isoformat()})?", abort=True)
    with database.write() as session:
        done = cleanup.clean(session, before, chosen, dry_run=dry_run, **options)
    verb = "would delete" if dry_run else "deleted"
    print_rows([{"table": c.table, verb.replace(" ", "_"): c.rows, "oldest": c.oldest, "newest": c.newest}
                for c in done], output)


def _names(text: str | None) -> list[str] | None:
    return [name.strip() for name in text.split(",") if name.strip()] if text else None


@db.command()
def shell() -> None:
    """Open the database's own client (sqlite3 or psql) on the configured database."""
    import os

    from slipstream.store.db_shell import NoShell, shell_command

    try:
        command = shell_command(load_settings().sql_alchemy_conn)
    except NoShell as err:
        raise click.ClickException(str(err)) from None
    try:
        os.execvpe(command.argv[0], command.argv, {**os.environ, **command.env})
    except FileNotFoundError:
        raise click.ClickException(f"{command.argv[0]} is not installed (or not on PATH)") from None
