"""Data-interval timetables: consecutive intervals, each run created when its interval is over.

Airflow's ``CronDataIntervalTimetable`` (a cron string as ``schedule``) and
``DeltaDataIntervalTimetable`` (a ``timedelta`` or ``relativedelta``): the run for [start, end)
is created at ``end`` and its logical date is ``start``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from slipstream.timetables.base import DagRunInfo, DataInterval, Timetable
from slipstream.timetables.cron import CronSchedule
from slipstream.timetables.deltas import Delta, decode_delta, describe, encode_delta, is_positive


class _DataIntervalTimetable(Timetable):
    """Consecutive intervals; subclasses say how to step from one boundary to the next."""

    def _get_next(self, current: datetime) -> datetime:
        raise NotImplementedError

    def _get_prev(self, current: datetime) -> datetime:
        raise NotImplementedError

    def _align_to_next(self, current: datetime) -> datetime:
        """``current`` if it is a boundary, else the next boundary."""
        return current

    def _align_to_prev(self, current: datetime) -> datetime:
        """``current`` if it is a boundary, else the boundary before it."""
        return current

    def _skip_to_latest(self, earliest: datetime | None, now: datetime) -> datetime:
        """The start of the latest interval that is complete at ``now`` (not before ``earliest``)."""
        raise NotImplementedError

    def next_dagrun_info(
        self,
        last_automated_data_interval: DataInterval | None,
        *,
        earliest: datetime | None,
        latest: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        earliest = None if earliest is None else earliest.astimezone(UTC)
        if not catchup:
            earliest = self._skip_to_latest(earliest, now)
        elif earliest is not None:
            earliest = self._align_to_next(earliest)
        if last_automated_data_interval is None:
            if earliest is None:
                return None
            start = earliest
        else:
            # Aligning matters when the schedule changed since the last run.
            start = self._align_to_prev(last_automated_data_interval.end)
            if earliest is not None:
                start = max(start, earliest)
        if latest is not None and start > latest:
            return None
        end = self._get_next(start)
        return DagRunInfo(start, end, end)


class CronDataIntervalTimetable(_DataIntervalTimetable):
    """Intervals between the ticks of a cron expression in a time zone (croniter follows daylight saving)."""

    kind = "cron"

    def __init__(self, cron: str, timezone: str | tzinfo, summary: str | None = None) -> None:
        self._cron = CronSchedule(cron, timezone)
        self.expression = self._cron.expression
        self.timezone = self._cron.timezone
        self._summary = summary or self._cron.summary
        self.description = self._summary

    @property
    def summary(self) -> str:
        return self._summary

    def serialize(self) -> dict[str, Any]:
        return {"expression": self.expression, "timezone": self._cron.timezone_name}

    @classmethod
    def deserialize(cls, data: dict[str, Any], timezone: Any) -> Timetable:
        return cls(data["expression"], data.get("timezone") or timezone, data.get("summary"))

    def _get_next(self, current: datetime) -> datetime:
        return self._cron.get_next(current)

    def _get_prev(self, current: datetime) -> datetime:
        return self._cron.get_prev(current)

    def _align_to_next(self, current: datetime) -> datetime:
        return self._cron.align_to_next(current)

    def _align_to_prev(self, current: datetime) -> datetime:
        return self._cron.align_to_prev(current)

    def _skip_to_latest(self, earliest: datetime | None, now: datetime) -> datetime:
        last_start = self._get_prev(now)
        # On a boundary, the interval ending now is complete; between two, the one before.
        new_start = last_start if self._get_next(last_start) == now else self._get_prev(last_start)
        if earliest is None:
            return new_start
        return max(new_start, self._align_to_next(earliest))

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        end = self._align_to_prev(run_after)
        return DataInterval(self._get_prev(end), end)


class DeltaDataIntervalTimetable(_DataIntervalTimetable):
    """A fixed interval (``timedelta``, or ``relativedelta`` for months and years) from start_date."""

    kind = "delta"

    def __init__(self, delta: Delta, summary: str | None = None) -> None:
        if not is_positive(delta):
            raise ValueError(f"The schedule interval must be positive, got {describe(delta)}")
        self.delta = delta
        self._summary = summary or describe(delta)
        self.description = self._summary

    @property
    def summary(self) -> str:
        return self._summary

    def serialize(self) -> dict[str, Any]:
        encoded = encode_delta(self.delta)
        # "seconds" is the form DAGs serialized before relativedelta was supported.
        return {"seconds": encoded} if isinstance(encoded, float) else {"relativedelta": encoded}

    @classmethod
    def deserialize(cls, data: dict[str, Any], timezone: Any) -> Timetable:
        delta = decode_delta(data["relativedelta"] if "relativedelta" in data else data["seconds"])
        return cls(delta, data.get("summary"))

    def _get_next(self, current: datetime) -> datetime:
        return (current + self.delta).astimezone(UTC)

    def _get_prev(self, current: datetime) -> datetime:
        return (current - self.delta).astimezone(UTC)

    def _skip_to_latest(self, earliest: datetime | None, now: datetime) -> datetime:
        """Intervals stay on start_date's grid (start_date + k * delta). Airflow rounds ``now`` to
        multiples of the delta since the epoch instead, which only differs when start_date is
        not on that grid; without a start_date the epoch grid is used here as well."""
        if earliest is None:
            step = self.delta if isinstance(self.delta, timedelta) else (now + self.delta) - now
            seconds = now.timestamp()
            rounded = datetime.fromtimestamp(seconds - seconds % step.total_seconds(), UTC)
            return self._get_prev(rounded)
        if isinstance(self.delta, timedelta):
            complete = (now - earliest) // self.delta  # intervals that ended at or before now
            return earliest + max(complete - 1, 0) * self.delta
        # Months and years have no fixed length: walk the grid (relativedelta clamps days, so
        # a multiplied step could land elsewhere).
        boundary = earliest
        while self._get_next(self._get_next(boundary)) <= now:
            boundary = self._get_next(boundary)
        return boundary

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval(self._get_prev(run_after), run_after)
