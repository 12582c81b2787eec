"""``EventsTimetable``: runs at listed moments (irregular but known in advance: holidays, matches)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from slipstream.timetables.base import DagRunInfo, DataInterval, Timetable


class EventsTimetable(Timetable):
    """A run at each of ``event_dates`` (duplicates count once; naive dates are UTC).

    Without catchup, events before now are skipped (the DAG runs at the events to come);
    ``restrict_to_events`` makes a manual run take the latest event at or before the moment it
    is triggered (the first event if all are to come) as its date."""

    kind = "events"
    plans_from_now = True

    def __init__(
        self,
        event_dates: Iterable[datetime],
        restrict_to_events: bool = False,
        presorted: bool = False,
        description: str | None = None,
    ) -> None:
        dates = []
        for value in event_dates:
            if not isinstance(value, datetime):
                raise TypeError(f"EventsTimetable: event_dates must be datetimes, got {type(value).__name__}: {value!r}")
            dates.append((value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(UTC))
        unique = list(dict.fromkeys(dates))
        self.event_dates = unique if presorted else sorted(unique)
        self.restrict_to_events = restrict_to_events
        self._given_description = description
        if description is not None:
            self.description = description
        elif self.event_dates:
            self.description = (
                f"{len(self.event_dates)} events between {self.event_dates[0].isoformat()} "
                f"and {self.event_dates[-1].isoformat()}"
            )
        else:
            self.description = "No events"

    @property
    def summary(self) -> str:
        return self._given_description or f"{len(self.event_dates)} events"

    def serialize(self) -> dict[str, Any]:
        return {
            "event_dates": [date.isoformat() for date in self.event_dates],
            "restrict_to_events": self.restrict_to_events, "description": self._given_description,
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any], timezone: Any) -> Timetable:
        return cls(
            [datetime.fromisoformat(text) for text in data["event_dates"]], restrict_to_events=data["restrict_to_events"],
            presorted=True, description=data.get("description"),
        )

    def next_dagrun_info(
        self,
        last_automated_data_interval: DataInterval | None,
        *,
        earliest: datetime | None,
        latest: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        if not catchup and (earliest is None or now > earliest):
            earliest = now
        for event in self.event_dates:
            if earliest is not None and event < earliest:
                continue
            if last_automated_data_interval is not None and event <= last_automated_data_interval.end:
                continue
            if latest is not None and event > latest:
                return None
            return DagRunInfo.exact(event)
        return None

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        if not self.restrict_to_events or not self.event_dates:
            return DataInterval.exact(run_after)
        past = [event for event in self.event_dates if event <= run_after]
        return DataInterval.exact(past[-1] if past else self.event_dates[0])
