"""Time zones: the start_date's zone or the default; cron in local time across daylight saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from slipstream.timetables import DagSchedule, make_timetable
from slipstream.timetables.schedule import parse_schedule
from slipstream.timetables.timezones import dag_timezone, get_timezone, timezone_name

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")


def local_runs(schedule: str, zone: ZoneInfo, start: datetime, now: datetime) -> list[tuple[datetime, datetime]]:
    tt = make_timetable(parse_schedule(schedule, cron_data_intervals=True), zone)  # intervals: Airflow 2
    found, info = [], tt.next_dagrun_info(None, earliest=start, latest=None, catchup=True, now=now)
    while info is not None and info.run_after <= now:
        assert info.data_interval_start.tzinfo is not None and info.data_interval_start.utcoffset() == timedelta(0)
        found.append((info.data_interval_start.astimezone(zone), info.data_interval_end.astimezone(zone)))
        info = tt.next_dagrun_info(info.data_interval, earliest=start, latest=None, catchup=True, now=now)
    return found


def test_names_round_trip():
    assert timezone_name(UTC) == "UTC"
    assert timezone_name(ZoneInfo("UTC")) == "UTC"
    assert timezone_name(AMSTERDAM) == "Europe/Amsterdam"
    assert timezone_name(timezone(timedelta(hours=5, minutes=30))) == "+05:30"
    assert timezone_name(timezone(-timedelta(hours=3))) == "-03:00"
    assert get_timezone("utc") is UTC
    assert get_timezone("+05:30").utcoffset(None) == timedelta(hours=5, minutes=30)
    assert get_timezone("-03:00").utcoffset(None) == -timedelta(hours=3)
    assert get_timezone("Europe/Amsterdam") == AMSTERDAM


def test_dag_zone_is_the_start_dates_or_the_default():
    assert dag_timezone(datetime(2024, 1, 1, tzinfo=AMSTERDAM), "utc") == "Europe/Amsterdam"
    assert dag_timezone(datetime(2024, 1, 1), "America/New_York") == "America/New_York"
    assert dag_timezone(datetime(2024, 1, 1), "utc") == "UTC"
    assert dag_timezone(None, "utc") == "UTC"


def test_daily_in_a_zone_runs_at_local_midnight():
    start = datetime(2024, 1, 1, tzinfo=NEW_YORK)
    found = local_runs("@daily", NEW_YORK, start, now=datetime(2024, 1, 3, 12, tzinfo=UTC))
    assert found == [
        (datetime(2024, 1, 1, tzinfo=NEW_YORK), datetime(2024, 1, 2, tzinfo=NEW_YORK)),
        (datetime(2024, 1, 2, tzinfo=NEW_YORK), datetime(2024, 1, 3, tzinfo=NEW_YORK)),
    ]
    assert found[0][0].astimezone(UTC) == datetime(2024, 1, 1, 5, tzinfo=UTC)


def test_daily_across_spring_forward_stays_at_local_midnight_and_lasts_23_hours():
    start = datetime(2024, 3, 29, tzinfo=AMSTERDAM)
    # Clocks go from 02:00 to 03:00 on 31 March: the day of the 31st has 23 hours.
    found = local_runs("@daily", AMSTERDAM, start, now=datetime(2024, 4, 1, tzinfo=UTC))
    assert [s.replace(tzinfo=None) for s, _ in found] == [datetime(2024, 3, d) for d in (29, 30, 31)]
    lengths = [(e.astimezone(UTC) - s.astimezone(UTC)) for s, e in found]
    assert lengths == [timedelta(hours=24), timedelta(hours=24), timedelta(hours=23)]


def test_daily_across_fall_back_lasts_25_hours():
    start = datetime(2024, 10, 26, tzinfo=AMSTERDAM)
    found = local_runs("@daily", AMSTERDAM, start, now=datetime(2024, 10, 29, tzinfo=UTC))
    lengths = [(e.astimezone(UTC) - s.astimezone(UTC)) for s, e in found]
    # Clocks go from 03:00 back to 02:00 on 27 October: that day has 25 hours.
    assert [s.day for s, _ in found] == [26, 27, 28]
    assert lengths == [timedelta(hours=24), timedelta(hours=25), timedelta(hours=24)]


def test_two_am_on_the_day_that_skips_two_am():
    start = datetime(2024, 3, 30, tzinfo=AMSTERDAM)
    found = local_runs("0 2 * * *", AMSTERDAM, start, now=datetime(2024, 4, 3, tzinfo=UTC))
    starts = [s for s, _ in found]
    assert starts[0] == datetime(2024, 3, 30, 2, tzinfo=AMSTERDAM)
    assert starts[1] == datetime(2024, 3, 31, 3, tzinfo=AMSTERDAM)  # 02:00 does not exist that day
    assert starts[2] == datetime(2024, 4, 1, 2, tzinfo=AMSTERDAM)
    assert all(b > a for a, b in zip(starts, starts[1:], strict=False))


def test_hourly_across_fall_back_has_no_gap_and_no_repeat():
    start = datetime(2024, 10, 26, 22, tzinfo=UTC)
    found = local_runs("@hourly", AMSTERDAM, start, now=datetime(2024, 10, 27, 3, tzinfo=UTC))
    utc_starts = [s.astimezone(UTC) for s, _ in found]
    assert utc_starts == [datetime(2024, 10, 26, 22 + h, tzinfo=UTC) for h in range(2)] + [
        datetime(2024, 10, 27, h, tzinfo=UTC) for h in range(3)
    ]


def test_catchup_off_in_a_zone():
    data = {"schedule": parse_schedule("@daily", cron_data_intervals=True), "start_date": "2024-01-01T00:00:00+01:00",
            "end_date": None, "catchup": False, "timezone": "Europe/Amsterdam"}
    info = DagSchedule.from_serialized(data).next_info(None, datetime(2024, 7, 10, 12, tzinfo=UTC))
    assert info.logical_date == datetime(2024, 7, 9, tzinfo=AMSTERDAM)  # summer time: 22:00 UTC the day before
    assert info.logical_date == datetime(2024, 7, 8, 22, tzinfo=UTC)
