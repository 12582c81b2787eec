"""Partitioned schedules: runs that carry a partition key.

- ``CronPartitionTimetable(cron, timezone=..., run_offset=0, key_format="%Y-%m-%dT%H:%M:%S")``:
  a run at each cron tick, for the partition of that tick (``run_offset`` ticks later, or
  earlier when negative). The run has no logical date nor data interval (as in Airflow); its
  ``partition_date`` is the partition's tick and its ``partition_key`` that tick written with
  ``key_format`` in the timetable's zone. The asset events its tasks record carry the key.
- ``PartitionedAssetTimetable(assets=..., default_partition_mapper=IdentityMapper(),
  partition_mapper_config={asset: mapper})``: a run per downstream partition key once the asset
  condition holds for that key (each asset's events mapped through its mapper).
- ``PartitionedAtRuntime()``: no scheduled runs; the partition keys are those a task gives
  (``outlet_events[asset].add_partitions(...)``) or the one a run was triggered with.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from slipstream.sdk.assets import BaseAsset, as_condition
from slipstream.sdk.partitions import IdentityMapper, InvalidPartitionKey, PartitionMapper, decode_mapper
from slipstream.timetables.base import DagRunInfo, DataInterval, Timetable
from slipstream.timetables.trigger import CronTriggerTimetable, _decode_run_immediately

__all__ = [
    "CronPartitionTimetable", "PartitionedAssetTimetable", "PartitionedAtRuntime", "mapper_for", "mapper_json_for",
    "partitions_of",
]

DEFAULT_KEY_FORMAT = "%Y-%m-%dT%H:%M:%S"


class CronPartitionTimetable(CronTriggerTimetable):
    """A run at each tick of ``cron`` in ``timezone``, keyed by its partition (see the module)."""

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
            raise InvalidPartitionKey(
                f"Partition key {partition_key!r} does not match the timetable's key_format {self.key_format!r}: {err}"
            ) from err
        return naive.replace(tzinfo=self.timezone).astimezone(UTC) if naive.tzinfo is None else naive.astimezone(UTC)

    def run_id(self, tick: datetime) -> str:
        """``scheduled__<tick>__<partition key>`` (Airflow adds a random suffix; one run per tick here)."""
        return f"scheduled__{tick.isoformat()}__{self.partition_key(self.partition_date(tick))}"

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval.exact(run_after)

    def next_dagrun_info(
        self,
        last_automated_data_interval: DataInterval | None,
        *,
        earliest: datetime | None,
        latest: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        """The next tick, as ``DagRunInfo.exact(tick)``; ``last_automated_data_interval`` is the
        exact interval of the last run's tick (run creation gives the run no data interval)."""
        return super().next_dagrun_info(
            last_automated_data_interval, earliest=earliest, latest=latest, catchup=catchup, now=now
        )


