"""Partitioned schedules: CronPartitionTimetable's partitions, PartitionedAssetTimetable's mappers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slipstream.dagfiles.serialization import serialize_dag
from slipstream.sdk import DAG, Asset
from slipstream.sdk.partitions import (
    IdentityMapper,
    InvalidPartitionKey,
    PartitionMapper,
    RollupMapper,
    StartOfDayMapper,
    StartOfHourMapper,
    Window,
)
from slipstream.timetables import make_timetable
from slipstream.timetables.partitioned_assets import PartitionedAssetTimetable, mapper_for
from slipstream.timetables.partitions import CronPartitionTimetable, PartitionedAtRuntime
from slipstream.timetables.schedule import parse_schedule

NOW = datetime(2024, 3, 13, 10, 20, tzinfo=UTC)


def test_each_tick_is_a_partition_keyed_by_its_time():
    hourly = CronPartitionTimetable("0 * * * *", timezone="UTC")
    info = hourly.next_dagrun_info(None, earliest=datetime(2024, 3, 13, tzinfo=UTC), latest=None, catchup=True, now=NOW)
    assert info is not None and info.run_after == datetime(2024, 3, 13, tzinfo=UTC)
    assert hourly.partition_date(info.run_after) == info.run_after
    assert hourly.partition_key(info.run_after) == "2024-03-13T00:00:00"
    assert hourly.run_id(info.run_after) == "scheduled__2024-03-13T00:00:00+00:00__2024-03-13T00:00:00"
    following = hourly.next_dagrun_info(info.data_interval, earliest=None, latest=None, catchup=True, now=NOW)
    assert following is not None and following.run_after == datetime(2024, 3, 13, 1, tzinfo=UTC)


def test_run_offset_moves_the_partition_by_ticks_and_the_key_is_in_the_timetables_zone():
    daily = CronPartitionTimetable("0 0 * * *", timezone="Asia/Taipei", run_offset=-1, key_format="%Y-%m-%d")
    tick = datetime(2024, 3, 12, 16, tzinfo=UTC)  # 2024-03-13 00:00 in Taipei
    assert daily.partition_date(tick) == datetime(2024, 3, 11, 16, tzinfo=UTC)
    assert daily.partition_key(daily.partition_date(tick)) == "2024-03-12"
    assert daily.tick_of(daily.partition_date(tick)) == tick
    assert daily.decode_partition_date("2024-03-12") == datetime(2024, 3, 11, 16, tzinfo=UTC)
    with pytest.raises(InvalidPartitionKey, match="does not match the timetable's key_format '%Y-%m-%d'"):
        daily.decode_partition_date("yesterday")
    ahead = CronPartitionTimetable("0 * * * *", timezone="UTC", run_offset=2)
    assert ahead.partition_date(tick) == datetime(2024, 3, 12, 18, tzinfo=UTC)


def test_it_serializes_like_every_timetable_and_refuses_bad_arguments():
    timetable = CronPartitionTimetable("15 * * * *", timezone="Europe/Amsterdam", run_offset=1, key_format="%Y%m%d%H")
    data = parse_schedule(timetable)
    assert data is not None and data["kind"] == "cron_partition"
    again = make_timetable(data)
    assert isinstance(again, CronPartitionTimetable)
    assert (again.expression, again.run_offset, again.key_format) == ("15 * * * *", 1, "%Y%m%d%H")
    with pytest.raises(ValueError, match="run_offset must be a whole number of cron ticks"):
        CronPartitionTimetable("0 * * * *", timezone="UTC", run_offset=1.5)  # type: ignore[arg-type]


def test_partitioned_at_runtime_never_schedules():
    runtime = PartitionedAtRuntime()
    assert runtime.next_dagrun_info(None, earliest=None, latest=None, catchup=True, now=NOW) is None
    assert make_timetable(parse_schedule(runtime)).partitioned_at_runtime


def test_mappers_of_a_partitioned_asset_timetable():
    a, b = Asset("a"), Asset("b", uri="s3://b")
    timetable = PartitionedAssetTimetable(
        assets=a & b, default_partition_mapper=StartOfHourMapper(),
        partition_mapper_config={b: StartOfDayMapper(), Asset.ref(name="c"): IdentityMapper()},
    )
    encoded = timetable.encode_partitions()
    assert mapper_for(encoded, "a", "a") == StartOfHourMapper()
    assert mapper_for(encoded, "b", b.uri) == StartOfDayMapper()
    assert mapper_for(encoded, "c", "whatever") == IdentityMapper()
    assert timetable.get_partition_mapper(name="b", uri=b.uri) == StartOfDayMapper()
    assert PartitionedAssetTimetable(assets=[a]).default_partition_mapper == IdentityMapper()


def test_a_mapper_of_ones_own_cannot_reach_the_scheduler():
    class Reverse(PartitionMapper):
        def to_downstream(self, key: str) -> str:
            return key[::-1]

    class Fortnight(Window):
        expected_decoded_type = datetime

        def to_upstream(self, decoded_downstream):
            return [decoded_downstream]

    with pytest.raises(TypeError, match="default_partition_mapper is or contains a mapper or window of your own"):
        PartitionedAssetTimetable(assets=Asset("a"), default_partition_mapper=Reverse())
    nested = RollupMapper(upstream_mapper=StartOfDayMapper(), window=Fortnight())
    with pytest.raises(TypeError, match="never imports DAG files"):
        PartitionedAssetTimetable(assets=Asset("a"), partition_mapper_config={Asset("a"): nested})
    with pytest.raises(TypeError, match="must be a partition mapper"):
        PartitionedAssetTimetable(assets=Asset("a"), partition_mapper_config={Asset("a"): "identity"})


def test_the_serialized_dag_keeps_the_partitions():
    with DAG("consumer", schedule=PartitionedAssetTimetable(assets=Asset("a"), default_partition_mapper=StartOfDayMapper())) as dag:
        pass
    data = serialize_dag(dag)
    assert data["schedule"] is None and data["asset_condition"]["name"] == "a"
    assert data["partitioned"] == {"default": StartOfDayMapper().encode(), "by_asset": []}
    with DAG("producer", schedule=CronPartitionTimetable("0 * * * *", timezone="UTC")) as dag:
        pass
    data = serialize_dag(dag)
    assert data["schedule"]["kind"] == "cron_partition" and data["partitioned"] == {"cron": True}
    with DAG("plain", schedule="@daily") as dag:
        pass
    assert "partitioned" not in serialize_dag(dag)
