"""``slipstream variables set | get | list | delete | import | export``, shaped like Airflow's."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import click

from slipstream.cli.environment import load_settings, open_store
from slipstream.cli.output import output_option, print_rows


@contextlib.contextmanager
def secrets_store(write: bool = False) -> Iterator[tuple[Any, Any]]:
    """(session, cipher) in one transaction; a key that cannot decrypt the store is a clear error."""
    from slipstream.store.encryption import FernetKeyError, cipher_from_config

    settings = load_settings()
    db = open_store(settings)
    try:
        cipher = cipher_from_config(settings.home)
        with db.write() if write else db.read() as session:
            yield session, cipher
    except FernetKeyError as err:
        raise click.ClickException(str(err)) from None
    finally:
        db.dispose()


@click.group()
def variables() -> None:
    """Variables: named values read by DAGs (Variable.get, {{ var.value.x }}), encrypted in the store."""


@variables.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--description", default=None, help="What the variable is for.")
@click.option("-j", "--json", "as_json", is_flag=True, help="VALUE is JSON: check it and store it formatted.")
def set_(key: str, value: str, description: str | None, as_json: bool) -> None:
    """Create or replace the variable KEY with VALUE."""
    from slipstream.store import variables as store

    if as_json:
        try:
            value = json.dumps(json.loads(value), indent=2)
        except json.JSONDecodeError as err:
            raise click.ClickException(f"The value of {key} is not valid JSON: {err}") from None
    with secrets_store(write=True) as (session, cipher):
        store.set_value(session, key, value, cipher, description=description)
    click.echo(f"Variable {key} created")


@variables.command("get")
@click.argument("key")
@click.option("--default", default=None, help="Printed when the variable does not exist (instead of an error).")
@click.option("-j", "--json", "as_json", is_flag=True, help="Parse the value as JSON and print it formatted.")
def get(key: str, default: str | None, as_json: bool) -> None:
    """Print the value of the variable KEY (from the store)."""
    from slipstream.store import variables as store

    with secrets_store() as (session, cipher):
        value = store.get_value(session, key, cipher)
    if value is None:
        if default is None:
            raise click.ClickException(f"Variable {key} does not exist")
        value = default
    if as_json:
        try:
            value = json.dumps(json.loads(value), indent=2)
        except json.JSONDecodeError as err:
            raise click.ClickException(f"Variable {key} is not valid JSON: {err}") from None
    click.echo(value)


@variables.command("list")
@output_option
def list_(output: str) -> None:
    """The keys (and descriptions) of every variable in the store; values are not shown."""
    from slipstream.store import variables as store

    with secrets_store() as (session, cipher):
        rows = [{"key": v.key, "description": v.description} for v in store.list_all(session, cipher, decrypt=False)]
    print_rows(rows, output, columns=["key", "description"])


@variables.command("delete")
@click.argument("key")
def delete(key: str) -> None:
    """Delete the variable KEY."""
    from slipstream.store import variables as store

    with secrets_store(write=True) as (session, _):
        removed = store.delete(session, key)
    if not removed:
        raise click.ClickException(f"Variable {key} does not exist")
    click.echo(f"Variable {key} deleted")


@variables.command("import")
@click.argument("file", type=click.File("r"))
@click.option(
    "-a", "--action-on-existing-key", type=click.Choice(["overwrite", "fail", "skip"]), default="overwrite",
    show_default=True, help="What to do with a key that is already in the store.",
)
def import_(file: Any, action_on_existing_key: str) -> None:
    """Create variables from a JSON object {key: value} in FILE ('-' for stdin); values that are not
    strings are stored as JSON."""
    from slipstream.store import variables as store

    try:
        data = json.load(file)
    except json.JSONDecodeError as err:
        raise click.ClickException(f"{file.name} is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{file.name} must hold a JSON object of key: value")
    written = skipped = 0
    with secrets_store(write=True) as (session, cipher):
        existing = {v.key for v in store.list_all(session, cipher, decrypt=False)}
        clashes = sorted(existing & set(data))
        if clashes and action_on_existing_key == "fail":
            raise click.ClickException(f"These variables already exist: {', '.join(clashes)} (nothing imported)")
        for key, value in data.items():
            if key in existing and action_on_existing_key == "skip":
                skipped += 1
                continue
            text = value if isinstance(value, str) else json.dumps(value, indent=2)
            store.set_value(session, key, text, cipher)
            written += 1
    click.echo(f"{written} of {len(data)} variables successfully updated." + (f" {skipped} skipped." if skipped else ""))


@variables.command("export")
@click.argument("file", type=click.File("w"))
def export(file: Any) -> None:
    """Write every variable to FILE ('-' for stdout) as a JSON object; JSON values stay JSON."""
    from slipstream.store import variables as store

    with secrets_store() as (session, cipher):
        found = store.list_all(session, cipher)
    data: dict[str, Any] = {}
    for variable in found:
        try:
            data[variable.key] = json.loads(variable.value or "")
        except json.JSONDecodeError:
            data[variable.key] = variable.value
    file.write(json.dumps(data, indent=4, sort_keys=True) + "\n")
    if file.name != "<stdout>":
        click.echo(f"{len(data)} variables successfully exported to {file.name}")
