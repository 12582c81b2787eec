"""Partition mappers: how a consuming DAG reads the partition key of an upstream asset event.

A producer records each asset event with a partition key (a string such as
``2024-03-13T05:00:00`` or ``us``). A DAG scheduled with ``PartitionedAssetTimetable`` gets a
run per *downstream* key; its mapper turns an upstream key into the downstream key(s) it
feeds. ``to_downstream`` returns one key, or several (fan-out). A mapper whose input it cannot
read raises ``InvalidPartitionKey`` saying which key, which mapper and what it expected.

These are the mappers that do not reason about time; the temporal ones (``StartOfDayMapper``
...) are in ``partition_temporal.py``, those combining a mapper with a window (``RollupMapper``,
``FanOutMapper``) in ``partition_rollups.py``. Every mapper has a JSON form (``encode``) the
serialized DAG keeps; ``partitions.decode_mapper`` rebuilds it in the scheduler.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

__all__ = [
    "AllowedKeyMapper", "ChainMapper", "FixedKeyMapper", "IdentityMapper", "InvalidPartitionKey", "PartitionMapper",
    "ProductMapper", "as_keys",
]


class InvalidPartitionKey(ValueError):
    """A partition key a mapper (or a timetable) cannot read."""


def as_keys(mapped: Any, owner: str) -> list[str]:
    """What ``to_downstream`` returned, as a list of keys (one key or an iterable of them)."""
    if isinstance(mapped, str):
        return [mapped]
    if isinstance(mapped, Iterable):
        keys = list(mapped)
        wrong = [k for k in keys if not isinstance(k, str)]
        if not wrong:
            return keys
        mapped = wrong[0]
    raise TypeError(f"{owner}.to_downstream must return a partition key (str) or several, got {type(mapped).__name__}: "
                    f"{mapped!r}")


class PartitionMapper:
    """The base of every mapper. Subclasses define ``to_downstream``; a mapper whose downstream
    keys decode to something other than a string (the temporal ones: a datetime) overrides
    ``decode_downstream`` and ``encode_upstream`` together, so a rollup can list the upstream keys
    one downstream key needs."""

    kind: ClassVar[str] = ""
    is_rollup: ClassVar[bool] = False
    # What decode_downstream returns; a RollupMapper checks its window iterates over the same type.
    expected_decoded_type: ClassVar[type] = str

    def __init__(self, *, max_downstream_keys: int | None = None) -> None:
        if max_downstream_keys is not None and (
            isinstance(max_downstream_keys, bool) or not isinstance(max_downstream_keys, int) or max_downstream_keys < 1
        ):
            raise ValueError(
                f"{type(self).__name__}: max_downstream_keys must be a positive integer or None, got {max_downstream_keys!r}"
            )
        self.max_downstream_keys = max_downstream_keys

    def to_downstream(self, key: str) -> str | Iterable[str]:
        """The downstream key(s) the upstream partition ``key`` feeds."""
        raise NotImplementedError(f"{type(self).__name__} does not define to_downstream")

    def downstream_keys(self, key: str) -> list[str]:
        """``to_downstream`` as a list, checked."""
        return as_keys(self.to_downstream(key), type(self).__name__)

    def decode_downstream(self, downstream_key: str) -> Any:
        """The downstream key in the form a window iterates over (here: the key itself)."""
        return downstream_key

    def encode_upstream(self, decoded: Any) -> str:
        """An upstream key back from the decoded form (here: the key itself)."""
        return str(decoded)

    def to_partition_date(self, downstream_key: str) -> datetime | None:
        """The moment a downstream key stands for (the run's ``partition_date``); None when the key
        means no time."""
        return None

    def carry_partition_date(self, source_partition_date: datetime | None) -> datetime | None:
        """The producer run's partition_date handed on to the consumer run (only when the key is
        passed through unchanged)."""
        return None

    def _arguments(self) -> dict[str, Any]:
        return {}

    def encode(self) -> dict[str, Any]:
        """The JSON form the serialized DAG keeps."""
        data: dict[str, Any] = {"kind": self.kind, **self._arguments()}
        if self.max_downstream_keys is not None:
            data["max_downstream_keys"] = self.max_downstream_keys
        return data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PartitionMapper):
            return NotImplemented
        return type(self) is type(other) and self.encode() == other.encode()

    def __hash__(self) -> int:
        return hash(repr(self.encode()))

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self._arguments().items())
        return f"{type(self).__name__}({arguments})"


class IdentityMapper(PartitionMapper):
    """The downstream key is the upstream key."""

    kind = "identity"

    def to_downstream(self, key: str) -> str:
        return key

    def carry_partition_date(self, source_partition_date: datetime | None) -> datetime | None:
        return source_partition_date


class AllowedKeyMapper(PartitionMapper):
    """The key passes unchanged if it is one of ``allowed_keys``; any other key is refused."""

    kind = "allowed_key"

    def __init__(self, allowed_keys: Iterable[str], *, max_downstream_keys: int | None = None) -> None:
        super().__init__(max_downstream_keys=max_downstream_keys)
        if isinstance(allowed_keys, str):
            raise TypeError(f"AllowedKeyMapper takes a list of keys, got the string {allowed_keys!r}: write [{allowed_keys!r}]")
        self.allowed_keys = list(allowed_keys)
        wrong = [k for k in self.allowed_keys if not isinstance(k, str) or not k]
        if wrong or not self.allowed_keys:
            raise ValueError(f"AllowedKeyMapper needs a non-empty list of non-empty string keys, got {self.allowed_keys!r}")

    def to_downstream(self, key: str) -> str:
        if key not in self.allowed_keys:
            raise InvalidPartitionKey(
                f"AllowedKeyMapper: partition key {key!r} is not one of the allowed keys {self.allowed_keys}"
            )
        return key

    def _arguments(self) -> dict[str, Any]:
        return {"allowed_keys": list(self.allowed_keys)}


class FixedKeyMapper(PartitionMapper):
    """Every upstream key feeds the one ``downstream_key`` (with a ``SegmentWindow``: a rollup of
    categories, e.g. all regions)."""

    kind = "fixed_key"

    def __init__(self, downstream_key: str, *, max_downstream_keys: int | None = None) -> None:
        if not isinstance(downstream_key, str) or not downstream_key:
            raise ValueError(f"FixedKeyMapper needs a non-empty string downstream_key, got {downstream_key!r}")
        super().__init__(max_downstream_keys=max_downstream_keys)
        self.downstream_key = downstream_key

    def to_downstream(self, key: str) -> str:
        return self.downstream_key

    def _arguments(self) -> dict[str, Any]:
        return {"downstream_key": self.downstream_key}


def _check_mappers(owner: str, mappers: Iterable[Any]) -> list[PartitionMapper]:
    found = list(mappers)
    for position, mapper in enumerate(found):
        if not isinstance(mapper, PartitionMapper):
            raise TypeError(f"{owner}: argument {position} must be a partition mapper, got {type(mapper).__name__}: {mapper!r}")
    return found


class ChainMapper(PartitionMapper):
    """Applies its mappers one after the other (each to every key the one before gave)."""

    kind = "chain"

    def __init__(
        self, mapper0: PartitionMapper, mapper1: PartitionMapper, /, *mappers: PartitionMapper,
        max_downstream_keys: int | None = None,
    ) -> None:
        super().__init__(max_downstream_keys=max_downstream_keys)
        self.mappers = _check_mappers("ChainMapper", (mapper0, mapper1, *mappers))

    def to_downstream(self, key: str) -> str | list[str]:
        keys = [key]
        for mapper in self.mappers:
            keys = [out for current in keys for out in mapper.downstream_keys(current)]
        return keys[0] if len(keys) == 1 else keys

    def to_partition_date(self, downstream_key: str) -> datetime | None:
        return self.mappers[-1].to_partition_date(downstream_key)

    def _arguments(self) -> dict[str, Any]:
        return {"mappers": [m.encode() for m in self.mappers]}


class ProductMapper(PartitionMapper):
    """A key of several parts joined by ``delimiter`` (``us|2024-03-13T05:00:00``): each part goes
    through its own mapper, and the results are joined again."""

    kind = "product"

    def __init__(
        self, mapper0: PartitionMapper, mapper1: PartitionMapper, /, *mappers: PartitionMapper,
        delimiter: str = "|", max_downstream_keys: int | None = None,
    ) -> None:
        super().__init__(max_downstream_keys=max_downstream_keys)
        if not isinstance(delimiter, str) or not delimiter:
            raise ValueError(f"ProductMapper needs a non-empty string delimiter, got {delimiter!r}")
        self.mappers = _check_mappers("ProductMapper", (mapper0, mapper1, *mappers))
        self.delimiter = delimiter

    def _parts(self, key: str) -> list[str]:
        parts = key.split(self.delimiter)
        if len(parts) != len(self.mappers):
            raise InvalidPartitionKey(
                f"ProductMapper: partition key {key!r} has {len(parts)} part(s) separated by {self.delimiter!r}, "
                f"the mapper expects {len(self.mappers)} ({', '.join(type(m).__name__ for m in self.mappers)})"
            )
        return parts

    def to_downstream(self, key: str) -> str:
        results = []
        for mapper, part in zip(self.mappers, self._parts(key), strict=True):
            mapped = mapper.downstream_keys(part)
            if len(mapped) != 1:
                raise TypeError(f"ProductMapper: {type(mapper).__name__} gave {len(mapped)} keys for {part!r}; each part "
                                "must map to exactly one key")
            results.append(mapped[0])
        return self.delimiter.join(results)

    def to_partition_date(self, downstream_key: str) -> datetime | None:
        """The date of the one part that means a time; None if none or several do."""
        parts = downstream_key.split(self.delimiter)
        if len(parts) != len(self.mappers):
            return None
        dates = [d for m, p in zip(self.mappers, parts, strict=True) if (d := m.to_partition_date(p)) is not None]
        return dates[0] if len(dates) == 1 else None

    def _arguments(self) -> dict[str, Any]:
        return {"mappers": [m.encode() for m in self.mappers], "delimiter": self.delimiter}
