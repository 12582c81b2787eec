"""Timetables as pure functions: cron and presets, timedelta, @once, None; start/end dates; catchup.

Cron strings and timedeltas are read here with data intervals (``[scheduler]
create_cron_data_intervals`` / ``create_delta_data_intervals`` on, Airflow 2), whose runs these
tests follow; their default, a run at each tick, is ``test_trigger_timetables_by_default``'s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slipstream.timetables import (
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DagRunInfo,
    DagSchedule,
    DataInterval,
    DeltaDataIntervalTimetable,
    DeltaTriggerTimetable,
    NullTimetable,
    OnceTimetable,
    make_timetable,
)
from slipstream.timetables.schedule import parse_schedule


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def with_data_intervals(schedule):
    return parse_schedule(schedule, cron_data_intervals=True, delta_data_intervals=True)


def timetable(schedule, tz: str = "UTC"):
    return make_timetable(with_data_intervals(schedule), tz)


def runs(tt, *, start, end=None, catchup=True, now, last=None, limit=100) -> list[DagRunInfo]:
    """Every run the scheduler would create up to ``now``, one after the other."""
    found: list[DagRunInfo] = []
    info = tt.next_dagrun_info(last, earliest=start, latest=end, catchup=catchup, now=now)
    while info is not None and info.run_after <= now and len(found) < limit:
        found.append(info)
        info = tt.next_dagrun_info(info.data_interval, earliest=start, latest=end, catchup=catchup, now=now)
    return found


def test_make_timetable_kinds():
    assert isinstance(make_timetable(None), NullTimetable)
    assert isinstance(timetable("@once"), OnceTimetable)
    assert isinstance(timetable("@daily"), CronDataIntervalTimetable)
    assert isinstance(timetable("*/5 * * * *"), CronDataIntervalTimetable)
    assert isinstance(timetable(timedelta(hours=6)), DeltaDataIntervalTimetable)


def test_trigger_timetables_by_default():
    """Airflow 3's defaults: a run at each tick, its logical date the tick, its interval that instant."""
    daily, every_6h = make_timetable(parse_schedule("@daily"), "UTC"), make_timetable(parse_schedule(timedelta(hours=6)))
    assert isinstance(daily, CronTriggerTimetable) and isinstance(every_6h, DeltaTriggerTimetable)
    info = daily.next_dagrun_info(None, earliest=utc(2024, 1, 1), latest=None, catchup=True, now=utc(2024, 1, 1))
    assert info == DagRunInfo(utc(2024, 1, 1), utc(2024, 1, 1), utc(2024, 1, 1))
    assert [r.logical_date for r in runs(every_6h, start=utc(2024, 1, 1), now=utc(2024, 1, 1, 12))] == [
        utc(2024, 1, 1, h) for h in (0, 6, 12)
    ]


def test_daily_interval_is_created_at_its_end_with_logical_date_at_its_start():
    info = timetable("@daily").next_dagrun_info(None, earliest=utc(2024, 1, 1), latest=None, catchup=True, now=utc(2024, 1, 1))
    assert info == DagRunInfo(utc(2024, 1, 1), utc(2024, 1, 2), utc(2024, 1, 2))
    assert info.logical_date == utc(2024, 1, 1)
    assert info.data_interval == DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))


@pytest.mark.parametrize(
    ("preset", "first", "second"),
    [
        ("@hourly", utc(2024, 1, 1, 0), utc(2024, 1, 1, 1)),
        ("@daily", utc(2024, 1, 1), utc(2024, 1, 2)),
        ("@midnight", utc(2024, 1, 1), utc(2024, 1, 2)),
        ("@weekly", utc(2024, 1, 7), utc(2024, 1, 14)),  # Sundays at midnight
        ("@monthly", utc(2024, 1, 1), utc(2024, 2, 1)),
        ("@quarterly", utc(2024, 1, 1), utc(2024, 4, 1)),
        ("@yearly", utc(2024, 1, 1), utc(2025, 1, 1)),
        ("@annually", utc(2024, 1, 1), utc(2025, 1, 1)),
        ("0 2 * * *", utc(2024, 1, 1, 2), utc(2024, 1, 2, 2)),
    ],
)
def test_presets_and_cron(preset, first, second):
    info = timetable(preset).next_dagrun_info(None, earliest=utc(2024, 1, 1), latest=None, catchup=True, now=utc(2030, 1, 1))
    assert (info.data_interval_start, info.data_interval_end, info.run_after) == (first, second, second)


def test_start_date_off_the_schedule_is_aligned_to_the_next_tick():
    info = timetable("@daily").next_dagrun_info(
        None, earliest=utc(2024, 1, 1, 10, 30), latest=None, catchup=True, now=utc(2024, 2, 1)
    )
    assert info.data_interval == DataInterval(utc(2024, 1, 2), utc(2024, 1, 3))


def test_catchup_on_creates_every_missed_interval_in_order():
    found = runs(timetable("@daily"), start=utc(2024, 1, 1), catchup=True, now=utc(2024, 1, 11, 5))
    assert [r.logical_date for r in found] == [utc(2024, 1, d) for d in range(1, 11)]
    assert all(r.data_interval_end - r.data_interval_start == timedelta(days=1) for r in found)


