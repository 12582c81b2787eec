"""A DAG's graph in Graphviz DOT (``dags show``; with its tasks' states, ``dags test
--show-dagrun``), and ``--save FILE``: the DOT text as it is for a ``.dot`` or ``.gv`` file; for
another extension (``.png``, ``.svg``, ``.pdf``...) the graph drawn in that format by Graphviz's
``dot`` program, which must be installed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

TEXT_SUFFIXES = (".dot", ".gv")
# Fill colours of the task states, as Airflow's graph shows them.
STATE_COLOURS = {
    "success": "green", "failed": "red", "upstream_failed": "orange", "skipped": "hotpink", "up_for_retry": "gold",
    "up_for_reschedule": "turquoise", "running": "lime", "queued": "gray", "scheduled": "tan", "deferred": "mediumpurple",
    "removed": "lightgrey", "restarting": "violet",
}


def dag_dot(dag: Any, states: Mapping[str, str] | None = None) -> str:
    """``dag`` (a serialized DAG) in DOT, left to right; with ``states`` (task id -> state) each
    task filled with its state's colour."""
    lines = [f"digraph {_quoted(dag.dag_id)} {{", "  rankdir=LR;"]
    for task in dag.tasks.values():
        attributes = [f"label={_quoted(task.task_display_name + _setup_teardown_mark(task))}", "shape=box"]
        state = (states or {}).get(task.task_id)
        if state is not None:
            attributes += ["style=filled", f"fillcolor={_quoted(STATE_COLOURS.get(state, 'white'))}"]
        lines.append(f"  {_quoted(task.task_id)} [{', '.join(attributes)}];")
    edge_info = dag.data.get("edge_info") or {}
    for task in dag.tasks.values():
        for downstream in task.downstream:
            attributes = []
            label = edge_info.get(task.task_id, {}).get(downstream, {}).get("label")
            if label:
                attributes.append(f"label={_quoted(label)}")
            # A setup-to-teardown edge is dashed, as Airflow's graph draws it.
            if task.data.get("is_setup") and dag.tasks[downstream].data.get("is_teardown"):
                attributes.append("style=dashed")
            suffix = f" [{', '.join(attributes)}]" if attributes else ""
            lines.append(f"  {_quoted(task.task_id)} -> {_quoted(downstream)}{suffix};")
    lines.append("}")
    return "\n".join(lines)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _setup_teardown_mark(task: Any) -> str:
    if task.data.get("is_setup"):
        return " (setup)"
    if task.data.get("is_teardown"):
        return " (teardown, fails the run)" if task.data.get("on_failure_fail_dagrun") else " (teardown)"
    return ""


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
