"""A DAG's schedule as a whole: its timetable with its start_date, end_date and catchup.

Built from the serialized DAG (plain JSON), so the scheduler and the CLI can compute run
dates without importing the DAG file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slipstream.timetables.timetable import DagRunInfo, DataInterval, Timetable, make_timetable


def _date(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@dataclass(frozen=True)
class DagSchedule:
    timetable: Timetable
    start_date: datetime | None
    end_date: datetime | None
    catchup: bool

    @classmethod
    def from_serialized(
        cls, data: Mapping[str, Any], *, catchup_by_default: bool = False, default_timezone: str = "UTC"
    ) -> DagSchedule:
        """``catchup=None`` on the DAG means the ``[scheduler] catchup_by_default`` setting."""
        catchup = data.get("catchup")
        return cls(
            timetable=make_timetable(data.get("schedule"), data.get("timezone") or default_timezone),
            start_date=_date(data.get("start_date")),
            end_date=_date(data.get("end_date")),
            catchup=catchup_by_default if catchup is None else bool(catchup),
        )

    def next_info(self, last_automated_data_interval: DataInterval | None, now: datetime) -> DagRunInfo | None:
        """The next run to create after the last scheduled one (None: the first), or None."""
        return self.timetable.next_dagrun_info(
            last_automated_data_interval, earliest=self.start_date, latest=self.end_date, catchup=self.catchup, now=now
        )

    def upcoming(self, last_automated_data_interval: DataInterval | None, now: datetime) -> Iterator[DagRunInfo]:
        """The next runs, one after the other, as the scheduler would create them from ``now`` on."""
        info = self.next_info(last_automated_data_interval, now)
        while info is not None:
            yield info
            info = self.next_info(info.data_interval, now)
