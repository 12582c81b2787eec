"""The timetable classes of Airflow's authoring surface as pure functions: trigger timetables
(cron, delta, several crons), events, @continuous, relativedelta intervals; and each one
serialized as the parser stores it and rebuilt as the scheduler does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pendulum
import pytest
from dateutil.relativedelta import relativedelta

from slipstream.timetables import (
    ContinuousTimetable,
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DagRunInfo,
    DataInterval,
    DeltaDataIntervalTimetable,
    DeltaTriggerTimetable,
    EventsTimetable,
    MultipleCronTriggerTimetable,
    Timetable,
    make_timetable,
)
from slipstream.timetables.partitioned_assets import PartitionedAssetTimetable
from slipstream.timetables.schedule import parse_schedule


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rebuilt(timetable: Timetable, dag_timezone: str = "UTC") -> Timetable:
    """The timetable as the scheduler gets it: serialized to JSON by the parser, then rebuilt."""
    stored = json.loads(json.dumps(parse_schedule(timetable, "dag")))
    return make_timetable(stored, dag_timezone)


def runs(tt: Timetable, *, start=None, end=None, catchup=True, now, last=None, limit=50) -> list[DagRunInfo]:
    """Every run the scheduler would create up to ``now``, one after the other."""
    found: list[DagRunInfo] = []
    info = tt.next_dagrun_info(last, earliest=start, latest=end, catchup=catchup, now=now)
    while info is not None and info.run_after <= now and len(found) < limit:
        found.append(info)
        info = tt.next_dagrun_info(info.data_interval, earliest=start, latest=end, catchup=catchup, now=now)
    return found


def test_cron_trigger_runs_at_each_tick_with_the_tick_as_logical_date():
    tt = rebuilt(CronTriggerTimetable("0 6 * * *", timezone="UTC"))
    assert isinstance(tt, CronTriggerTimetable) and tt.summary == "0 6 * * *"
    found = runs(tt, start=utc(2024, 1, 1), now=utc(2024, 1, 3, 12))
    assert [r.run_after for r in found] == [utc(2024, 1, 1, 6), utc(2024, 1, 2, 6), utc(2024, 1, 3, 6)]
    assert all(r.logical_date == r.run_after == r.data_interval_end for r in found)


def test_cron_trigger_interval_sets_the_data_interval_before_the_tick():
    tt = rebuilt(CronTriggerTimetable("@daily", timezone="UTC", interval=timedelta(hours=4)))
    [first] = runs(tt, start=utc(2024, 1, 1), now=utc(2024, 1, 1, 1))
    assert first == DagRunInfo(utc(2023, 12, 31, 20), utc(2024, 1, 1), utc(2024, 1, 1))
    assert tt.infer_manual_data_interval(run_after=utc(2024, 5, 5, 5)) == DataInterval(utc(2024, 5, 5, 1), utc(2024, 5, 5, 5))
    monthly = rebuilt(CronTriggerTimetable("0 0 1 * *", timezone="UTC", interval=relativedelta(months=1)))
    assert runs(monthly, start=utc(2024, 3, 1), now=utc(2024, 3, 2))[0].data_interval == DataInterval(
        utc(2024, 2, 1), utc(2024, 3, 1)
    )


def test_cron_trigger_without_catchup_runs_the_latest_tick_then_the_following():
    tt = rebuilt(CronTriggerTimetable("0 * * * *", timezone="UTC"))
    found = runs(tt, start=utc(2024, 1, 1), catchup=False, now=utc(2024, 1, 5, 10, 20))
    assert [r.logical_date for r in found] == [utc(2024, 1, 5, 10)]
    following = tt.next_dagrun_info(found[0].data_interval, earliest=utc(2024, 1, 1), latest=None, catchup=False,
                                    now=utc(2024, 1, 5, 10, 20))
    assert following.run_after == utc(2024, 1, 5, 11)
    # Down for a day: the missed ticks are skipped, the latest one runs.
    after_downtime = tt.next_dagrun_info(found[0].data_interval, earliest=utc(2024, 1, 1), latest=None,
                                         catchup=False, now=utc(2024, 1, 6, 10, 20))
    assert after_downtime.run_after == utc(2024, 1, 6, 10)


@pytest.mark.parametrize(
    ("run_immediately", "now", "first"),
    [
        (True, utc(2024, 1, 1, 23), utc(2024, 1, 1)),  # always the latest past tick
        (False, utc(2024, 1, 1, 2), utc(2024, 1, 1)),  # within a tenth of the day since midnight
        (False, utc(2024, 1, 1, 3), utc(2024, 1, 2)),  # too late: wait for the next tick
        (None, utc(2024, 1, 1, 2), utc(2024, 1, 1)),
        (timedelta(hours=5), utc(2024, 1, 1, 4, 59), utc(2024, 1, 1)),
        (timedelta(hours=5), utc(2024, 1, 1, 5, 1), utc(2024, 1, 2)),
    ],
)
def test_cron_trigger_run_immediately_decides_the_first_run_without_start_date(run_immediately, now, first):
    tt = rebuilt(CronTriggerTimetable("@daily", timezone="UTC", run_immediately=run_immediately))
    info = tt.next_dagrun_info(None, earliest=None, latest=None, catchup=True, now=now)
    assert info.run_after == first


def test_cron_trigger_follows_its_own_time_zone_across_daylight_saving():
    amsterdam = ZoneInfo("Europe/Amsterdam")
    tt = rebuilt(CronTriggerTimetable("30 2 * * *", timezone=pendulum.timezone("Europe/Amsterdam")))
    found = runs(tt, start=utc(2024, 3, 29), now=utc(2024, 4, 2))
    assert [r.run_after.astimezone(amsterdam).strftime("%d %H:%M %Z") for r in found] == [
        "29 02:30 CET", "30 02:30 CET", "31 03:30 CEST", "01 02:30 CEST"  # 02:30 does not exist on the 31st
    ]
    assert parse_schedule(tt)["timezone"] == "Europe/Amsterdam"


def test_delta_trigger_runs_every_delta_from_start_date():
    tt = rebuilt(DeltaTriggerTimetable(timedelta(hours=8), interval=timedelta(hours=1)))
    found = runs(tt, start=utc(2024, 1, 1, 2), now=utc(2024, 1, 2, 3))
    assert [r.run_after for r in found] == [utc(2024, 1, 1, 2), utc(2024, 1, 1, 10), utc(2024, 1, 1, 18), utc(2024, 1, 2, 2)]
    assert found[1].data_interval == DataInterval(utc(2024, 1, 1, 9), utc(2024, 1, 1, 10))
    # Without catchup and without runs: now; then every delta after the last run.
    first = tt.next_dagrun_info(None, earliest=utc(2024, 1, 1), latest=None, catchup=False, now=utc(2024, 6, 1, 7, 7))
    assert first.run_after == utc(2024, 6, 1, 7, 7)
    following = tt.next_dagrun_info(first.data_interval, earliest=utc(2024, 1, 1), latest=None, catchup=False,
                                    now=utc(2024, 6, 1, 7, 8))
    assert following.run_after == utc(2024, 6, 1, 15, 7)


def test_multiple_cron_trigger_runs_at_the_ticks_of_every_expression_once():
    tt = rebuilt(MultipleCronTriggerTimetable("0 0 * * *", "0 12 * * *", "0 0 * * 1", timezone="UTC"))
    assert tt.summary == "0 0 * * *, 0 12 * * *, 0 0 * * 1"
    found = runs(tt, start=utc(2024, 1, 1), now=utc(2024, 1, 2, 13))  # 2024-01-01 is a Monday
    assert [r.run_after for r in found] == [utc(2024, 1, 1), utc(2024, 1, 1, 12), utc(2024, 1, 2), utc(2024, 1, 2, 12)]
    # Without catchup: the latest tick due now, else the earliest to come.
    info = tt.next_dagrun_info(None, earliest=utc(2024, 1, 1), latest=None, catchup=False, now=utc(2024, 1, 5, 15))
    assert info.run_after == utc(2024, 1, 5, 12)
    info = tt.next_dagrun_info(info.data_interval, earliest=utc(2024, 1, 1), latest=None, catchup=False,
                               now=utc(2024, 1, 5, 15))
    assert info.run_after == utc(2024, 1, 6)


def test_events_run_at_each_listed_moment_once():
    events = [pendulum.datetime(2024, 3, 1, 18, tz="Europe/Amsterdam"), datetime(2024, 1, 15, 9),
              utc(2024, 2, 1), utc(2024, 2, 1)]
    tt = rebuilt(EventsTimetable(event_dates=events, description="home matches"))
    assert tt.summary == "home matches"
    found = runs(tt, start=utc(2024, 1, 1), now=utc(2024, 12, 1))
    assert [r.logical_date for r in found] == [utc(2024, 1, 15, 9), utc(2024, 2, 1), utc(2024, 3, 1, 17)]
    assert all(r.data_interval_start == r.data_interval_end == r.run_after for r in found)
    # Start and end dates bound the events; without catchup only the events to come run.
    assert [r.logical_date for r in runs(tt, start=utc(2024, 1, 20), end=utc(2024, 2, 10), now=utc(2024, 12, 1))] == [
        utc(2024, 2, 1)
    ]
    upcoming = tt.next_dagrun_info(None, earliest=utc(2024, 1, 1), latest=None, catchup=False, now=utc(2024, 1, 20))
    assert upcoming.logical_date == utc(2024, 2, 1)
    assert EventsTimetable([utc(2024, 1, 1), utc(2024, 1, 2)]).summary == "2 events"


def test_events_restricted_to_events_date_manual_runs_at_the_latest_event():
    tt = rebuilt(EventsTimetable([utc(2024, 2, 1), utc(2024, 1, 1)], restrict_to_events=True))
    assert tt.infer_manual_data_interval(run_after=utc(2024, 1, 20)) == DataInterval.exact(utc(2024, 1, 1))
    assert tt.infer_manual_data_interval(run_after=utc(2023, 1, 1)) == DataInterval.exact(utc(2024, 1, 1))
    free = rebuilt(EventsTimetable([utc(2024, 1, 1)]))
    assert free.infer_manual_data_interval(run_after=utc(2024, 1, 20)) == DataInterval.exact(utc(2024, 1, 20))


def test_continuous_runs_one_after_the_other_covering_the_time_between():
    tt = rebuilt(ContinuousTimetable())
    assert tt.active_runs_limit == 1 and parse_schedule("@continuous") == {"kind": "continuous", "summary": "@continuous"}
    first = tt.next_dagrun_info(None, earliest=utc(2024, 1, 1), latest=None, catchup=False, now=utc(2024, 1, 1, 5))
    assert first == DagRunInfo(utc(2024, 1, 1), utc(2024, 1, 1, 5), utc(2024, 1, 1, 5))
    second = tt.next_dagrun_info(first.data_interval, earliest=utc(2024, 1, 1), latest=None, catchup=False,
                                 now=utc(2024, 1, 1, 5, 3))
    assert second == DagRunInfo(utc(2024, 1, 1, 5), utc(2024, 1, 1, 5, 3), utc(2024, 1, 1, 5, 3))
    assert tt.next_dagrun_info(second.data_interval, earliest=None, latest=utc(2024, 1, 1, 5, 3), catchup=False,
                               now=utc(2024, 1, 1, 6)) is None


def test_data_interval_timetables_as_objects_and_relativedelta_schedules():
    cron = rebuilt(CronDataIntervalTimetable("0 3 * * *", timezone="Asia/Tokyo"))
    [run] = runs(cron, start=utc(2024, 1, 1), now=utc(2024, 1, 2, 19))
    assert run.data_interval == DataInterval(utc(2024, 1, 1, 18), utc(2024, 1, 2, 18))  # 03:00 in Tokyo
    monthly = rebuilt(DeltaDataIntervalTimetable(relativedelta(months=1)))
    found = runs(monthly, start=utc(2024, 1, 31), now=utc(2024, 5, 1))
    assert [r.logical_date for r in found] == [utc(2024, 1, 31), utc(2024, 2, 29), utc(2024, 3, 29)]
    assert parse_schedule(relativedelta(months=1), delta_data_intervals=True)["relativedelta"] == {"months": 1}
    assert parse_schedule(relativedelta(months=1))["delta"] == {"months": 1}  # a DeltaTriggerTimetable by default
    latest = monthly.next_dagrun_info(None, earliest=utc(2024, 1, 31), latest=None, catchup=False, now=utc(2024, 6, 15))
    assert latest.data_interval == DataInterval(utc(2024, 4, 29), utc(2024, 5, 29))


def test_bad_arguments_and_unsupported_timetables_say_what_is_wrong():
    with pytest.raises(ValueError, match="Invalid cron expression '61 \\* \\* \\* \\*'"):
        CronTriggerTimetable("61 * * * *", timezone="UTC")
    with pytest.raises(ValueError, match="Unknown time zone|No time zone"):
        CronTriggerTimetable("@daily", timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="positive"):
        DeltaTriggerTimetable(timedelta(0))
    with pytest.raises(ValueError, match="at least one cron"):
        MultipleCronTriggerTimetable(timezone="UTC")
    with pytest.raises(TypeError, match=r"PartitionedAssetTimetable\(assets=...\) needs an asset"):
        PartitionedAssetTimetable(assets=[])


def test_partitioned_at_runtime_runs_only_when_triggered():
    from slipstream.timetables.partitions import PartitionedAtRuntime
    from slipstream.timetables.simple import NullTimetable

    assert parse_schedule(NullTimetable()) is None
    assert parse_schedule(PartitionedAtRuntime())["kind"] == "partitioned_at_runtime"
    never = PartitionedAtRuntime().next_dagrun_info(
        None, earliest=utc(2024, 1, 1), latest=None, catchup=True, now=utc(2024, 6, 1)
    )
    assert never is None


def test_a_dag_takes_a_timetable_as_schedule_or_as_airflow_2s_timetable_argument():
    from slipstream.sdk import DAG
    from slipstream.sdk.exceptions import DagDefinitionError

    trigger = CronTriggerTimetable("0 7 * * *", timezone="Asia/Tokyo")
    old_style = DAG("old_style", timetable=trigger, start_date=utc(2024, 1, 1))
    assert old_style.schedule is trigger
    assert isinstance(old_style.timetable, CronTriggerTimetable) and old_style.timetable.summary == "0 7 * * *"
    assert DAG("daily", schedule="@daily", start_date=utc(2024, 1, 1)).timetable.summary == "@daily"
    with pytest.raises(DagDefinitionError, match="either schedule or timetable"):
        DAG("both", schedule="@daily", timetable=trigger)


def test_continuous_dags_run_one_run_at_a_time():
    from slipstream.sdk import DAG
    from slipstream.sdk.exceptions import DagDefinitionError

    DAG("one", schedule="@continuous", start_date=utc(2024, 1, 1), max_active_runs=1).validate()
    with pytest.raises(DagDefinitionError, match="max_active_runs must be 1"):
        DAG("three", schedule=ContinuousTimetable(), start_date=utc(2024, 1, 1), max_active_runs=3).validate()
