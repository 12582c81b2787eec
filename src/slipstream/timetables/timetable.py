"""The built-in timetables by kind, and a timetable back from a serialized schedule.

Everything here is a pure function of its arguments: the clock is passed in as ``now``,
nothing reads the store. A new kind of timetable is a ``Timetable`` subclass with a ``kind``,
``serialize``/``deserialize`` and ``next_dagrun_info`` (see ``base.py``), listed in ``KINDS``.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from slipstream.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable
from slipstream.timetables.events import EventsTimetable
from slipstream.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
from slipstream.timetables.partitions import CronPartitionTimetable, PartitionedAtRuntime
from slipstream.timetables.simple import ContinuousTimetable, NullTimetable, OnceTimetable
from slipstream.timetables.timezones import get_timezone
from slipstream.timetables.trigger import CronTriggerTimetable, DeltaTriggerTimetable, MultipleCronTriggerTimetable

__all__ = [
    "KINDS", "ContinuousTimetable", "CronDataIntervalTimetable", "CronTriggerTimetable", "DagRunInfo", "DataInterval",
    "DeltaDataIntervalTimetable", "DeltaTriggerTimetable", "EventsTimetable", "MultipleCronTriggerTimetable",
    "NullTimetable", "OnceTimetable", "TimeRestriction", "Timetable", "make_timetable",
]

KINDS: dict[str, type[Timetable]] = {
    cls.kind: cls  # type: ignore[misc]
    for cls in (
        NullTimetable, OnceTimetable, ContinuousTimetable, CronDataIntervalTimetable, DeltaDataIntervalTimetable,
        CronTriggerTimetable, DeltaTriggerTimetable, MultipleCronTriggerTimetable, EventsTimetable,
        CronPartitionTimetable, PartitionedAtRuntime,
    )
}


def make_timetable(schedule: dict[str, Any] | None, timezone: str | tzinfo = "UTC") -> Timetable:
    """The timetable of a serialized schedule (see ``parse_schedule``); ``timezone`` is the DAG's."""
    if schedule is None:
        return NullTimetable()
    kind = schedule["kind"]
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of schedule {kind!r}: this DAG was serialized by another version of Slipstream")
    zone = get_timezone(timezone) if isinstance(timezone, str) else timezone
    return KINDS[kind].deserialize(schedule, zone)
