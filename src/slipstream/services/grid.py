"""The grid of a DAG: its newest runs across, its tasks down (in DAG order, inside their task
groups), and in each cell the state of that task in that run.

Built for a DAG of 1,000 tasks and many runs: three queries (the serialized DAG, a page of runs,
and one grouped count of task instances by run, task and state) and one pass in Python. A mapped
task is one row whose cell carries counts by state (``{"success": 99990, "running": 10}``), never a
cell per map index; a group's cell sums the instances of everything inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest
from slipstream.services.run_summaries import RunSummary
from slipstream.services.structure import GROUP, Node, dag_structure
from slipstream.store import grid as grid_store
from slipstream.store import task_instances

MAX_RUNS = 1000

# The state a cell shows for several instances: the first of these that any of them is in, so a
# failure or work in progress is never hidden by successes.
STATE_PRIORITY = (
    "failed", "upstream_failed", "up_for_retry", "up_for_reschedule", "running", "queued", "scheduled", "none",
    "success", "skipped", "removed",
)
_RANK = {state: i for i, state in enumerate(STATE_PRIORITY)}


@dataclass(frozen=True)
class GridRun(RunSummary):
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    has_note: bool


@dataclass(frozen=True)
class GridRow:
    """One task or group. ``states[i]`` is its state in ``runs[i]`` (None: no instance in that
    run); ``counts[i]``, for mapped tasks and groups only, its instances by state in that run."""

    id: str
    label: str
    type: str
    depth: int
    parent: str | None
    is_mapped: bool
    setup_teardown_type: str | None
    states: list[str | None]
    counts: list[dict[str, int] | None] | None


@dataclass(frozen=True)
class Grid:
    dag_id: str
    runs: list[GridRun]
    rows: list[GridRow]
    total_runs: int


def summary_state(counts: Mapping[str, int]) -> str | None:
    """The state shown for instances counted by state (see ``STATE_PRIORITY``)."""
    if len(counts) == 1:
        return next(iter(counts))
    return min(counts, key=lambda s: _RANK.get(s, -1)) if counts else None


def _checked_order(order_by: str) -> str:
    if order_by.lstrip("-") not in grid_store.RUN_ORDER_COLUMNS:
        allowed = ", ".join(grid_store.RUN_ORDER_COLUMNS)
        raise InvalidRequest(f"Cannot order the grid's runs by {order_by!r}: use one of {allowed}, with '-' first "
                             "for newest first")
    return order_by


def dag_grid(
    ctx: ServiceContext, dag_id: str, *, limit: int = 25, offset: int = 0, order_by: str = "-id",
    states: Sequence[str] = (), run_types: Sequence[str] = (),
) -> Grid:
    """The grid of ``limit`` runs (newest first by default). NotFound for an unknown DAG."""
    if not 1 <= limit <= MAX_RUNS:
        raise InvalidRequest(f"limit must be between 1 and {MAX_RUNS}, got {limit}")
    order_by = _checked_order(order_by)
    shape = dag_structure(ctx, dag_id)
    with ctx.db.read() as session:
        run_rows, total = grid_store.runs_page(session, dag_id, limit=limit, offset=offset, order_by=order_by,
                                               states=states, run_types=run_types)
        counted = task_instances.state_counts(session, [r.id for r in run_rows])
    runs = [
        GridRun(run_id=r.run_id, run_type=r.run_type, state=r.state, logical_date=r.logical_date,
                data_interval_start=r.data_interval_start, data_interval_end=r.data_interval_end,
                queued_at=r.queued_at, start_date=r.start_date, end_date=r.end_date, has_note=bool(r.has_note))
        for r in run_rows
    ]
    column = {r.id: i for i, r in enumerate(run_rows)}
    per_task: dict[str, list[Cell]] = {}
    for dag_run_id, task_id, state, count in counted:
        cells = per_task.get(task_id)
        if cells is None:
            cells = per_task[task_id] = [None] * len(run_rows)
        i = column[dag_run_id]
        cells[i] = _add(cells[i], state, count)
    rows: list[GridRow] = []
    for node in shape.nodes:
        _add_rows(node, 0, None, per_task, len(run_rows), rows)
    return Grid(dag_id=dag_id, runs=runs, rows=rows, total_runs=total)


# A cell while the grid is built: None (no instance), a state (exactly one instance, the usual
# case: no dict for it), or instances counted by state.
Cell = str | dict[str, int] | None


def _add(cell: Cell, state: str, count: int) -> Cell:
    if cell is None:
        return state if count == 1 else {state: count}
    counts = {cell: 1} if isinstance(cell, str) else cell
    counts[state] = counts.get(state, 0) + count
    return counts


def _counts(cell: Cell) -> dict[str, int] | None:
    return {cell: 1} if isinstance(cell, str) else cell


def _state(cell: Cell) -> str | None:
    return cell if cell is None or isinstance(cell, str) else summary_state(cell)


def _add_rows(node: Node, depth: int, parent: str | None, per_task: Mapping[str, list[Cell]], width: int,
              rows: list[GridRow]) -> list[Cell]:
    """Append the rows of ``node`` and below (the group before its children); returns its cells."""
    if node.type != GROUP:
        cells = per_task.get(node.id) or [None] * width
        rows.append(_row(node, depth, parent, cells, with_counts=node.is_mapped))
        return cells
    index = len(rows)
    rows.append(None)  # type: ignore[arg-type]  # the group's own row, once its children are summed
    summed: list[dict[str, int] | None] = [None] * width
    for child in node.children or ():
        _merge(summed, _add_rows(child, depth + 1, node.id, per_task, width, rows))
    rows[index] = _row(node, depth, parent, summed, with_counts=True)  # type: ignore[arg-type]
    return summed  # type: ignore[return-value]


def _merge(into: list[dict[str, int] | None], cells: Iterable[Cell]) -> None:
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        summed = into[i]
        if summed is None:
            summed = into[i] = {}
        if isinstance(cell, str):
            summed[cell] = summed.get(cell, 0) + 1
        else:
            for state, count in cell.items():
                summed[state] = summed.get(state, 0) + count


def _row(node: Node, depth: int, parent: str | None, cells: list[Cell], *, with_counts: bool) -> GridRow:
    return GridRow(
        id=node.id, label=node.label, type=node.type, depth=depth, parent=parent, is_mapped=node.is_mapped,
        setup_teardown_type=node.setup_teardown_type,
        states=[_state(cell) for cell in cells],
        counts=[_counts(cell) for cell in cells] if with_counts else None,
    )
