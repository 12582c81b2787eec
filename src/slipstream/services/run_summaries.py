"""A DAG run as the UI's lists show it (the DAG list's newest runs, task durations' runs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    run_type: str
    state: str
    logical_date: datetime | None
    queued_at: datetime | None
    start_date: datetime | None
    end_date: datetime | None

    @property
    def duration(self) -> float | None:
        if self.start_date is None or self.end_date is None:
            return None
        return (self.end_date - self.start_date).total_seconds()

    @classmethod
    def of(cls, row: Any) -> RunSummary:
        """From a ``dag_run`` row, or any row with these columns."""
        return cls(run_id=row.run_id, run_type=row.run_type, state=row.state, logical_date=row.logical_date,
                   queued_at=row.queued_at, start_date=row.start_date, end_date=row.end_date)