def test_catchup_off_creates_only_the_latest_complete_interval():
    tt = timetable("@daily")
    found = runs(tt, start=utc(2024, 1, 1), catchup=False, now=utc(2024, 1, 11, 5))
    assert [r.data_interval for r in found] == [DataInterval(utc(2024, 1, 10), utc(2024, 1, 11))]
    # Exactly on a boundary, the interval that just ended is the latest.
    found = runs(tt, start=utc(2024, 1, 1), catchup=False, now=utc(2024, 1, 11))
    assert [r.logical_date for r in found] == [utc(2024, 1, 10)]
    # After a run, the next one is the following interval, due at its end.
    info = tt.next_dagrun_info(found[0].data_interval, earliest=utc(2024, 1, 1), latest=None, catchup=False, now=utc(2024, 1, 11, 5))
    assert info == DagRunInfo(utc(2024, 1, 11), utc(2024, 1, 12), utc(2024, 1, 12))
    # Down for three days with catchup off: the missed intervals are skipped.
    info = tt.next_dagrun_info(found[0].data_interval, earliest=utc(2024, 1, 1), latest=None, catchup=False, now=utc(2024, 1, 14, 5))
    assert info.logical_date == utc(2024, 1, 13)


def test_start_date_in_the_future_waits_for_it():
    for catchup in (True, False):
        info = timetable("@daily").next_dagrun_info(
            None, earliest=utc(2024, 6, 1), latest=None, catchup=catchup, now=utc(2024, 1, 1)
        )
        assert info == DagRunInfo(utc(2024, 6, 1), utc(2024, 6, 2), utc(2024, 6, 2))


def test_end_date_stops_the_runs():
    found = runs(timetable("@daily"), start=utc(2024, 1, 1), end=utc(2024, 1, 3), now=utc(2024, 2, 1))
    # Airflow: a run whose interval starts at end_date still happens, none after it.
    assert [r.logical_date for r in found] == [utc(2024, 1, 1), utc(2024, 1, 2), utc(2024, 1, 3)]
    assert timetable("@daily").next_dagrun_info(
        found[-1].data_interval, earliest=utc(2024, 1, 1), latest=utc(2024, 1, 3), catchup=True, now=utc(2024, 2, 1)
    ) is None


def test_changed_schedule_realigns_after_the_last_run():
    hourly_last = DataInterval(utc(2024, 1, 1, 9), utc(2024, 1, 1, 10))
    info = timetable("@daily").next_dagrun_info(hourly_last, earliest=utc(2024, 1, 1), latest=None, catchup=True, now=utc(2024, 1, 5))
    assert info.data_interval == DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))


def test_timedelta_schedule():
    tt = timetable(timedelta(hours=6))
    found = runs(tt, start=utc(2024, 1, 1, 3), catchup=True, now=utc(2024, 1, 2, 3))
    assert [r.logical_date for r in found] == [utc(2024, 1, 1, 3), utc(2024, 1, 1, 9), utc(2024, 1, 1, 15), utc(2024, 1, 1, 21)]
    assert found[0].run_after == utc(2024, 1, 1, 9)
    # Catchup off: the latest complete interval on start_date's grid.
    found = runs(tt, start=utc(2024, 1, 1, 3), catchup=False, now=utc(2024, 1, 5, 10))
    assert [r.data_interval for r in found] == [DataInterval(utc(2024, 1, 5, 3), utc(2024, 1, 5, 9))]


def test_once_runs_once_at_start_date_whatever_catchup_says():
    tt = timetable("@once")
    for catchup in (True, False):
        info = tt.next_dagrun_info(None, earliest=utc(2024, 1, 1), latest=None, catchup=catchup, now=utc(2025, 1, 1))
        assert info == DagRunInfo(utc(2024, 1, 1), utc(2024, 1, 1), utc(2024, 1, 1))
        assert tt.next_dagrun_info(info.data_interval, earliest=utc(2024, 1, 1), latest=None, catchup=catchup, now=utc(2025, 1, 1)) is None
    assert tt.next_dagrun_info(None, earliest=utc(2024, 1, 2), latest=utc(2024, 1, 1), catchup=True, now=utc(2025, 1, 1)) is None


def test_none_is_manual_only():
    tt = make_timetable(None)
    assert tt.next_dagrun_info(None, earliest=utc(2024, 1, 1), latest=None, catchup=True, now=utc(2025, 1, 1)) is None


def test_dag_schedule_from_serialized_resolves_catchup_by_default():
    data = {"schedule": with_data_intervals("@daily"), "start_date": "2024-01-01T00:00:00+00:00", "end_date": None,
            "catchup": None, "timezone": "UTC"}
    now = utc(2024, 1, 4, 12)
    off = DagSchedule.from_serialized(data, catchup_by_default=False)
    on = DagSchedule.from_serialized(data, catchup_by_default=True)
    assert off.next_info(None, now).logical_date == utc(2024, 1, 3)
    assert on.next_info(None, now).logical_date == utc(2024, 1, 1)
    explicit = DagSchedule.from_serialized({**data, "catchup": False}, catchup_by_default=True)
    assert explicit.next_info(None, now).logical_date == utc(2024, 1, 3)
    upcoming = on.upcoming(None, now)
    assert [next(upcoming).logical_date for _ in range(3)] == [utc(2024, 1, d) for d in (1, 2, 3)]
