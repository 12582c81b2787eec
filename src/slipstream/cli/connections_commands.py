"""``slipstream connections add | get | list | delete | export | import | test``, shaped like Airflow's."""

from __future__ import annotations

import json
from typing import Any

import click

from slipstream.cli.environment import service_call, service_context
from slipstream.cli.output import color_option, output_option, print_rows

HIDDEN = "***"
COLUMNS = ["conn_id", "conn_type", "description", "host", "schema", "login", "password", "port", "extra", "uri"]


@click.group()
def connections() -> None:
    """Connections to other systems (BaseHook.get_connection), passwords and extras encrypted in the store."""


def _connection_from_options(conn_id: str, options: dict[str, Any]) -> Any:
    from slipstream.sdk.connection import Connection
    from slipstream.sdk.exceptions import AirflowException

    fields = {k: v for k, v in options.items() if k not in ("uri", "json") and v is not None}
    given = [name for name, value in (("--conn-uri", options["uri"]), ("--conn-json", options["json"])) if value]
    if len(given) > 1 or (given and set(fields) - {"description"}):
        raise click.UsageError("Give the connection as --conn-uri, as --conn-json, or as --conn-type and fields; not several")
    try:
        if options["uri"]:
            connection = Connection(conn_id=conn_id, uri=options["uri"], description=options["description"])
        elif options["json"]:
            connection = Connection.from_json(options["json"], conn_id=conn_id)
            connection.description = options["description"] or connection.description
        else:
            if not options["conn_type"]:
                raise click.UsageError("Give --conn-type (or --conn-uri, or --conn-json)")
            if options["extra"] is not None:
                try:
                    json.loads(options["extra"])
                except json.JSONDecodeError as err:
                    raise click.UsageError(f"--conn-extra must be JSON: {err}") from None
            connection = Connection(conn_id=conn_id, **fields)
    except (AirflowException, ValueError) as err:
        raise click.ClickException(str(err)) from None
    if not connection.conn_type:
        raise click.ClickException(f"Connection {conn_id} has no type (the URI or JSON must give one)")
    return connection


@connections.command("add")
@click.argument("conn_id")
@click.option("--conn-uri", "uri", default=None, help="The whole connection as a URI, e.g. postgresql://user:pass@host:5432/db.")
@click.option("--conn-json", "json_", default=None, help='The whole connection as JSON, e.g. {"conn_type": "http", "host": "..."}.')
@click.option("--conn-type", "conn_type", default=None, help="Type of the connection (postgres, http, aws...).")
@click.option("--conn-host", "host", default=None, help="Host.")
@click.option("--conn-login", "login", default=None, help="Login (user name).")
@click.option("--conn-password", "password", default=None, help="Password (encrypted in the store).")
@click.option("--conn-schema", "schema", default=None, help="Schema (the database, for databases).")
@click.option("--conn-port", "port", type=int, default=None, help="Port.")
@click.option("--conn-extra", "extra", default=None, help="Extra fields as a JSON object (encrypted in the store).")
@click.option("--conn-description", "description", default=None, help="What the connection is for.")
def add(conn_id: str, uri: str | None, json_: str | None, **fields: Any) -> None:
    """Add the connection CONN_ID to the store; it must not exist yet."""
    from slipstream.services import connections as connection_service

    connection = _connection_from_options(conn_id, {"uri": uri, "json": json_, **fields})
    stored = connection_service.Connection(**connection.to_dict())
    service_call(connection_service.create_connection, service_context(), stored)
    click.echo(f"Successfully added conn_id={conn_id} : {_masked_uri(connection)}")


def _masked_uri(connection: Any) -> str:
    from slipstream.sdk.connection import Connection

    fields = connection.to_dict()
    if fields["password"] is not None:
        fields["password"] = HIDDEN
    return Connection(**fields).get_uri().replace("%2A%2A%2A", HIDDEN)


