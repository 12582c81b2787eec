"""``AssetOrTimeSchedule``: a DAG that runs on its timetable and also when its assets are updated.

The serialized DAG keeps the two parts apart: the time part as any other schedule (``schedule``),
the asset part as ``asset_condition``. ``split_schedule`` does that split for every schedule a DAG
may have, so the rest of the schedule code never sees assets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slipstream.sdk.assets import BaseAsset, as_condition, describe
from slipstream.timetables.timetable import Timetable


class AssetOrTimeSchedule(Timetable):
    """``AssetOrTimeSchedule(timetable=CronTriggerTimetable(...), assets=a & b)``: runs at the
    timetable's times, and whenever the asset condition holds (a list of assets means all of them)."""

    def __init__(self, *, timetable: Any, assets: Any) -> None:
        condition = as_condition(assets, " of AssetOrTimeSchedule")
        if condition is None:
            raise TypeError(
                f"AssetOrTimeSchedule(assets=...) needs an asset, a list of assets or a condition of them, got {assets!r}"
            )
        if isinstance(timetable, AssetOrTimeSchedule) or as_condition(timetable) is not None:
            raise TypeError("AssetOrTimeSchedule(timetable=...) needs a time schedule, not assets or another AssetOrTimeSchedule")
        self.timetable = timetable
        self.asset_condition: BaseAsset = condition
        self.summary = f"Asset or {getattr(timetable, 'summary', timetable)}"

    def __repr__(self) -> str:
        return f"AssetOrTimeSchedule(timetable={self.timetable!r}, assets={self.asset_condition!r})"


class DatasetOrTimeSchedule(AssetOrTimeSchedule):
    """Airflow 2.9's name: ``DatasetOrTimeSchedule(timetable=..., datasets=...)``."""

    def __init__(self, *, timetable: Any, datasets: Any) -> None:
        super().__init__(timetable=timetable, assets=datasets)


def split_schedule(schedule: Any, dag_id: str = "") -> tuple[Any, dict[str, Any] | None]:
    """A DAG's ``schedule`` as (its time part, its asset condition as JSON or None)."""
    where = f" of DAG {dag_id!r}" if dag_id else ""
    if isinstance(schedule, AssetOrTimeSchedule):
        return schedule.timetable, schedule.asset_condition.encode()
    condition = as_condition(schedule, where)
    if condition is None:
        return schedule, None
    return None, condition.encode()


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


__all__ = ["AssetOrTimeSchedule", "DatasetOrTimeSchedule", "schedule_summary", "split_schedule"]
