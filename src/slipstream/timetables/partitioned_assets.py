"""``PartitionedAssetTimetable(assets=..., default_partition_mapper=IdentityMapper(),
partition_mapper_config={asset: mapper})``: a run per downstream partition key once the asset
condition holds for that key, each asset's partition keys mapped through its mapper.

Like ``AssetOrTimeSchedule`` it only carries its parts: the condition goes to the asset code
(``assets.split_schedule``), the mappers to the serialized DAG under ``partitioned``
(``partitions_of``), from which the store and the scheduler read them back (``mapper_for``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slipstream.sdk.asset_schedule import as_condition
from slipstream.sdk.assets import BaseAsset
from slipstream.sdk.partitions import IdentityMapper, PartitionMapper, decode_mapper
from slipstream.timetables.partitions import CronPartitionTimetable, PartitionedAtRuntime

__all__ = ["PartitionedAssetTimetable", "mapper_for", "mapper_json_for", "partitions_of"]


def _mapper(value: Any, where: str) -> PartitionMapper:
    if not isinstance(value, PartitionMapper):
        raise TypeError(f"PartitionedAssetTimetable: {where} must be a partition mapper (IdentityMapper(), "
                        f"StartOfDayMapper(), ...), got {type(value).__name__}: {value!r}")
    try:
        decode_mapper(value.encode())
    except Exception as err:
        raise TypeError(
            f"PartitionedAssetTimetable: {where} is or contains a mapper or window of your own ({value!r}); "
            "Slipstream's scheduler works from serialized DAGs and never imports DAG files, so it can only use the "
            f"built-in mappers and windows ({err})"
        ) from None
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