def _uri_without_secrets(uri: str) -> str:
    """The URI with its login and password as ***, as Airflow's ``--hide-sensitive`` shows it, and
    its query (the extra, which may hold tokens) as *** too."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    netloc = f"{HIDDEN}:{HIDDEN}@{parts.netloc.split('@', 1)[1]}" if "@" in parts.netloc else parts.netloc
    return urlunsplit((parts.scheme, netloc, parts.path, HIDDEN if parts.query else "", parts.fragment))


def _row(connection: Any, *, hide_password: bool) -> dict[str, Any]:
    row = connection.to_dict()
    row["extra"] = connection.extra_dejson if connection.extra else None
    row["uri"] = _masked_uri(connection) if hide_password else connection.get_uri()
    if hide_password and row["password"] is not None:
        row["password"] = HIDDEN
    return row


@connections.command("get")
@click.argument("conn_id")
@color_option
@output_option
def get(conn_id: str, output: str, color: str = "auto") -> None:
    """Show the connection CONN_ID as a task sees it: from SLIPSTREAM_CONN_<ID> / AIRFLOW_CONN_<ID> if set,
    else from the store (with its password)."""
    from slipstream.sdk import secrets
    from slipstream.sdk.connection import Connection
    from slipstream.sdk.exceptions import AirflowException
    from slipstream.services import connections as connection_service

    text = secrets.connection_from_environment(conn_id)
    if text is not None:
        try:
            connection = Connection.from_text(conn_id, text)
        except (AirflowException, ValueError) as err:
            raise click.ClickException(f"The environment variable of connection {conn_id} is not usable: {err}") from None
    else:
        stored = service_call(connection_service.get_connection, service_context(), conn_id, redacted=False)
        connection = Connection(**stored.as_dict())
    print_rows([_row(connection, hide_password=False)], output, columns=COLUMNS, color=color)


@connections.command("list")
@click.option("--conn-id", "conn_id", default=None, help="Only this connection.")
@click.option("--show-values", is_flag=True,
              help="Show every field, the password and the extra included (by default only the id and type).")
@click.option("--hide-sensitive", is_flag=True,
              help="With --show-values: the password, the extra and the URI's credentials shown as ***.")
@output_option
def list_(conn_id: str | None, show_values: bool, hide_sensitive: bool, output: str) -> None:
    """The connections in the store: id and type, every field with --show-values."""
    from slipstream.sdk.connection import Connection
    from slipstream.services import connections as connection_service

    if hide_sensitive and not show_values:
        raise click.ClickException("--hide-sensitive only goes with --show-values")
    every = service_call(connection_service.list_connections, service_context(), redacted=False).items
    found = [Connection(**c.as_dict()) for c in every if conn_id in (None, c.conn_id)]
    if not show_values:
        rows = [{"conn_id": c.conn_id, "conn_type": c.conn_type} for c in found]
        print_rows(rows, output, columns=["conn_id", "conn_type"])
        return
    rows = [_row(c, hide_password=hide_sensitive) for c in found]
    if hide_sensitive:
        for row in rows:
            row["extra"] = HIDDEN if row["extra"] else row["extra"]
            row["uri"] = _uri_without_secrets(row["uri"])
    print_rows(rows, output, columns=COLUMNS)


@connections.command("delete")
@click.argument("conn_id")
@color_option
def delete(conn_id: str, color: str = "auto") -> None:
    """Delete the connection CONN_ID from the store."""
    from slipstream.services import connections as connection_service

    service_call(connection_service.delete_connection, service_context(), conn_id)
    click.echo(click.style(f"Successfully deleted connection with conn_id={conn_id}", fg="green"),
               color={"on": True, "off": False}.get(color))


@connections.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--file-format", type=click.Choice(["json", "yaml", "env"]), default=None,
              help="Format of FILE (default: from its extension; json for '-').")
@click.option("--format", "format_", type=click.Choice(["json", "yaml", "env"]), default=None, hidden=True,
              help="Airflow's old name of --file-format.")
@click.option("--serialization-format", type=click.Choice(["uri", "json"]), default="uri", show_default=True,
              help="How each connection is written in an env file.")
def export(file: str, file_format: str | None, format_: str | None, serialization_format: str) -> None:
    """Write every connection in the store, passwords included, to FILE ('-' for stdout)."""
    from slipstream.services import connection_files

    chosen = service_call(connection_files.format_of, "-.json" if file == "-" else file, file_format or format_)
    text = service_call(connection_files.export_text, service_context(), chosen, serialization_format)
    with click.open_file(file, "w") as out:
        out.write(text)
    if file != "-":
        click.echo(f"Connections successfully exported to {file}.")


@connections.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--overwrite", is_flag=True, help="Replace connections that exist (default: leave them).")
def import_(file: str, overwrite: bool) -> None:
    """Add the connections of a .json, .yaml or .env FILE to the store."""
    from pathlib import Path

    from slipstream.services import connection_files

    ctx = service_context()
    found = service_call(connection_files.parse_text, Path(file).read_text(),
                         service_call(connection_files.format_of, file, None))
    result = service_call(connection_files.import_connections, ctx, found, overwrite=overwrite)
    for conn_id in result.skipped:
        click.echo(f"Could not import connection {conn_id}: connection already exists (give --overwrite).")
    for conn_id in result.created:
        click.echo(f"Imported connection {conn_id}")
    for conn_id in result.updated:
        click.echo(f"Overwrote connection {conn_id}")


@connections.command("test")
@click.argument("conn_id")
def test(conn_id: str) -> None:
    """Connect with the stored connection CONN_ID through Slipstream's hook of its type; exit 1 if it fails."""
    from slipstream.services import connection_tests
    from slipstream.services import connections as connection_service

    ctx = service_context()
    if not connection_tests.testing_enabled(ctx):
        raise click.ClickException("Testing connections is disabled: set [core] test_connection = Enabled "
                                   "(SLIPSTREAM__CORE__TEST_CONNECTION=Enabled).")
    service_call(connection_service.get_connection, ctx, conn_id)
    click.echo(f"Testing connection {conn_id}...")
    ok, message = service_call(connection_tests.test_connection, ctx, {"conn_id": conn_id})
    if not ok:
        click.echo(f"Connection failed! {message}", err=True)
        raise SystemExit(1)
    click.echo(f"Connection success! {message}".rstrip())
