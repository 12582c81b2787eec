"""What every timetable is: the interface the scheduler, backfill and the CLI use.

A timetable says when the runs of a DAG happen and which data interval each covers. It lives
twice: in the DAG file, as the object passed to ``schedule=``, and in the scheduler, rebuilt from
the serialized DAG. So each built-in timetable has a ``kind`` and two small methods:

- ``serialize()``: its arguments as JSON (``{"kind": ..., "summary": ..., ...}``), stored in the
  serialized DAG under ``schedule``;
- ``deserialize(data, timezone)``: the timetable back from that, ``timezone`` being the DAG's
  (used by the kinds that have no time zone of their own, like a cron string);

and one pure function of its arguments, ``next_dagrun_info(last_automated_data_interval,
earliest=, latest=, catchup=, now=)``, that gives the next run (``DagRunInfo``) or None. The
clock is an argument: nothing reads the time or the store. A timetable defined in a DAG file
(a subclass written by the user) cannot be rebuilt in the scheduler, which never imports DAG
files: it is refused when the file is parsed (see ``schedule.parse_schedule``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, NamedTuple


class DataInterval(NamedTuple):
    """The span of data a run covers, [start, end), both aware."""

    start: datetime
    end: datetime

    @classmethod
    def exact(cls, at: datetime) -> DataInterval:
        return cls(at, at)


class TimeRestriction(NamedTuple):
    """The DAG's start_date (earliest), end_date (latest) and catchup, as Airflow passes them."""

    earliest: datetime | None
    latest: datetime | None
    catchup: bool


class DagRunInfo(NamedTuple):
    """The next run: the interval it covers and the moment it may be created."""

    data_interval_start: datetime
    data_interval_end: datetime
    run_after: datetime

    @classmethod
    def exact(cls, at: datetime) -> DagRunInfo:
        """A run for one point in time, created at that time."""
        return cls(at, at, at)

    @classmethod
    def interval(cls, start: datetime, end: datetime) -> DagRunInfo:
        """A run for [start, end), created when the interval is over."""
        return cls(start, end, end)

    @property
    def logical_date(self) -> datetime:
        return self.data_interval_start

    @property
    def data_interval(self) -> DataInterval:
        return DataInterval(self.data_interval_start, self.data_interval_end)


class Timetable:
    """The base of every timetable (and of the user's own, which can be imported but not scheduled)."""

    # The serialized name of a built-in timetable; None for a user's subclass.
    kind: ClassVar[str | None] = None
    # Runs at regular times (False for None, @once and @continuous: backfill plans at most one run).
    periodic: ClassVar[bool] = True
    can_be_scheduled: ClassVar[bool] = True
    # At most this many active runs whatever max_active_runs says (1 for @continuous).
    active_runs_limit: ClassVar[int | None] = None
    # The next run depends on when it is asked (catchup off): run creation then asks as of the
    # moment the planned run became due, so a pass that comes a little late does not skip it.
    plans_from_now: ClassVar[bool] = False
    # Runs carry a partition key (CronPartitionTimetable); the keys come from the tasks (PartitionedAtRuntime).
    partitioned: ClassVar[bool] = False
    partitioned_at_runtime: ClassVar[bool] = False
    description: str = ""

    @property
    def summary(self) -> str:
        """A short text for listings (``dags list``)."""
        return type(self).__name__

    def serialize(self) -> dict[str, Any]:
        """The arguments of this timetable as JSON, without ``kind`` and ``summary``."""
        return {}

    @classmethod
    def deserialize(cls, data: dict[str, Any], timezone: Any) -> Timetable:
        """The timetable from ``serialize()``'s output; ``timezone`` is the DAG's."""
        return cls()

    def next_dagrun_info(
        self,
        last_automated_data_interval: DataInterval | None,
        *,
        earliest: datetime | None,
        latest: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        """The run after ``last_automated_data_interval`` (None: the first run), or None.

        ``earliest``/``latest`` are the DAG's start_date and end_date (aware); without
        ``catchup`` runs that were missed before ``now`` are skipped, as each kind defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not say when its runs happen")

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        """The data interval of a run triggered by hand at ``run_after``."""
        return DataInterval.exact(run_after)

    def validate(self) -> None:
        """Raise ValueError when the arguments cannot make a schedule."""


class UnsupportedTimetable(NotImplementedError):
    """A timetable Slipstream can import but not schedule; the message names the feature."""
