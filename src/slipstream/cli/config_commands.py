"""``slipstream config get-value | list``."""

from __future__ import annotations

import click

from slipstream.cli.output import output_option, print_rows
from slipstream.config import OPTIONS, Config, ConfigError


@click.group()
def config() -> None:
    """Settings, from $SLIPSTREAM_HOME/slipstream.toml and SLIPSTREAM__SECTION__KEY variables."""


def _load() -> Config:
    try:
        return Config.load()
    except ConfigError as err:
        raise click.ClickException(f"Configuration error: {err}") from None


@config.command("get-value")
@click.argument("section")
@click.argument("key")
def get_value(section: str, key: str) -> None:
    """Print the value of one option."""
    loaded = _load()
    try:
        value = loaded.get(section, key)
    except ConfigError:
        known = ", ".join(f"[{s}] {k}" for s in OPTIONS for k in OPTIONS[s])
        raise click.ClickException(f"The option [{section}] {key} does not exist. Options: {known}") from None
    click.echo(str(value).lower() if isinstance(value, bool) else value)


@config.command("list")
@click.option("--section", default=None, help="Only this section.")
@output_option
def list_(section: str | None, output: str) -> None:
    """Every option with its value and where the value comes from."""
    if section is not None and section not in OPTIONS:
        raise click.ClickException(f"The section [{section}] does not exist. Sections: {', '.join(OPTIONS)}")
    loaded = _load()
    rows = [
        {"section": s, "key": k, "value": loaded.values[s][k], "source": loaded.sources[s][k], "description": OPTIONS[s][k][2]}
        for s in OPTIONS
        for k in OPTIONS[s]
        if section in (None, s)
    ]
    print_rows(rows, output)