class PartitionedAtRuntime(Timetable):
    """No scheduled runs: the partition keys are chosen while the tasks run."""

    kind = "partitioned_at_runtime"
    periodic = False
    can_be_scheduled = False
    partitioned_at_runtime = True
    description = "Partitioned at runtime, external triggers only"

    @property
    def summary(self) -> str:
        return "PartitionedAtRuntime"

    def next_dagrun_info(
        self,
        last_automated_data_interval: DataInterval | None,
        *,
        earliest: datetime | None,
        latest: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        return None


def _mapper(value: Any, where: str) -> PartitionMapper:
    if not isinstance(value, PartitionMapper):
        raise TypeError(f"PartitionedAssetTimetable: {where} must be a partition mapper (IdentityMapper(), "
                        f"StartOfDayMapper(), ...), got {type(value).__name__}: {value!r}")
    if not value.kind:
        raise TypeError(
            f"PartitionedAssetTimetable: {where} is {type(value).__name__}, a mapper of your own; Slipstream's scheduler "
            "works from serialized DAGs and never imports DAG files, so it can only use the built-in mappers"
        )
    return value


class PartitionedAssetTimetable:
    """A run per downstream partition key of the asset condition ``assets`` (a list means all)."""

    partitioned = True

    def __init__(
        self,
        *,
        assets: Any,
        partition_mapper_config: Mapping[Any, PartitionMapper] | None = None,
        default_partition_mapper: PartitionMapper | None = None,
    ) -> None:
        condition = as_condition(assets, " of PartitionedAssetTimetable")
        if condition is None:
            raise TypeError(
                f"PartitionedAssetTimetable(assets=...) needs an asset, a list of assets or a condition of them, got {assets!r}"
            )
        self.asset_condition: BaseAsset = condition
        self.default_partition_mapper = _mapper(default_partition_mapper or IdentityMapper(), "default_partition_mapper")
        self.partition_mapper_config: dict[Any, PartitionMapper] = {}
        for asset, mapper in (partition_mapper_config or {}).items():
            if not isinstance(asset, BaseAsset) or not hasattr(asset, "encode") or asset.encode()["kind"] not in (
                "asset", "name_ref", "uri_ref"
            ):
                raise TypeError(f"PartitionedAssetTimetable: the keys of partition_mapper_config must be assets or "
                                f"Asset.ref(...), got {type(asset).__name__}: {asset!r}")
            self.partition_mapper_config[asset] = _mapper(mapper, f"the mapper of {asset!r}")

    @property
    def summary(self) -> str:
        return "Partitioned Asset"

    def get_partition_mapper(self, *, name: str = "", uri: str = "") -> PartitionMapper:
        """The mapper for the asset ``name``/``uri``: its own, else the default."""
        return mapper_for(self.encode_partitions(), name, uri)

    def encode_partitions(self) -> dict[str, Any]:
        """The mappers as the serialized DAG keeps them (under ``partitioned``)."""
        return {
            "default": self.default_partition_mapper.encode(),
            "by_asset": [{"asset": a.encode(), "mapper": m.encode()} for a, m in self.partition_mapper_config.items()],
        }

    def __repr__(self) -> str:
        return (f"PartitionedAssetTimetable(assets={self.asset_condition!r}, default_partition_mapper="
                f"{self.default_partition_mapper!r}, partition_mapper_config={self.partition_mapper_config!r})")


def _matches(asset: Mapping[str, Any], name: str, uri: str) -> bool:
    kind = asset["kind"]
    if kind == "asset":
        return bool(asset["name"] == name and asset["uri"] == uri)
    if kind == "name_ref":
        return bool(asset["name"] == name)
    return bool(kind == "uri_ref" and asset["uri"] == uri)


def mapper_json_for(partitioned: Mapping[str, Any], name: str, uri: str) -> dict[str, Any]:
    """The JSON form of the mapper of the asset ``name``/``uri`` from a serialized DAG's
    ``partitioned`` entry: its own, else the default."""
    for item in partitioned.get("by_asset") or ():
        if _matches(item["asset"], name, uri):
            return dict(item["mapper"])
    return dict(partitioned["default"])


def mapper_for(partitioned: Mapping[str, Any], name: str, uri: str) -> PartitionMapper:
    """The mapper of the asset ``name``/``uri`` from a serialized DAG's ``partitioned`` entry."""
    return decode_mapper(mapper_json_for(partitioned, name, uri))


def partitions_of(schedule: Any) -> dict[str, Any] | None:
    """The ``partitioned`` entry of a DAG's serialized form: the mappers of a
    PartitionedAssetTimetable, ``{"at_runtime": True}`` for PartitionedAtRuntime, ``{"cron":
    True}`` for CronPartitionTimetable; None for a schedule without partitions."""
    if isinstance(schedule, PartitionedAssetTimetable):
        return schedule.encode_partitions()
    if isinstance(schedule, PartitionedAtRuntime):
        return {"at_runtime": True}
    if isinstance(schedule, CronPartitionTimetable):
        return {"cron": True}
    return None

