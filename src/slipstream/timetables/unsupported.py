"""Timetables of Airflow's authoring surface that Slipstream does not schedule: importing them
works, building one in a DAG file makes the file's import error name the missing feature."""

from __future__ import annotations

from typing import Any

from slipstream.timetables.base import Timetable, UnsupportedTimetable


class _NotScheduled(Timetable):
    feature = ""
    __slipstream_unsupported__ = True  # counted as a stand-in (sdk/unsupported.py:is_stand_in)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise UnsupportedTimetable(
            f"{type(self).__name__} is not supported by Slipstream: {self.feature} is not implemented. "
            "Use CronTriggerTimetable, CronDataIntervalTimetable, a cron string or a timedelta instead."
        )


class CronPartitionTimetable(_NotScheduled):
    feature = "partitioned runs (runs keyed by an asset partition, Airflow 3.2+)"


class PartitionedAssetTimetable(_NotScheduled):
    feature = "partitioned asset scheduling (runs keyed by an asset partition, Airflow 3.2+)"
