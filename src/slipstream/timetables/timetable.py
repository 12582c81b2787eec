"""Timetables: when the runs of a DAG happen, and which data interval each run covers.

The semantics are Airflow's data-interval timetables (``CronDataIntervalTimetable``,
``DeltaDataIntervalTimetable``, ``OnceTimetable``, ``NullTimetable``): the run for the interval
[start, end) is created once the interval is over (``run_after`` = end), and its logical date is
the start of the interval. Everything here is a pure function of its arguments: the clock is
passed in as ``now``, nothing reads the store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

from slipstream.timetables.timezones import get_timezone


class DataInterval(NamedTuple):
    start: datetime
    end: datetime


class DagRunInfo(NamedTuple):
    """The next run: the interval it covers and the moment it may be created."""

    data_interval_start: datetime
    data_interval_end: datetime
    run_after: datetime

    @property
    def logical_date(self) -> datetime:
        return self.data_interval_start

    @property
    def data_interval(self) -> DataInterval:
        return DataInterval(self.data_interval_start, self.data_interval_end)


class Timetable:
    """Manual only (``schedule=None``): there is never a next run."""

    periodic = False
    summary = "None"

    def next_dagrun_info(
        self,
        last_automated_data_interval: DataInterval | None,
        *,
        earliest: datetime | None,
        latest: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        """The run after ``last_automated_data_interval`` (None: the first run), or None.

        ``earliest``/``latest`` are the DAG's start_date and end_date; without ``catchup`` only
        the latest complete interval before ``now`` is considered, never older ones.
        """
        return None


NullTimetable = Timetable


class OnceTimetable(Timetable):
    """``@once``: one run at start_date, whatever catchup says."""

    summary = "@once"

    def next_dagrun_info(
        self,
        last_automated_data_interval: DataInterval | None,
        *,
        earliest: datetime | None,
        latest: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None or earliest is None:
            return None
        earliest = earliest.astimezone(UTC)
        if latest is not None and earliest > latest:
            return None
        return DagRunInfo(earliest, earliest, earliest)


class _DataIntervalTimetable(Timetable):
    """Consecutive intervals; subclasses say how to step from one boundary to the next."""

    periodic = True

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
    """A cron expression evaluated in the DAG's time zone (croniter follows daylight saving)."""

    def __init__(self, expression: str, timezone: tzinfo, summary: str | None = None) -> None:
        self.expression = expression
        self.timezone = timezone
        self.summary = summary or expression

    def _iterate(self, current: datetime) -> Any:
        from croniter import croniter

        return croniter(self.expression, current.astimezone(self.timezone))

    def _get_next(self, current: datetime) -> datetime:
        return self._iterate(current).get_next(datetime).astimezone(UTC)

    def _get_prev(self, current: datetime) -> datetime:
        return self._iterate(current).get_prev(datetime).astimezone(UTC)

    def _align_to_next(self, current: datetime) -> datetime:
        following = self._get_next(current)
        return following if self._get_prev(following) != current else current

    def _align_to_prev(self, current: datetime) -> datetime:
        previous = self._get_prev(current)
        return previous if self._get_next(previous) != current else current

    def _skip_to_latest(self, earliest: datetime | None, now: datetime) -> datetime:
        last_start = self._get_prev(now)
        # On a boundary, the interval ending now is complete; between two, the one before.
        new_start = last_start if self._get_next(last_start) == now else self._get_prev(last_start)
        if earliest is None:
            return new_start
        return max(new_start, self._align_to_next(earliest))


class DeltaDataIntervalTimetable(_DataIntervalTimetable):
    """A fixed interval (``timedelta``) from start_date, in absolute time."""

    def __init__(self, delta: timedelta, summary: str | None = None) -> None:
        self.delta = delta
        self.summary = summary or str(delta)

    def _get_next(self, current: datetime) -> datetime:
        return (current + self.delta).astimezone(UTC)

    def _get_prev(self, current: datetime) -> datetime:
        return (current - self.delta).astimezone(UTC)

    def _skip_to_latest(self, earliest: datetime | None, now: datetime) -> datetime:
        """Intervals stay on start_date's grid (start_date + k * delta). Airflow rounds ``now`` to
        multiples of the delta since the epoch instead, which only differs when start_date is
        not on that grid; without a start_date the epoch grid is used here as well."""
        if earliest is None:
            seconds = now.timestamp()
            rounded = datetime.fromtimestamp(seconds - seconds % self.delta.total_seconds(), UTC)
            return rounded - self.delta
        complete = (now - earliest) // self.delta  # intervals that ended at or before now
        return earliest + max(complete - 1, 0) * self.delta


def make_timetable(schedule: dict[str, Any] | None, timezone: str | tzinfo = "UTC") -> Timetable:
    """The timetable of a serialized schedule (see ``parse_schedule``)."""
    if schedule is None:
        return NullTimetable()
    zone = get_timezone(timezone) if isinstance(timezone, str) else timezone
    kind = schedule["kind"]
    if kind == "once":
        return OnceTimetable()
    if kind == "cron":
        return CronDataIntervalTimetable(schedule["expression"], zone, schedule.get("summary"))
    if kind == "delta":
        return DeltaDataIntervalTimetable(timedelta(seconds=schedule["seconds"]), schedule.get("summary"))
    raise ValueError(f"Unknown kind of schedule {kind!r}")
