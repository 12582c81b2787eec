"""Partition mappers, windows and wait policies as authoring objects (behaviour of Airflow 3.3.2's)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from slipstream.sdk.partitions import (
    AllowedKeyMapper,
    ChainMapper,
    DayWindow,
    FanOutMapper,
    FixedKeyMapper,
    HourWindow,
    IdentityMapper,
    InvalidPartitionKey,
    MinimumCount,
    MonthWindow,
    ProductMapper,
    QuarterWindow,
    RollupMapper,
    SegmentWindow,
    StartOfDayMapper,
    StartOfHourMapper,
    StartOfMonthMapper,
    StartOfQuarterMapper,
    StartOfWeekMapper,
    StartOfYearMapper,
    WaitForAll,
    WeekWindow,
    Window,
    YearWindow,
    decode_mapper,
)

KEY = "2024-03-13T10:42:15"


@pytest.mark.parametrize(
    ("mapper", "expected"),
    [
        (StartOfHourMapper(), "2024-03-13T10"),
        (StartOfDayMapper(), "2024-03-13"),
        (StartOfWeekMapper(), "2024-03-11 (W11)"),
        (StartOfMonthMapper(), "2024-03"),
        (StartOfQuarterMapper(), "2024-Q1"),
        (StartOfYearMapper(), "2024"),
        (IdentityMapper(), KEY),
    ],
)
def test_the_key_formats_are_airflows(mapper, expected):
    assert mapper.to_downstream(KEY) == expected


def test_temporal_mappers_read_keys_in_their_zone_and_formats():
    assert StartOfDayMapper(input_format="%Y-%m-%d %H").to_downstream("2024-12-31 23") == "2024-12-31"
    # A key with an offset is moved to the mapper's zone before it is cut to its day.
    amsterdam = StartOfDayMapper(timezone="Europe/Amsterdam", input_format="%Y-%m-%dT%H:%M:%S%z")
    assert amsterdam.to_downstream("2024-03-13T23:30:00+00:00") == "2024-03-14"
    assert StartOfQuarterMapper().to_downstream("2024-11-02T00:00:00") == "2024-Q4"
    assert StartOfMonthMapper(output_format="%m/%Y").to_downstream(KEY) == "03/2024"


def test_a_key_that_does_not_match_says_what_was_expected():
    with pytest.raises(InvalidPartitionKey, match=r"StartOfDayMapper: partition key '2024-03-13' does not match "
                                                  r"input_format '%Y-%m-%dT%H:%M:%S' \(such as '2024-03-13T10:00:00'\)"):
        StartOfDayMapper().to_downstream("2024-03-13")
    with pytest.raises(InvalidPartitionKey, match="'mars' is not one of the allowed keys"):
        AllowedKeyMapper(["us", "eu"]).to_downstream("mars")
    with pytest.raises(InvalidPartitionKey, match=r"has 1 part\(s\) separated by '\|', the mapper expects 2"):
        ProductMapper(IdentityMapper(), StartOfDayMapper()).to_downstream("us")


def test_bad_arguments_are_refused_when_the_dag_file_builds_them():
    with pytest.raises(ValueError, match="max_downstream_keys must be a positive integer"):
        IdentityMapper(max_downstream_keys=0)
    with pytest.raises(ValueError, match="non-empty string downstream_key"):
        FixedKeyMapper("")
    with pytest.raises(TypeError, match="takes a list of keys, got the string 'us'"):
        AllowedKeyMapper("us")
    with pytest.raises(ValueError, match=r"must contain %d"):
        StartOfWeekMapper(output_format="%Y-W%V")
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus'"):
        StartOfDayMapper(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match=r"MinimumCount\(0\)"):
        MinimumCount(0)
    with pytest.raises(TypeError, match="SegmentWindow works on str values but StartOfDayMapper reads its keys as datetime"):
        RollupMapper(upstream_mapper=StartOfDayMapper(), window=SegmentWindow(["us"]))
    with pytest.raises(ValueError, match="SegmentWindow needs at least one segment"):
        SegmentWindow([])
    with pytest.raises(ValueError, match="no default downstream_mapper"):
        FanOutMapper(upstream_mapper=IdentityMapper(), window=SegmentWindow(["us"]))


def test_chain_and_product_mappers():
    chain = ChainMapper(StartOfHourMapper(output_format="%Y-%m-%dT%H:%M:%S"), StartOfDayMapper())
    assert chain.to_downstream(KEY) == "2024-03-13"
    product = ProductMapper(IdentityMapper(), StartOfDayMapper())
    assert product.to_downstream("us|2026-06-14T03:00:00") == "us|2026-06-14"
    assert product.to_partition_date("us|2026-06-14") == datetime(2026, 6, 14, tzinfo=UTC)
    assert ProductMapper(IdentityMapper(), IdentityMapper(), delimiter="/").to_downstream("a/b") == "a/b"


def test_a_day_rollup_needs_the_24_hours_of_its_day():
    rollup = RollupMapper(upstream_mapper=StartOfDayMapper(), window=DayWindow())
    assert rollup.to_downstream("2024-03-13T05:00:00") == "2024-03-13"
    hours = rollup.to_upstream("2024-03-13")
    assert hours == {f"2024-03-13T{h:02d}:00:00" for h in range(24)}
    assert rollup.wait_policy == WaitForAll()
    assert rollup.to_partition_date("2024-03-13") == datetime(2024, 3, 13, tzinfo=UTC)


def test_windows_list_the_members_of_their_period():
    start = datetime(2024, 2, 1)
    assert len(list(HourWindow().to_upstream(start))) == 60
    assert list(WeekWindow().to_upstream(start))[-1] == datetime(2024, 2, 7)
    assert list(WeekWindow(direction=Window.Direction.BACKWARD).to_upstream(start))[0] == datetime(2024, 1, 26)
    assert len(list(MonthWindow().to_upstream(start))) == 29
    backward_month = list(MonthWindow(direction="backward").to_upstream(datetime(2024, 3, 1)))
    assert (backward_month[0], backward_month[-1], len(backward_month)) == (datetime(2024, 2, 2), datetime(2024, 3, 1), 29)
    assert list(QuarterWindow().to_upstream(datetime(2024, 10, 1))) == [datetime(2024, m, 1) for m in (10, 11, 12)]
    assert list(YearWindow(direction="backward").to_upstream(datetime(2024, 1, 1)))[0] == datetime(2023, 2, 1)
    with pytest.raises(ValueError, match="first day of a month"):
        list(QuarterWindow().to_upstream(datetime(2024, 1, 2)))


def test_month_and_segment_rollups():
    month = RollupMapper(upstream_mapper=StartOfMonthMapper(input_format="%Y-%m-%d"), window=MonthWindow())
    assert month.to_downstream("2024-02-17") == "2024-02"
    assert month.to_upstream("2024-02") == {f"2024-02-{d:02d}" for d in range(1, 30)}
    regions = RollupMapper(upstream_mapper=FixedKeyMapper("all_regions"), window=SegmentWindow(["us", "eu", "apac"]))
    assert regions.to_downstream("eu") == "all_regions"
    assert regions.to_upstream("all_regions") == {"us", "eu", "apac"}


def test_fan_outs_give_a_key_per_member():
    weekly = FanOutMapper(upstream_mapper=StartOfWeekMapper(), window=WeekWindow())
    assert weekly.to_downstream("2024-03-11T00:00:00") == [f"2024-03-{d}" for d in range(11, 18)]
    trailing = FanOutMapper(upstream_mapper=StartOfWeekMapper(), window=WeekWindow(direction=Window.Direction.BACKWARD))
    assert trailing.to_downstream("2024-03-11T00:00:00") == [f"2024-03-{d:02d}" for d in range(5, 12)]
    segments = FanOutMapper(upstream_mapper=IdentityMapper(), window=SegmentWindow(["us", "eu"]),
                            downstream_mapper=IdentityMapper())
    assert segments.to_downstream("anything") == ["eu", "us"]


def test_wait_policies():
    expected = {"a", "b", "c"}
    assert WaitForAll().is_satisfied_by_keys(matched={"a", "b", "c", "x"}, expected=expected).satisfied
    assert not WaitForAll().is_satisfied_by_keys(matched={"a", "b"}, expected=expected).satisfied
    assert MinimumCount(2).is_satisfied_by_keys(matched={"a", "c"}, expected=expected).satisfied
    assert not MinimumCount(2).is_satisfied_by_keys(matched={"a", "x"}, expected=expected).satisfied
    assert MinimumCount(-1).is_satisfied_by_keys(matched={"a", "b"}, expected=expected).satisfied
    assert not MinimumCount(-1).is_satisfied_by_keys(matched={"a"}, expected=expected).satisfied
    never = MinimumCount(4).is_satisfied_by_keys(matched=expected, expected=expected)
    assert (never.satisfied, never.unreachable_reason) == (False, "MinimumCount(4) can never hold: the window has "
                                                                  "only 3 partition(s)")


def test_timezones_of_partition_dates():
    amsterdam = StartOfDayMapper(timezone="Europe/Amsterdam")
    assert amsterdam.to_partition_date("2024-07-01") == datetime(2024, 7, 1, tzinfo=ZoneInfo("Europe/Amsterdam"))
    rollup = RollupMapper(upstream_mapper=amsterdam, window=DayWindow())
    assert "2024-07-01T00:00:00" in rollup.to_upstream("2024-07-01")


@pytest.mark.parametrize(
    "mapper",
    [
        IdentityMapper(), AllowedKeyMapper(["us"], max_downstream_keys=3), FixedKeyMapper("all"),
        ChainMapper(StartOfHourMapper(), IdentityMapper()), ProductMapper(IdentityMapper(), StartOfYearMapper()),
        StartOfWeekMapper(timezone="Europe/Amsterdam", input_format="%Y-%m-%d"),
        RollupMapper(upstream_mapper=StartOfDayMapper(), window=DayWindow(), wait_policy=MinimumCount(-2)),
        FanOutMapper(upstream_mapper=StartOfWeekMapper(), window=WeekWindow(direction="backward"), max_downstream_keys=7),
        RollupMapper(upstream_mapper=FixedKeyMapper("all"), window=SegmentWindow(["b", "a"])),
    ],
)
def test_every_mapper_comes_back_from_its_json(mapper):
    again = decode_mapper(mapper.encode())
    assert again == mapper and type(again) is type(mapper)
    assert again.encode() == mapper.encode() and again.max_downstream_keys == mapper.max_downstream_keys


def test_airflow_import_paths_of_partitions():
    from slipstream.dagfiles.airflow_imports import airflow_imports
    from slipstream.timetables.partitioned_assets import PartitionedAssetTimetable
    from slipstream.timetables.partitions import CronPartitionTimetable, PartitionedAtRuntime

    statements = {
        "from airflow.timetables.trigger import CronPartitionTimetable": CronPartitionTimetable,
        "from airflow.sdk.definitions.timetables.trigger import CronPartitionTimetable": CronPartitionTimetable,
        "from airflow.timetables.assets import PartitionedAssetTimetable": PartitionedAssetTimetable,
        "from airflow.sdk.definitions.timetables.assets import PartitionedAtRuntime": PartitionedAtRuntime,
        "from airflow.partition_mappers.temporal import StartOfDayMapper": StartOfDayMapper,
        "from airflow.partition_mappers.window import DayWindow": DayWindow,
        "from airflow.sdk.definitions.partition_mappers.wait_policy import MinimumCount": MinimumCount,
        "from airflow.sdk import FanOutMapper": FanOutMapper,
    }
    with airflow_imports():
        for statement, expected in statements.items():
            namespace: dict = {}
            exec(statement, namespace)  # noqa: S102 - the statement a DAG file runs
            assert namespace[statement.rsplit(" ", 1)[1]] is expected, statement
