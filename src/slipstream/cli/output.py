"""Printing rows as a table, JSON, YAML or plain text (``-o table|json|yaml|plain``), as Airflow's CLI does."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import click

FORMATS = ("table", "json", "yaml", "plain")


def output_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-o", "--output", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format."
    )(function)


def columns_option(default: Sequence[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--columns a,b,c``: which fields the listing shows, in that order."""
    return click.option(
        "--columns", default=None, metavar="COLUMNS",
        help=f"Comma-separated fields to show, in order (default: {','.join(default)}); unknown ones are left out "
        "with a warning.",
    )


def chosen_columns(columns: str | None, known: Sequence[str], default: Sequence[str] | None) -> list[str] | None:
    """The fields ``--columns`` names that exist (an unknown one is said on stderr), else ``default``."""
    if columns is None:
        return list(default) if default is not None else None
    asked = [c.strip() for c in columns.split(",") if c.strip()]
    unknown = [c for c in asked if c not in known]
    if unknown:
        click.echo(f"Ignoring unknown column(s) {', '.join(unknown)}; known: {', '.join(known)}", err=True)
    return [c for c in asked if c in known]


def _text(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


COLORS = ("auto", "on", "off")


def color_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--color", type=click.Choice(COLORS), default="auto", show_default=True,
        help="Colour the table: on, off, or auto (only on a terminal, unless NO_COLOR is set).",
    )(function)


def print_rows(
    rows: Sequence[dict[str, Any]], output: str, columns: Sequence[str] | None = None, color: str = "auto"
) -> None:
    columns = list(columns or (rows[0].keys() if rows else []))
    if output == "json":
        click.echo(json.dumps([{c: _json_value(r.get(c)) for c in columns} for r in rows], indent=2))
        return
    if output == "yaml":
        import yaml

        plain = json.loads(json.dumps([{c: _json_value(r.get(c)) for c in columns} for r in rows], default=str))
        click.echo(yaml.safe_dump(plain, sort_keys=False, allow_unicode=True), nl=False)
        return
    if not rows:
        click.echo("No data found")
        return
    if output == "plain":
        widths = [max(len(c), *(len(_text(r.get(c))) for r in rows)) for c in columns]
        click.echo(" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=False)).rstrip())
        for row in rows:
            click.echo(" | ".join(_text(row.get(c)).ljust(w) for c, w in zip(columns, widths, strict=False)).rstrip())
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False, header_style="bold cyan" if color == "on" else "table.header")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        # Text, not str: values such as "[task_a, task_b]" in an error are data, not rich markup.
        table.add_row(*(Text(_text(row.get(c))) for c in columns))
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 240))
    if color != "auto":
        console = Console(width=console.width, force_terminal=color == "on", no_color=color == "off",
                          color_system="standard" if color == "on" else None)
    console.print(table)


def console() -> Any:
    """A rich console for messages: on a terminal, wrapped to its width; piped to a file or
    another program, one line per message however long (never cut at 80 columns)."""
    from rich.console import Console

    found = Console()
    return found if found.is_terminal else Console(soft_wrap=True)
