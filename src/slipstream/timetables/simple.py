"""The timetables without a period: None (manual only), ``@once`` and ``@continuous``."""

from __future__ import annotations

from datetime import UTC, datetime

from slipstream.timetables.base import DagRunInfo, DataInterval, Timetable


class NullTimetable(Timetable):
    """``schedule=None``: runs only when triggered."""

    kind = "null"
    periodic = False
    can_be_scheduled = False
    description = "Never, external triggers only"

    @property
    def summary(self) -> str:
        return "None"

    def next_dagrun_info(
        self,
        last_automated_data_interval: DataInterval | None,
        *,
        earliest: datetime | None,
        latest: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        return None


class OnceTimetable(Timetable):
    """``@once``: one run, at start_date (or as soon as the DAG is seen without one), whatever catchup says."""

    kind = "once"
    periodic = False
    description = "Once, as soon as possible"

    @property
    def summary(self) -> str:
        return "@once"

    def next_dagrun_info(
        self,
        last_automated_data_interval: DataInterval | None,
        *,
        earliest: datetime | None,
        latest: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            return None
        at = (earliest or now).astimezone(UTC)
        if latest is not None and at > latest:
            return None
        return DagRunInfo.exact(at)


class ContinuousTimetable(Timetable):
    """``@continuous``: a new run as soon as the previous one ends, one at a time, between
    start_date and end_date; each run covers the time since the previous one."""

    kind = "continuous"
    periodic = False
    active_runs_limit = 1
    description = "As frequently as possible, but only one run at a time."

    @property
    def summary(self) -> str:
        return "@continuous"

    def next_dagrun_info(
        self,
        last_automated_data_interval: DataInterval | None,
        *,
        earliest: datetime | None,
        latest: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        now = now.astimezone(UTC)
        start_date = (earliest or now).astimezone(UTC)
        if last_automated_data_interval is None:
            start, end = start_date, max(start_date, now)
        elif last_automated_data_interval.end > now:  # start_date was moved into the future
            start = start_date
            end = start + (last_automated_data_interval.end - last_automated_data_interval.start)
        else:
            start, end = last_automated_data_interval.end, now
        if latest is not None and end > latest:
            return None
        return DagRunInfo(start, end, end)

