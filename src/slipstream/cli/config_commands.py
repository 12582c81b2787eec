"""``slipstream config get-value | list``.

The values of sensitive options (``[core] fernet_key``, ``[database] sql_alchemy_conn``,
``[smtp] smtp_password``..., see ``SENSITIVE_OPTIONS``) are shown as ``***`` unless
``--show-sensitive`` asks for them, as Airflow hides them.
"""

from __future__ import annotations

from typing import Any

import click

from slipstream.cli.environment import service_call
from slipstream.cli.output import color_option, output_option, print_rows

HIDDEN = "***"

show_sensitive_option = click.option(
    "--show-sensitive", is_flag=True, default=False,
    help="Show the values of sensitive options (keys, passwords, database URLs) instead of ***.",
)


@click.group()
def config() -> None:
    """Settings, from $SLIPSTREAM_HOME/slipstream.toml and SLIPSTREAM__SECTION__KEY variables."""


def shown(section: str, key: str, value: Any, show_sensitive: bool = False) -> Any:
    """The value as the CLI shows it (see ``services.config.shown``)."""
    from slipstream.services import config as config_service

    return config_service.shown(section, key, value, show_sensitive=show_sensitive, hidden=HIDDEN)


@config.command("get-value")
@click.argument("section")
@click.argument("option")
@show_sensitive_option
def get_value(section: str, option: str, show_sensitive: bool) -> None:
    """Print the value of one option (*** for a sensitive one, unless --show-sensitive)."""
    from slipstream.services import config as config_service

    value = service_call(config_service.option, None, section, option, show_sensitive=show_sensitive, hidden=HIDDEN)
    if value == HIDDEN:
        click.echo(f"[{section}] {option} is sensitive: shown as {HIDDEN}; add --show-sensitive to print it.", err=True)
    click.echo(config_service.as_text(value) if isinstance(value, bool) else value)


def _toml_line(key: str, value: Any) -> str:
    """How the option is written in slipstream.toml."""
    import json

    if isinstance(value, bool):
        return f"{key} = {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"{key} = {value}"
    return f"{key} = {json.dumps(str(value))}"


@config.command("list")
@click.option("--section", default=None, help="Only this section.")
@click.option("-d", "--include-descriptions", is_flag=True, help="Add what each option does (column description).")
@click.option("-e", "--include-examples", is_flag=True,
              help="Add each option as a line of slipstream.toml would set it (column example).")
@click.option("-V", "--include-env-vars", is_flag=True,
              help="Add the environment variable that sets each option (column env_var).")
@click.option("-s", "--include-sources", is_flag=True,
              help="Add where each value comes from: default, the config file, or environment (column source).")
@click.option("-a", "--defaults", is_flag=True,
              help="Show each option's default instead of its value, with descriptions, examples and env vars.")
@click.option("--show-values", is_flag=True, help="Show the values of sensitive options too (as --show-sensitive).")
@click.option("--hide-sensitive", is_flag=True,
              help="Show sensitive options as *** (what Slipstream does unless --show-values or --show-sensitive).")
@show_sensitive_option
@color_option
@output_option
def list_(
    section: str | None, show_sensitive: bool, output: str, include_descriptions: bool = False,
    include_examples: bool = False, include_env_vars: bool = False, include_sources: bool = False,
    defaults: bool = False, show_values: bool = False, hide_sensitive: bool = False, color: str = "auto",
) -> None:
    """Every option with its value (*** for sensitive ones); the flags add columns."""
    from slipstream.services import config as config_service

    reveal = (show_sensitive or show_values) and not hide_sensitive
    found = service_call(config_service.options, None, section, show_sensitive=reveal, hidden=HIDDEN,
                         defaults=defaults)
    columns = ["section", "key", "value"]
    columns += ["description"] if include_descriptions or defaults else []
    columns += ["example"] if include_examples or defaults else []
    columns += ["env_var"] if include_env_vars or defaults else []
    columns += ["source"] if include_sources and not defaults else []
    rows = [
        {"section": o.section, "key": o.key, "value": o.value, "source": o.source, "description": o.description,
         "example": _toml_line(o.key, o.value), "env_var": f"SLIPSTREAM__{o.section.upper()}__{o.key.upper()}"}
        for o in found
    ]
    print_rows(rows, output, columns, color=color)
