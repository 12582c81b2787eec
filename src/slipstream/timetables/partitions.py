"""Partitioned schedules: runs that carry a partition key.

- ``CronPartitionTimetable(cron, timezone=..., run_offset=0, key_format="%Y-%m-%dT%H:%M:%S")``:
  a run at each cron tick, for the partition of that tick (``run_offset`` ticks later, or
  earlier when negative). The run has no logical date nor data interval (as in Airflow); its
  ``partition_date`` is the partition's tick and its ``partition_key`` that tick written with
  ``key_format`` in the timetable's zone. The asset events its tasks record carry the key.
- ``PartitionedAtRuntime()``: no scheduled runs; the partition keys are those a task gives
  (``outlet_events[asset].add_partitions(...)``) or the one a run was triggered with.

``PartitionedAssetTimetable`` is in ``partitioned_assets.py`` (it needs the asset objects; these
two need nothing of the SDK, so ``slipstream.timetables`` stays light).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from slipstream.timetables.base import Timetable
from slipstream.timetables.simple import NullTimetable
from slipstream.timetables.trigger import CronTriggerTimetable, _decode_run_immediately

__all__ = ["CronPartitionTimetable", "PartitionedAtRuntime"]

DEFAULT_KEY_FORMAT = "%Y-%m-%dT%H:%M:%S"


class CronPartitionTimetable(CronTriggerTimetable):
    """A run at each tick of ``cron`` in ``timezone``, keyed by its partition (see the module).

    The ticks are those of a ``CronTriggerTimetable`` without interval; run creation continues
    from the exact interval of the last run's tick (``tick_of`` its ``partition_date``)."""

    kind = "cron_partition"
    partitioned = True

    def __init__(
        self,
        cron: str,
        *,
        timezone: str | tzinfo,
        run_offset: int | None = None,
        run_immediately: bool | timedelta = False,
        key_format: str = DEFAULT_KEY_FORMAT,
    ) -> None:
        super().__init__(cron, timezone=timezone, run_immediately=run_immediately)
        if run_offset is not None and (isinstance(run_offset, bool) or not isinstance(run_offset, int)):
            raise ValueError(f"CronPartitionTimetable: run_offset must be a whole number of cron ticks, got {run_offset!r}")
        if not isinstance(key_format, str) or not key_format:
            raise ValueError(f"CronPartitionTimetable: key_format must be a strftime format, got {key_format!r}")
        self.run_offset = run_offset or 0
        self.key_format = key_format

    def serialize(self) -> dict[str, Any]:
        data = super().serialize()
        del data["interval"]
        return {**data, "run_offset": self.run_offset, "key_format": self.key_format}

    @classmethod
    def deserialize(cls, data: dict[str, Any], timezone: Any) -> Timetable:
        return cls(
            data["expression"], timezone=data.get("timezone") or timezone, run_offset=data["run_offset"],
            run_immediately=_decode_run_immediately(data.get("run_immediately", False)), key_format=data["key_format"],
        )

    def partition_date(self, tick: datetime) -> datetime:
        """The partition a run at ``tick`` is for: the tick, moved ``run_offset`` ticks."""
        moment = tick
        for _ in range(abs(self.run_offset)):
            moment = self._get_next(moment) if self.run_offset > 0 else self._cron.get_prev(moment)
        return moment.astimezone(UTC)

    def tick_of(self, partition_date: datetime) -> datetime:
        """The tick whose run is for ``partition_date`` (``partition_date`` undone)."""
        moment = partition_date
        for _ in range(abs(self.run_offset)):
            moment = self._cron.get_prev(moment) if self.run_offset > 0 else self._get_next(moment)
        return moment.astimezone(UTC)

    def partition_key(self, partition_date: datetime) -> str:
        """The key of a partition: its date in the timetable's zone, written with ``key_format``."""
        return partition_date.astimezone(self.timezone).strftime(self.key_format)

    def decode_partition_date(self, partition_key: str) -> datetime:
        """The partition date a key stands for."""
        try:
            naive = datetime.strptime(partition_key, self.key_format)
        except ValueError as err:
            from slipstream.sdk.partition_mappers import InvalidPartitionKey

            raise InvalidPartitionKey(
                f"Partition key {partition_key!r} does not match the timetable's key_format {self.key_format!r}: {err}"
            ) from err
        return naive.replace(tzinfo=self.timezone).astimezone(UTC) if naive.tzinfo is None else naive.astimezone(UTC)

    def run_id(self, tick: datetime) -> str:
        """``scheduled__<tick>__<partition key>`` (Airflow adds a random suffix; one run per tick here)."""
        return f"scheduled__{tick.isoformat()}__{self.partition_key(self.partition_date(tick))}"


class PartitionedAtRuntime(NullTimetable):
    """No scheduled runs: the partition keys are chosen while the tasks run."""

    kind = "partitioned_at_runtime"
    partitioned_at_runtime = True
    description = "Partitioned at runtime, external triggers only"

    @property
    def summary(self) -> str:
        return "PartitionedAtRuntime"
