"""Assets in a DAG's schedule: the condition a ``schedule`` value stands for,
``AssetOrTimeSchedule`` (assets or a timetable), and how a serialized condition reads."""

from __future__ import annotations

from typing import Any

from slipstream.sdk.assets import AssetAll, BaseAsset

__all__ = ["AssetOrTimeSchedule", "DatasetOrTimeSchedule", "as_condition", "describe", "encode_all"]


def as_condition(value: Any, where: str = "") -> BaseAsset | None:
    """The asset condition of a ``schedule`` value (a list of assets means all of them), or None
    when the value is not about assets."""
    if isinstance(value, BaseAsset):
        return value
    timetable_assets = getattr(value, "asset_condition", None)
    if isinstance(timetable_assets, BaseAsset):
        return timetable_assets
    if isinstance(value, (list, tuple, set, frozenset)) and value:
        items = list(value)
        if any(isinstance(item, BaseAsset) for item in items):
            wrong = [item for item in items if not isinstance(item, BaseAsset)]
            if wrong:
                raise TypeError(
                    f"The schedule{where} mixes assets with {wrong[0]!r}: a list schedule must hold only "
                    "assets or asset aliases (use AssetOrTimeSchedule to combine assets with a time schedule)"
                )
            return AssetAll(*items)
    return None


class AssetOrTimeSchedule:
    """``AssetOrTimeSchedule(timetable=CronTriggerTimetable(...), assets=a & b)``: runs at the
    timetable's times, and whenever the asset condition holds (a list of assets means all of them).

    It only carries its two parts: ``split_schedule`` hands the timetable to the schedule code as
    any other schedule (so every timetable that code knows works here), and the condition to the
    asset code. ``timetable`` may also be what ``schedule=`` takes (a cron string, a preset)."""

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


def encode_all(items: Any) -> list[dict[str, Any]]:
    """The assets, aliases and references among a task's inlets or outlets, as JSON."""
    return [item.encode() for item in items or () if isinstance(item, BaseAsset)]


def describe(condition: dict[str, Any]) -> str:
    """A serialized condition as people read it: ``a & (b | c)``, aliases as ``alias:x``."""
    kind = condition["kind"]
    if kind == "asset":
        return condition["name"]
    if kind == "alias":
        return f"alias:{condition['name']}"
    if kind in ("name_ref", "uri_ref"):
        return condition.get("name") or condition.get("uri") or "?"
    symbol = " & " if kind == "all" else " | "
    parts = [describe(o) if o["kind"] not in ("all", "any") else f"({describe(o)})" for o in condition["objects"]]
    return symbol.join(parts)
