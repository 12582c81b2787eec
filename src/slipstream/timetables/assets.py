"""A DAG's schedule with assets in it (``schedule=[Asset(...)]``, ``AssetOrTimeSchedule``), split
in two for the serialized DAG.

The serialized DAG keeps the two parts apart: the time part as any other schedule (``schedule``),
the asset part as ``asset_condition``. ``split_schedule`` does that split for every schedule a DAG
may have, so the rest of the schedule code never sees assets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slipstream.sdk.asset_schedule import AssetOrTimeSchedule, DatasetOrTimeSchedule, as_condition, describe


def split_schedule(schedule: Any, dag_id: str = "") -> tuple[Any, dict[str, Any] | None]:
    """A DAG's ``schedule`` as (its time part, its asset condition as JSON or None)."""
    where = f" of DAG {dag_id!r}" if dag_id else ""
    if isinstance(schedule, AssetOrTimeSchedule):
        return schedule.timetable, schedule.asset_condition.encode()
    condition = as_condition(schedule, where)
    if condition is None:
        return schedule, None
    return None, condition.encode()


def partition_entry(schedule: Any) -> dict[str, Any]:
    """``{"partitioned": ...}`` for a partitioned schedule (see ``partitions.partitions_of``), else
    nothing: the serialized form of other DAGs stays as it was."""
    if not (getattr(schedule, "partitioned", False) or getattr(schedule, "partitioned_at_runtime", False)):
        return {}
    from slipstream.timetables.partitioned_assets import partitions_of

    found = partitions_of(schedule)
    return {} if found is None else {"partitioned": found}


def schedule_summary(data: Mapping[str, Any]) -> str:
    """What ``dags list`` shows of a serialized DAG's schedule: the time schedule, ``Asset: <condition>``,
    or both joined by ``or``."""
    schedule = data.get("schedule")
    condition = data.get("asset_condition")
    timed = None if schedule is None else schedule["summary"]
    if condition is None:
        return "None" if timed is None else timed
    assets = f"Asset: {describe(condition)}"
    return assets if timed is None else f"{assets} or {timed}"


__all__ = ["AssetOrTimeSchedule", "DatasetOrTimeSchedule", "partition_entry", "schedule_summary", "split_schedule"]


def __getattr__(name: str) -> Any:
    # Airflow keeps the partitioned asset timetables in this module; loaded on first use.
    if name in ("PartitionedAssetTimetable", "PartitionedAtRuntime"):
        from slipstream.timetables import partitioned_assets

        return getattr(partitioned_assets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
