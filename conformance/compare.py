"""What Slipstream did with an example DAG against what Airflow did: one table row per DAG."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    """What ``slipstream dags test`` gave for one DAG.

    ``state`` is the run's final state, "timeout" when the time limit stopped it, or None when
    there was no run (the DAG did not load); ``tasks`` maps "task_id" (or "task_id[map_index]")
    to the final state of that task instance.
    """

    dag_id: str
    loads: bool
    state: str | None = None
    tasks: dict[str, str] = field(default_factory=dict)
    import_error: str | None = None
    seconds: float = 0.0


@dataclass
class Row:
    dag_id: str
    loads: bool
    state: str | None
    airflow_state: str | None
    differences: list[str]
    import_error: str | None = None

    @property
    def matches(self) -> bool:
        return self.loads and self.state == self.airflow_state and not self.differences


def compare(outcome: Outcome, reference: Mapping[str, Any]) -> Row:
    """Compare with the reference entry of the same DAG (``{"state": ..., "tasks": {...}}``)."""
    expected: Mapping[str, str] = reference.get("tasks") or {}
    differences = []
    if outcome.loads:
        for task in sorted(set(expected) | set(outcome.tasks)):
            ours, theirs = outcome.tasks.get(task), expected.get(task)
            if ours != theirs:
                differences.append(f"{task}: {ours or 'absent'} (Airflow: {theirs or 'absent'})")
    first_line = outcome.import_error.strip().splitlines()[0] if outcome.import_error else None
    return Row(outcome.dag_id, outcome.loads, outcome.state, reference.get("state"), differences, first_line)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


ERROR_WIDTH = 160  # characters of an import error's first line shown in the table


def table(rows: Iterable[Row]) -> str:
    """A Markdown table: DAG, loads?, final run state (Airflow's when it differs), what differs."""
    lines = [
        "| DAG | loads | run state | tasks that differ from Airflow / import error |",
        "|---|---|---|---|",
    ]
    for row in rows:
        if not row.loads:
            state, detail = "-", _shorten(row.import_error or "not found (no import error for its file)", ERROR_WIDTH)
        else:
            state = row.state or "no run"
            if row.state != row.airflow_state:
                state += f" (Airflow: {row.airflow_state or 'no run'})"
            detail = "; ".join(row.differences)
        mark = "yes" if row.loads else "**no**"
        lines.append(f"| {row.dag_id} | {mark} | {_cell(state)} | {_cell(detail)} |")
    return "\n".join(lines)


def summary(rows: list[Row]) -> str:
    loaded = sum(row.loads for row in rows)
    same = sum(row.matches for row in rows)
    return f"{same} of {len(rows)} DAGs end as in Airflow; {loaded} of {len(rows)} load."
