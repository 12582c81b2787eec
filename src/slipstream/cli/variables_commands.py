"""``slipstream variables set | get | list | delete | import | export``, shaped like Airflow's."""

from __future__ import annotations

import json
from typing import Any

import click

from slipstream.cli.environment import service_call, service_context
from slipstream.cli.output import output_option, print_rows


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
    from slipstream.services import variables as variable_service

    if as_json:
        try:
            value = json.dumps(json.loads(value), indent=2)
        except json.JSONDecodeError as err:
            raise click.ClickException(f"The value of {key} is not valid JSON: {err}") from None
    service_call(variable_service.set_variable, service_context(), key, value, description)
    click.echo(f"Variable {key} created")


@variables.command("get")
@click.argument("key")
@click.option("-d", "--default", default=None, help="Printed when the variable does not exist (instead of an error).")
@click.option("-j", "--json", "as_json", is_flag=True, help="Parse the value as JSON and print it formatted.")
def get(key: str, default: str | None, as_json: bool) -> None:
    """Print the value of the variable KEY (from the store)."""
    from slipstream.services import variables as variable_service

    value = service_call(variable_service.find_value, service_context(), key)
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
@click.option("--show-values", is_flag=True, help="Also show each value (by default only keys and descriptions).")
@click.option("--hide-sensitive", is_flag=True, help="With --show-values: every value shown as ***.")
@output_option
def list_(show_values: bool, hide_sensitive: bool, output: str) -> None:
    """The keys (and descriptions) of every variable in the store; values with --show-values."""
    from slipstream.services import variables as variable_service

    if hide_sensitive and not show_values:
        raise click.ClickException("--hide-sensitive only goes with --show-values")
    ctx = service_context()
    if not show_values:
        found = service_call(variable_service.list_keys, ctx)
        print_rows([{"key": v.key, "description": v.description} for v in found], output, columns=["key", "description"])
        return
    found = service_call(variable_service.list_variables, ctx, order_by=["key"], redacted=False).items
    rows = [{"key": v.key, "val": "***" if hide_sensitive else v.value, "description": v.description} for v in found]
    print_rows(rows, output, columns=["key", "val", "description"])


@variables.command("delete")
@click.argument("key")
def delete(key: str) -> None:
    """Delete the variable KEY."""
    from slipstream.services import variables as variable_service

    service_call(variable_service.delete_variable, service_context(), key)
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
    from slipstream.services import variables as variable_service

    try:
        data = json.load(file)
    except json.JSONDecodeError as err:
        raise click.ClickException(f"{file.name} is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{file.name} must hold a JSON object of key: value")
    written, skipped = service_call(variable_service.import_variables, service_context(), data, action_on_existing_key)
    click.echo(f"{written} of {len(data)} variables successfully updated." + (f" {skipped} skipped." if skipped else ""))


@variables.command("export")
@click.argument("file", type=click.File("w"))
def export(file: Any) -> None:
    """Write every variable to FILE ('-' for stdout) as a JSON object; JSON values stay JSON."""
    from slipstream.services import variables as variable_service

    found = service_call(variable_service.export_variables, service_context())
    data: dict[str, Any] = {}
    for variable in found:
        try:
            data[variable.key] = json.loads(variable.value or "")
        except json.JSONDecodeError:
            data[variable.key] = variable.value
    file.write(json.dumps(data, indent=4, sort_keys=True) + "\n")
    if file.name != "<stdout>":
        click.echo(f"{len(data)} variables successfully exported to {file.name}")
