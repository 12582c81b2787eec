"""Asset partitions, the authoring names in one place, and the mappers, windows and wait
policies back from their JSON form (``decode_mapper``), for the scheduler and the store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slipstream.sdk.partition_mappers import (
    AllowedKeyMapper,
    ChainMapper,
    FixedKeyMapper,
    IdentityMapper,
    InvalidPartitionKey,
    PartitionMapper,
    ProductMapper,
)
from slipstream.sdk.partition_rollups import FanOutMapper, RollupMapper
from slipstream.sdk.partition_temporal import (
    StartOfDayMapper,
    StartOfHourMapper,
    StartOfMonthMapper,
    StartOfQuarterMapper,
    StartOfWeekMapper,
    StartOfYearMapper,
)
from slipstream.sdk.partition_windows import (
    DayWindow,
    HourWindow,
    MinimumCount,
    MonthWindow,
    QuarterWindow,
    SegmentWindow,
    WaitForAll,
    WaitPolicy,
    WeekWindow,
    Window,
    YearWindow,
)

__all__ = [
    "AllowedKeyMapper", "ChainMapper", "DayWindow", "FanOutMapper", "FixedKeyMapper", "HourWindow", "IdentityMapper",
    "InvalidPartitionKey", "MinimumCount", "MonthWindow", "PartitionMapper", "ProductMapper", "QuarterWindow",
    "RollupMapper", "SegmentWindow", "StartOfDayMapper", "StartOfHourMapper", "StartOfMonthMapper",
    "StartOfQuarterMapper", "StartOfWeekMapper", "StartOfYearMapper", "WaitForAll", "WaitPolicy", "WeekWindow",
    "Window", "YearWindow", "decode_mapper", "decode_wait_policy", "decode_window",
]

_MAPPERS: dict[str, type[PartitionMapper]] = {
    cls.kind: cls for cls in (
        IdentityMapper, AllowedKeyMapper, FixedKeyMapper, ChainMapper, ProductMapper, RollupMapper, FanOutMapper,
        StartOfHourMapper, StartOfDayMapper, StartOfWeekMapper, StartOfMonthMapper, StartOfQuarterMapper,
        StartOfYearMapper,
    )
}
_WINDOWS: dict[str, type[Window]] = {
    cls.kind: cls for cls in (HourWindow, DayWindow, WeekWindow, MonthWindow, QuarterWindow, YearWindow, SegmentWindow)
}


def _known(table: Mapping[str, Any], data: Mapping[str, Any], what: str) -> Any:
    kind = data.get("kind")
    if kind not in table:
        raise ValueError(f"Unknown {what} {kind!r}: this DAG was serialized by another version of Slipstream")
    return table[kind]


def decode_window(data: Mapping[str, Any]) -> Window:
    cls = _known(_WINDOWS, data, "partition window")
    if cls is SegmentWindow:
        return SegmentWindow(data["segments"], direction=data.get("direction", "forward"))
    return cls(direction=data.get("direction", "forward"))


def decode_wait_policy(data: Mapping[str, Any]) -> WaitPolicy:
    kind = data.get("kind")
    if kind == MinimumCount.kind:
        return MinimumCount(data["n"])
    if kind == WaitForAll.kind:
        return WaitForAll()
    raise ValueError(f"Unknown wait policy {kind!r}: this DAG was serialized by another version of Slipstream")


def decode_mapper(data: Mapping[str, Any]) -> PartitionMapper:
    """A mapper from its ``encode()`` form."""
    cls = _known(_MAPPERS, data, "partition mapper")
    cap = {"max_downstream_keys": data.get("max_downstream_keys")}
    if cls is AllowedKeyMapper:
        return AllowedKeyMapper(data["allowed_keys"], **cap)
    if cls is FixedKeyMapper:
        return FixedKeyMapper(data["downstream_key"], **cap)
    if cls is ChainMapper:
        return ChainMapper(*(decode_mapper(m) for m in data["mappers"]), **cap)
    if cls is ProductMapper:
        return ProductMapper(*(decode_mapper(m) for m in data["mappers"]), delimiter=data["delimiter"], **cap)
    if cls is RollupMapper:
        return RollupMapper(
            upstream_mapper=decode_mapper(data["upstream_mapper"]), window=decode_window(data["window"]),
            wait_policy=decode_wait_policy(data["wait_policy"]), **cap,
        )
    if cls is FanOutMapper:
        return FanOutMapper(
            upstream_mapper=decode_mapper(data["upstream_mapper"]), window=decode_window(data["window"]),
            downstream_mapper=decode_mapper(data["downstream_mapper"]), **cap,
        )
    if cls is IdentityMapper:
        return IdentityMapper(**cap)
    return cls(timezone=data["timezone"], input_format=data["input_format"], output_format=data["output_format"], **cap)  # type: ignore[call-arg]
