"""Mappers made of a mapper and a window: many upstream partitions into one downstream partition
(``RollupMapper``), or one upstream partition into many (``FanOutMapper``).

``RollupMapper(upstream_mapper=StartOfDayMapper(), window=DayWindow())``: every hourly key maps
to its day, and the day's run waits until its window's 24 hourly keys have all arrived (or as
many as ``wait_policy`` asks). ``FanOutMapper(upstream_mapper=StartOfWeekMapper(),
window=WeekWindow())``: a weekly key gives a downstream run for each of its 7 days.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from slipstream.sdk.partition_mappers import PartitionMapper
from slipstream.sdk.partition_temporal import StartOfDayMapper, StartOfHourMapper, StartOfMonthMapper, TemporalMapper
from slipstream.sdk.partition_windows import WaitForAll, WaitPolicy, Window

__all__ = ["FanOutMapper", "RollupMapper"]


def _check(owner: str, name: str, value: Any, kind: type) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{owner}({name}=...) needs a {kind.__name__}, got {type(value).__name__}: {value!r}")


class RollupMapper(PartitionMapper):
    """Many upstream partitions make one downstream partition: ``upstream_mapper`` maps each
    upstream key to its downstream key, ``window`` lists the upstream keys a downstream key needs,
    ``wait_policy`` (default ``WaitForAll()``) says how many of them must have arrived."""

    kind = "rollup"
    is_rollup: ClassVar[bool] = True

    def __init__(
        self,
        *,
        upstream_mapper: PartitionMapper,
        window: Window,
        wait_policy: WaitPolicy | None = None,
        max_downstream_keys: int | None = None,
    ) -> None:
        super().__init__(max_downstream_keys=max_downstream_keys)
        _check("RollupMapper", "upstream_mapper", upstream_mapper, PartitionMapper)
        _check("RollupMapper", "window", window, Window)
        if wait_policy is not None:
            _check("RollupMapper", "wait_policy", wait_policy, WaitPolicy)
        if upstream_mapper.expected_decoded_type is not window.expected_decoded_type:
            raise TypeError(
                f"RollupMapper: {type(window).__name__} works on {window.expected_decoded_type.__name__} values but "
                f"{type(upstream_mapper).__name__} reads its keys as {upstream_mapper.expected_decoded_type.__name__}; "
                "pair a time window (DayWindow...) with a Start-of mapper, and SegmentWindow with FixedKeyMapper"
            )
        self.upstream_mapper = upstream_mapper
        self.window = window
        self.wait_policy = wait_policy or WaitForAll()

    def to_downstream(self, key: str) -> Any:
        return self.upstream_mapper.to_downstream(key)

    def to_upstream(self, downstream_key: str) -> frozenset[str]:
        """Every upstream key the downstream partition ``downstream_key`` is made of."""
        anchor = self.upstream_mapper.decode_downstream(downstream_key)
        return frozenset(self.upstream_mapper.encode_upstream(item) for item in self.window.to_upstream(anchor))

    def to_partition_date(self, downstream_key: str) -> datetime | None:
        return self.upstream_mapper.to_partition_date(downstream_key)

    def _arguments(self) -> dict[str, Any]:
        return {"upstream_mapper": self.upstream_mapper.encode(), "window": self.window.encode(),
                "wait_policy": self.wait_policy.encode()}


_DEFAULT_DOWNSTREAM: dict[str, type[TemporalMapper]] = {
    "DayWindow": StartOfHourMapper, "WeekWindow": StartOfDayMapper, "MonthWindow": StartOfDayMapper,
    "QuarterWindow": StartOfMonthMapper, "YearWindow": StartOfMonthMapper,
}


class FanOutMapper(PartitionMapper):
    """One upstream partition makes several downstream ones: ``upstream_mapper`` reads the
    upstream key as a period, ``window`` lists the period's members, ``downstream_mapper`` writes
    each as a downstream key (by default the finer Start-of mapper of the window: days for a
    week or a month, hours for a day, months for a quarter or a year)."""

    kind = "fan_out"

    def __init__(
        self,
        *,
        upstream_mapper: PartitionMapper,
        window: Window,
        downstream_mapper: PartitionMapper | None = None,
        max_downstream_keys: int | None = None,
    ) -> None:
        super().__init__(max_downstream_keys=max_downstream_keys)
        _check("FanOutMapper", "upstream_mapper", upstream_mapper, PartitionMapper)
        _check("FanOutMapper", "window", window, Window)
        if downstream_mapper is None:
            default = _DEFAULT_DOWNSTREAM.get(type(window).__name__)
            if default is None:
                raise ValueError(f"FanOutMapper: {type(window).__name__} has no default downstream_mapper; pass "
                                 "downstream_mapper=... (e.g. IdentityMapper() for a SegmentWindow)")
            downstream_mapper = default()
        _check("FanOutMapper", "downstream_mapper", downstream_mapper, PartitionMapper)
        self.upstream_mapper = upstream_mapper
        self.window = window
        self.downstream_mapper = downstream_mapper

    def to_downstream(self, key: str) -> list[str]:
        coarse = self.upstream_mapper.downstream_keys(key)
        if len(coarse) != 1:
            raise TypeError(f"FanOutMapper: upstream_mapper {type(self.upstream_mapper).__name__} gave {len(coarse)} "
                            "keys; it must give one (a fan-out of a fan-out is not supported)")
        anchor = self.upstream_mapper.decode_downstream(coarse[0])
        return [self._write(item) for item in self.window.to_upstream(anchor)]

    def _write(self, member: Any) -> str:
        if isinstance(self.downstream_mapper, TemporalMapper) and isinstance(member, datetime):
            return self.downstream_mapper.format(self.downstream_mapper.normalize(member))
        if isinstance(member, datetime):
            return member.isoformat()
        return str(member)

    def to_partition_date(self, downstream_key: str) -> datetime | None:
        return self.downstream_mapper.to_partition_date(downstream_key)

    def _arguments(self) -> dict[str, Any]:
        return {"upstream_mapper": self.upstream_mapper.encode(), "window": self.window.encode(),
                "downstream_mapper": self.downstream_mapper.encode()}
