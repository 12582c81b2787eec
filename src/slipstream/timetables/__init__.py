"""Timetables: when a DAG runs (cron strings, presets, intervals, or only when triggered)."""

from slipstream.timetables.dag_schedule import DagSchedule
from slipstream.timetables.timetable import (
    CronDataIntervalTimetable,
    DagRunInfo,
    DataInterval,
    DeltaDataIntervalTimetable,
    NullTimetable,
    OnceTimetable,
    Timetable,
    make_timetable,
)

__all__ = [
    "CronDataIntervalTimetable",
    "DagRunInfo",
    "DagSchedule",
    "DataInterval",
    "DeltaDataIntervalTimetable",
    "NullTimetable",
    "OnceTimetable",
    "Timetable",
    "make_timetable",
]
