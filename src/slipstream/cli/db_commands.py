"""``slipstream db migrate | check | reset``."""

from __future__ import annotations

import click

from slipstream.cli.environment import load_settings, refuse_unknown_revision, shown_url


@click.group()
def db() -> None:
    """The metadata database."""


@db.command()
def migrate() -> None:
    """Create or upgrade the database schema to this version."""
    from slipstream.store import migrate as schema
    from slipstream.store.db import Database

    database = Database(load_settings().sql_alchemy_conn)
    refuse_unknown_revision(database)
    before, after = schema.migrate(database)
    if before == after:
        click.echo(f"Database {shown_url(database)} is already at revision {after}.")
    else:
        click.echo(f"Database {shown_url(database)} migrated from revision {before or '(empty)'} to {after}.")


@db.command()
def check() -> None:
    """Check the database is reachable, at the newest revision, and matches the models."""
    from slipstream.store import migrate as schema
    from slipstream.store.db import Database

    database = Database(load_settings().sql_alchemy_conn)
    try:
        result = schema.check(database)
        status = schema.check_revision(database)
    except Exception as err:  # noqa: BLE001 - any connection problem is reported as such
        raise click.ClickException(f"Cannot reach the database {shown_url(database)}: {err}") from None
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


@db.command()
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(yes: bool) -> None:
    """Delete every table and its data, then create the schema again."""
    from slipstream.store import migrate as schema
    from slipstream.store.db import Database

    database = Database(load_settings().sql_alchemy_conn)
    if not yes:
        click.confirm(f"This deletes all data in {shown_url(database)}. Continue?", abort=True)
    schema.reset(database)
    click.echo(f"Database {shown_url(database)} was reset.")
