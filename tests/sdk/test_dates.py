"""``airflow.utils.dates``: the Airflow 2 helpers DAG files still import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pendulum
import pytest

from slipstream.sdk import dates


def test_days_ago_is_a_utc_midnight_n_days_back():
    value = dates.days_ago(3)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert isinstance(value, pendulum.DateTime)
    assert value in (today - timedelta(days=3), today - timedelta(days=2))  # the test may cross midnight
    assert dates.days_ago(0, hour=6).hour == 6


def test_date_range_with_a_delta_a_cron_or_a_count():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert dates.date_range(start, datetime(2024, 1, 3, tzinfo=UTC), delta=timedelta(days=1)) == [
        start, start + timedelta(days=1), start + timedelta(days=2)
    ]
    assert dates.date_range(start, num=3, delta=timedelta(hours=1))[-1] == start + timedelta(hours=2)
    assert dates.date_range(start, num=-2, delta=timedelta(days=1)) == [start - timedelta(days=1), start]
    assert dates.date_range(start, datetime(2024, 1, 3, tzinfo=UTC), delta="@daily") == [
        start, start + timedelta(days=1), start + timedelta(days=2)
    ]
    # As Airflow 2: start_date first, then the ticks after it.
    assert dates.date_range(start, num=3, delta="0 12 * * *") == [start, start + timedelta(hours=12), start + timedelta(hours=36)]
    assert dates.date_range(start, num=-2, delta="@daily") == [start - timedelta(days=1), start]
    assert dates.date_range(start, delta=None) == []
    with pytest.raises(ValueError, match="after end_date"):
        dates.date_range(start, start - timedelta(days=1), delta=timedelta(days=1))


def test_round_time_and_time_units():
    start = datetime(2024, 1, 1)
    assert dates.round_time(datetime(2024, 1, 1, 5), timedelta(hours=4), start) == datetime(2024, 1, 1, 4)
    assert dates.round_time(datetime(2024, 1, 1, 7), timedelta(hours=4), start) == datetime(2024, 1, 1, 8)
    assert [dates.infer_time_unit(v) for v in ([30], [600], [20000], [500000], [])] == [
        "seconds", "minutes", "hours", "days", "hours"
    ]
    assert dates.scale_time_units([7200, 3600], "hours") == [2, 1]
    assert dates.datetime_to_nano(datetime(1970, 1, 1, 0, 0, 1)) == 1_000_000_000
    assert dates.cron_presets["@hourly"] == "0 * * * *"
