"""``slipstream config get-value | list``.

The values of sensitive options (``[core] fernet_key``, ``[database] sql_alchemy_conn``,
``[smtp] smtp_password``..., see ``SENSITIVE_OPTIONS``) are shown as ``***`` unless
``--show-sensitive`` asks for them, as Airflow hides them.
"""

from __future__ import annotations

from typing import Any

import click

from slipstream.cli.environment import service_call
from slipstream.cli.output import output_option, print_rows

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
@click.argument("key")
@show_sensitive_option
def get_value(section: str, key: str, show_sensitive: bool) -> None:
    """Print the value of one option (*** for a sensitive one, unless --show-sensitive)."""
    from slipstream.services import config as config_service

    value = service_call(config_service.option, None, section, key, show_sensitive=show_sensitive, hidden=HIDDEN)
    if value == HIDDEN:
        click.echo(f"[{section}] {key} is sensitive: shown as {HIDDEN}; add --show-sensitive to print it.", err=True)
    click.echo(config_service.as_text(value) if isinstance(value, bool) else value)


@config.command("list")
@click.option("--section", default=None, help="Only this section.")
@show_sensitive_option
@output_option
def list_(section: str | None, show_sensitive: bool, output: str) -> None:
    """Every option with its value and where the value comes from (*** for sensitive ones)."""
    from slipstream.services import config as config_service

    found = service_call(config_service.options, None, section, show_sensitive=show_sensitive, hidden=HIDDEN)
    rows = [{"section": o.section, "key": o.key, "value": o.value, "source": o.source, "description": o.description}
            for o in found]
    print_rows(rows, output)
