"""``airflow.utils.timezone`` / ``airflow.sdk.timezone``: pendulum dates and the default time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pendulum
import pytest

from slipstream.sdk import timezone


def test_utcnow_and_coerce_give_pendulum_datetimes():
    now = timezone.utcnow()
    assert isinstance(now, pendulum.DateTime) and now.utcoffset() == timedelta(0)
    fast = timezone.coerce_datetime(datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC))
    assert type(fast) is pendulum.DateTime and fast == datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert fast.tzinfo.name == "UTC" and fast.add(days=1).to_date_string() == "2024-01-03"
    local = timezone.coerce_datetime(datetime(2024, 7, 1, 12, tzinfo=ZoneInfo("Europe/Amsterdam")))
    assert local.tzinfo.name == "Europe/Amsterdam" and local.in_timezone("UTC").hour == 10
    assert timezone.coerce_datetime(None) is None


def test_naive_dates_are_read_in_the_default_time_zone():
    assert timezone.datetime(2024, 1, 1).utcoffset() == timedelta(0)
    with timezone.using_default_timezone("Europe/Amsterdam"):
        winter = timezone.datetime(2024, 1, 1)
        assert winter.utcoffset() == timedelta(hours=1)
        assert timezone.make_aware(datetime(2024, 7, 1)).utcoffset() == timedelta(hours=2)
        assert timezone.make_naive(datetime(2024, 7, 1, tzinfo=UTC)) == datetime(2024, 7, 1, 2)
        assert timezone.convert_to_utc(datetime(2024, 7, 1, 12)) == datetime(2024, 7, 1, 10, tzinfo=UTC)
        assert timezone.parse("2024-07-01 12:00").utcoffset() == timedelta(hours=2)
    assert timezone.datetime(2024, 1, 1, tzinfo=ZoneInfo("Asia/Tokyo")).utcoffset() == timedelta(hours=9)


def test_make_aware_takes_the_later_time_when_the_clock_goes_back():
    amsterdam = pendulum.timezone("Europe/Amsterdam")
    repeated = timezone.make_aware(datetime(2024, 10, 27, 2, 30), amsterdam)
    assert repeated.utcoffset() == timedelta(hours=1)
    skipped = timezone.make_aware(datetime(2024, 3, 31, 2, 30), amsterdam)
    assert skipped.hour == 3 and skipped.utcoffset() == timedelta(hours=2)


def test_mistakes_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="naive datetime"):
        timezone.make_aware(datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive datetime"):
        timezone.make_naive(datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="Unknown time zone 'Nowhere/City'"):
        timezone.parse_timezone("Nowhere/City")


def test_small_helpers():
    assert timezone.is_localized(datetime(2024, 1, 1, tzinfo=UTC)) and timezone.is_naive(datetime(2024, 1, 1))
    assert timezone.parse_timezone("+05:30").utcoffset(None) == timedelta(hours=5, minutes=30)
    assert timezone.parse_timezone(3600).utcoffset(None) == timedelta(hours=1)
    assert timezone.from_timestamp(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert timezone.from_timestamp(0, "Asia/Tokyo").hour == 9
    assert timezone.td_format(timedelta(days=400, seconds=3752)) == "1y:1m:10d:1h:2M:32s"
    assert [timezone.td_format(v) for v in (3752, 0.5, -70, None)] == ["1h:2M:32s", "<1s", "-1M:10s", None]
