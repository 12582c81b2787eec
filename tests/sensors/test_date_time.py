"""DateTimeSensor: a datetime or a templated ISO string; naive times are UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sensor_helpers import run, run_info

from slipstream.sdk import DAG
from slipstream.sensors.date_time import DateTimeSensor, DateTimeSensorAsync


def time_dag(target: object, **kwargs: object) -> DAG:
    dag = DAG("at_time", fileloc="/nonexistent/at_time.py")
    DateTimeSensor(task_id="wait", dag=dag, target_time=target, poke_interval=0.01, timeout=0.05, **kwargs)
    return dag


def test_a_past_datetime_is_met() -> None:
    assert run(time_dag(datetime(2020, 1, 1, tzinfo=UTC)), "wait").state == "success"


def test_a_future_datetime_times_out() -> None:
    assert run(time_dag(datetime.now(UTC) + timedelta(hours=1)), "wait").state == "failed"


def test_a_datetime_is_kept_as_an_iso_string() -> None:
    dag = time_dag(datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC))
    assert dag.get_task("wait").target_time == "2030-05-06T07:08:09+00:00"


def test_target_time_is_templated() -> None:
    dag = time_dag("{{ data_interval_end }}")
    past = run_info(dag, interval_end=datetime.now(UTC) - timedelta(minutes=5))
    assert run(dag, "wait", info=past).state == "success"
    dag = time_dag("{{ data_interval_end }}")
    future = run_info(dag, interval_end=datetime.now(UTC) + timedelta(minutes=5))
    assert run(dag, "wait", info=future).state == "failed"


def test_a_naive_time_is_utc() -> None:
    soon_naive = (datetime.now(UTC) + timedelta(minutes=30)).replace(tzinfo=None).isoformat()
    assert run(time_dag(soon_naive), "wait").state == "failed"


def test_a_bad_string_fails_the_try_clearly() -> None:
    result = run(time_dag("next tuesday"), "wait")
    assert result.state == "failed"
    assert "not an ISO 8601" in (result.error or "")


def test_other_types_are_refused() -> None:
    with pytest.raises(TypeError, match="target_time must be a str or a datetime"):
        time_dag(12345)


def test_the_async_spelling_reschedules() -> None:
    dag = DAG("at_time_async", fileloc="/nonexistent/at_time_async.py")
    DateTimeSensorAsync(task_id="wait", dag=dag, target_time=datetime.now(UTC) + timedelta(hours=1))
    assert run(dag, "wait").state == "up_for_reschedule"
