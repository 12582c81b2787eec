"""``slipstream config get-value | list``.

The values of sensitive options (``[core] fernet_key``, ``[database] sql_alchemy_conn``,
``[smtp] smtp_password``..., see ``SENSITIVE_OPTIONS``) are shown as ``***`` unless
``--show-sensitive`` asks for them, as Airflow hides them.
"""

from __future__ import annotations

from typing import Any

import click

from slipstream.cli.output import output_option, print_rows
from slipstream.config import OPTIONS, Config, ConfigError
from slipstream.config.settings import SENSITIVE_OPTIONS

HIDDEN = "***"

show_sensitive_option = click.option(
    "--show-sensitive", is_flag=True, default=False,
    help="Show the values of sensitive options (keys, passwords, database URLs) instead of ***.",
)


@click.group()
def config() -> None:
    """Settings, from $SLIPSTREAM_HOME/slipstream.toml and SLIPSTREAM__SECTION__KEY variables."""


def _load() -> Config:
    try:
        return Config.load()
    except ConfigError as err:
        raise click.ClickException(f"Configuration error: {err}") from None


def shown(section: str, key: str, value: Any, show_sensitive: bool = False) -> Any:
    """The value as the CLI shows it: ``***`` for a set sensitive option (an empty one stays empty,
    so a user can see it is not set)."""
    if not show_sensitive and (section, key) in SENSITIVE_OPTIONS and value not in ("", None):
        return HIDDEN
    return value


@config.command("get-value")
@click.argument("section")
@click.argument("key")
@show_sensitive_option
def get_value(section: str, key: str, show_sensitive: bool) -> None:
    """Print the value of one option (*** for a sensitive one, unless --show-sensitive)."""
    loaded = _load()
    try:
        value = loaded.get(section, key)
    except ConfigError:
        known = ", ".join(f"[{s}] {k}" for s in OPTIONS for k in OPTIONS[s])
        raise click.ClickException(f"The option [{section}] {key} does not exist. Options: {known}") from None
    value = shown(section, key, value, show_sensitive)
    if value == HIDDEN:
        click.echo(f"[{section}] {key} is sensitive: shown as {HIDDEN}; add --show-sensitive to print it.", err=True)
    click.echo(str(value).lower() if isinstance(value, bool) else value)


@config.command("list")
@click.option("--section", default=None, help="Only this section.")
@show_sensitive_option
@output_option
def list_(section: str | None, show_sensitive: bool, output: str) -> None:
    """Every option with its value and where the value comes from (*** for sensitive ones)."""
    if section is not None and section not in OPTIONS:
        raise click.ClickException(f"The section [{section}] does not exist. Sections: {', '.join(OPTIONS)}")
    loaded = _load()
    rows = [
        {
            "section": s, "key": k, "value": shown(s, k, loaded.values[s][k], show_sensitive),
            "source": loaded.sources[s][k], "description": OPTIONS[s][k][2],
        }
        for s in OPTIONS
        for k in OPTIONS[s]
        if section in (None, s)
    ]
    print_rows(rows, output)
