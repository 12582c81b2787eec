"""What the harness reads: the store (through Slipstream's own models) and the lines file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from slipstream.store.db import Database
from slipstream.store.models import DagRunRow, TaskInstanceRow

FINISHED_RUN_STATES = ("success", "failed")
ACTIVE_STATES = ("queued", "running")


def count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def read_lines(path: Path) -> list[tuple[str, str, str, int, int]]:
    """Every line as (dag_id, run_id, task_id, map_index, try_number); a malformed line is kept as
    a task_id of its own text, so it shows up as unexpected rather than vanishing."""
    rows = []
    for raw in path.read_text().splitlines() if path.exists() else []:
        parts = raw.split()
        if len(parts) == 5 and parts[3].lstrip("-").isdigit() and parts[4].isdigit():
            rows.append((parts[0], parts[1], parts[2], int(parts[3]), int(parts[4])))
        else:
            rows.append(("?", "?", raw, -2, 0))
    return rows


@dataclass(frozen=True)
class Progress:
    states: tuple[tuple[str, int], ...]
    last_start: datetime | None
    last_end: datetime | None
    runs_unfinished: int


class StoreWatch:
    def __init__(self, url: str) -> None:
        self.db = Database(url)

    def progress(self) -> Progress:
        with self.db.read() as session:
            states = session.execute(
                select(TaskInstanceRow.state, func.count()).group_by(TaskInstanceRow.state)
            ).all()
            last_start, last_end = session.execute(
                select(func.max(TaskInstanceRow.start_date), func.max(TaskInstanceRow.end_date))
            ).one()
            unfinished = session.scalar(
                select(func.count()).select_from(DagRunRow).where(DagRunRow.state.not_in(FINISHED_RUN_STATES))
            )
        return Progress(tuple(sorted((s, n) for s, n in states)), last_start, last_end, unfinished or 0)

    def first_claim_of_work_queued_after(self, moment: float) -> float | None:
        """The time (epoch seconds) of the first try that was both queued and started after
        ``moment``: the whole path (scheduler, executor, fork server, zygote, task process,
        store) worked again."""
        at = datetime.fromtimestamp(moment, UTC)
        with self.db.read() as session:
            first = session.scalar(
                select(func.min(TaskInstanceRow.start_date)).where(
                    TaskInstanceRow.queued_at > at, TaskInstanceRow.start_date > at
                )
            )
        return first.timestamp() if first is not None else None

    def runs(self) -> dict[str, str]:
        with self.db.read() as session:
            rows = session.execute(select(DagRunRow.dag_id, DagRunRow.run_id, DagRunRow.state))
            return {f"{d} {r}": s for d, r, s in rows}

    def task_states(self) -> Counter[str]:
        with self.db.read() as session:
            return Counter(dict(session.execute(
                select(TaskInstanceRow.state, func.count()).group_by(TaskInstanceRow.state)
            ).all()))

    def not_successful(self, limit: int = 20) -> list[Any]:
        with self.db.read() as session:
            return list(session.execute(
                select(TaskInstanceRow.dag_id, TaskInstanceRow.task_id, TaskInstanceRow.map_index,
                       TaskInstanceRow.state, TaskInstanceRow.try_number, TaskInstanceRow.state_reason)
                .where(TaskInstanceRow.state != "success").order_by(TaskInstanceRow.id).limit(limit)
            ).all())

    def close(self) -> None:
        self.db.dispose()
