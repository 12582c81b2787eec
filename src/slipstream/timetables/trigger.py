"""Trigger timetables: a run at each tick, like cron itself (Airflow 3's default for cron strings).

``CronTriggerTimetable``, ``DeltaTriggerTimetable`` and ``MultipleCronTriggerTimetable``: the run
for a tick T is created at T, its data interval is [T - interval, T] (``interval`` defaults to
nothing) and its logical date is the start of that interval. Without catchup, missed ticks are
skipped: the latest tick at or before now runs, then the following ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from slipstream.timetables.base import DagRunInfo, DataInterval, Timetable
from slipstream.timetables.cron import CronSchedule
from slipstream.timetables.deltas import Delta, decode_delta, describe, encode_delta, is_delta, is_positive


def _encode_run_immediately(value: bool | timedelta) -> bool | float:
    return value.total_seconds() if isinstance(value, timedelta) else bool(value)


def _decode_run_immediately(value: bool | float) -> bool | timedelta:
    return value if isinstance(value, bool) else timedelta(seconds=value)


def _check_interval(interval: Any, owner: str) -> Delta:
    if not is_delta(interval):
        raise TypeError(f"{owner}: interval must be a timedelta or relativedelta, got {type(interval).__name__}")
    return interval


class _TriggerTimetable(Timetable):
    interval: Delta = timedelta()

    def _get_next(self, current: datetime) -> datetime:
        raise NotImplementedError

    def _align_to_next(self, current: datetime) -> datetime:
        return current.astimezone(UTC)

    def _align_to_prev(self, current: datetime) -> datetime:
        return current.astimezone(UTC)

    def _first_run(self, now: datetime) -> datetime:
        """The first tick when the DAG has neither a start_date nor runs."""
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
        if catchup:
            if last_automated_data_interval is not None:
                tick = self._get_next(last_automated_data_interval.end)
            elif earliest is None:
                tick = self._first_run(now)
            else:
                tick = self._align_to_next(earliest)
        else:
            candidates = [self._align_to_prev(now)]
            if last_automated_data_interval is not None:
                candidates.append(self._get_next(last_automated_data_interval.end))
            elif earliest is None:
                candidates.append(self._first_run(now))
            if earliest is not None:
                candidates.append(self._align_to_next(earliest))
            tick = max(candidates)
        if latest is not None and latest < tick:
            return None
        return DagRunInfo((tick - self.interval).astimezone(UTC), tick, tick)

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval((run_after - self.interval).astimezone(UTC), run_after)


class CronTriggerTimetable(_TriggerTimetable):
    """A run at each tick of a cron expression in ``timezone``.

    ``run_immediately`` matters only for a DAG with no start_date and no runs yet: True runs the
    latest past tick at once, a timedelta runs it if it is at most that old, and otherwise
    (False or None, as in Airflow) it runs if it is at most a tenth of the gap between ticks
    old (at least five minutes); else the first run waits for the next tick."""

    kind = "cron_trigger"

    def __init__(
        self,
        cron: str,
        *,
        timezone: str | tzinfo,
        interval: Delta = timedelta(),
        run_immediately: bool | timedelta = False,
    ) -> None:
        self._cron = CronSchedule(cron, timezone)
        self.expression = self._cron.expression
        self.timezone = self._cron.timezone
        self.interval = _check_interval(interval, "CronTriggerTimetable")
        self.run_immediately = run_immediately
        self.description = self._cron.summary

    @property
    def summary(self) -> str:
        return self._cron.summary

    def serialize(self) -> dict[str, Any]:
        return {
            "expression": self.expression, "timezone": self._cron.timezone_name,
            "interval": encode_delta(self.interval), "run_immediately": _encode_run_immediately(self.run_immediately),
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any], timezone: Any) -> Timetable:
        return cls(
            data.get("summary") or data["expression"], timezone=data.get("timezone") or timezone,
            interval=decode_delta(data["interval"]),
            run_immediately=_decode_run_immediately(data.get("run_immediately", False)),
        )

    def _get_next(self, current: datetime) -> datetime:
        return self._cron.get_next(current)

    def _align_to_next(self, current: datetime) -> datetime:
        return self._cron.align_to_next(current)

    def _align_to_prev(self, current: datetime) -> datetime:
        return self._cron.align_to_prev(current)

    def _first_run(self, now: datetime) -> datetime:
        past, following = self._align_to_prev(now), self._align_to_next(now)
        if self.run_immediately is True:
            return past
        if isinstance(self.run_immediately, timedelta):
            buffer = self.run_immediately
        else:
            buffer = max((following - past) / 10, timedelta(minutes=5))
        return past if now - past <= buffer else following


class DeltaTriggerTimetable(_TriggerTimetable):
    """A run every ``delta`` (a timedelta or relativedelta) from start_date; without a start_date
    or catchup, from the moment the scheduler first sees the DAG."""

    kind = "delta_trigger"
    plans_from_now = True

    def __init__(self, delta: Delta, *, interval: Delta = timedelta()) -> None:
        if not is_delta(delta) or not is_positive(delta):
            raise ValueError(f"DeltaTriggerTimetable: delta must be a positive timedelta or relativedelta, got {delta!r}")
        self.delta = delta
        self.interval = _check_interval(interval, "DeltaTriggerTimetable")
        self.description = f"every {describe(delta)}"

    @property
    def summary(self) -> str:
        return describe(self.delta)

    def serialize(self) -> dict[str, Any]:
        return {"delta": encode_delta(self.delta), "interval": encode_delta(self.interval)}

    @classmethod
    def deserialize(cls, data: dict[str, Any], timezone: Any) -> Timetable:
        return cls(decode_delta(data["delta"]), interval=decode_delta(data["interval"]))

    def _get_next(self, current: datetime) -> datetime:
        return (current + self.delta).astimezone(UTC)

    def _first_run(self, now: datetime) -> datetime:
        return now.astimezone(UTC)


class MultipleCronTriggerTimetable(Timetable):
    """A run whenever any of several cron expressions ticks (one run when several tick at once)."""

    kind = "multiple_cron_trigger"

    def __init__(
        self,
        *crons: str,
        timezone: str | tzinfo,
        interval: Delta = timedelta(),
        run_immediately: bool | timedelta = False,
    ) -> None:
        if not crons:
            raise ValueError("MultipleCronTriggerTimetable needs at least one cron expression")
        self.timetables = [
            CronTriggerTimetable(cron, timezone=timezone, interval=interval, run_immediately=run_immediately)
            for cron in crons
        ]
        self.description = ", ".join(t.description for t in self.timetables)

    @property
    def summary(self) -> str:
        return ", ".join(t.summary for t in self.timetables)

    def serialize(self) -> dict[str, Any]:
        first = self.timetables[0].serialize()
        return {
            "expressions": [t.summary for t in self.timetables], "timezone": first["timezone"],
            "interval": first["interval"], "run_immediately": first["run_immediately"],
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any], timezone: Any) -> Timetable:
        return cls(
            *data["expressions"], timezone=data.get("timezone") or timezone, interval=decode_delta(data["interval"]),
            run_immediately=_decode_run_immediately(data["run_immediately"]),
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
        infos = [
            info for info in (
                t.next_dagrun_info(last_automated_data_interval, earliest=earliest, latest=latest, catchup=catchup, now=now)
                for t in self.timetables
            ) if info is not None
        ]
        if not infos:
            return None
        if catchup:
            return min(infos, key=lambda info: info.logical_date)
        # Without catchup: the latest run that is due now, else the earliest one to come.
        due = [info for info in infos if info.logical_date <= now]
        return max(due, key=lambda info: info.logical_date) if due else min(infos, key=lambda info: info.logical_date)

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return min((t.infer_manual_data_interval(run_after=run_after) for t in self.timetables), key=lambda i: i.start)


def __getattr__(name: str) -> Any:
    # Airflow keeps CronPartitionTimetable in this module; it is defined with the partitioned schedules.
    if name == "CronPartitionTimetable":
        from slipstream.timetables.partitions import CronPartitionTimetable

        return CronPartitionTimetable
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
