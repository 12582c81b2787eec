"""``--save FILE`` of ``dags show`` and ``dags show-dependencies``: the Graphviz DOT text as it
is for a ``.dot`` or ``.gv`` file; for another extension (``.png``, ``.svg``, ``.pdf``...) the
graph drawn in that format by Graphviz's ``dot`` program, which must be installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import click

TEXT_SUFFIXES = (".dot", ".gv")


def save_option(function: Any) -> Any:
    return click.option(
        "-s", "--save", "save", default=None, metavar="FILE",
        help="Write the graph to FILE instead of printing it: DOT text for .dot/.gv, else drawn in the format "
        "of its extension (.png, .svg, .pdf...) by Graphviz's dot program.",
    )(function)


def print_or_save(dot: str, save: str | None) -> None:
    if save is None:
        click.echo(dot)
        return
    path = Path(save)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        path.write_text(dot + "\n")
    else:
        program = shutil.which("dot")
        if not suffix or program is None:
            raise click.ClickException(
                f"Cannot draw {save}: " + ("give the file an extension such as .png or .svg" if not suffix else
                                           "Graphviz's dot program is not installed; save as .dot, or install it")
            )
        done = subprocess.run([program, f"-T{suffix[1:]}", "-o", str(path)], input=dot, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            raise click.ClickException(f"Graphviz could not draw {save}: {done.stderr.strip()}")
    click.echo(f"File {save} saved")
