"""TimeDeltaSensor waits until data_interval_end + delta; WaitSensor waits from when it runs."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sensor_helpers import run, run_info

from slipstream.sdk import DAG
from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sensors.time_delta import TimeDeltaSensor, TimeDeltaSensorAsync, WaitSensor


def delta_dag(**kwargs: object) -> DAG:
    dag = DAG("delta", fileloc="/nonexistent/delta.py")
    TimeDeltaSensor(task_id="wait", dag=dag, poke_interval=0.01, **kwargs)
    return dag


def test_a_target_in_the_past_is_met_at_once() -> None:
    dag = delta_dag(delta=timedelta(hours=1), timeout=1)
    info = run_info(dag, interval_end=datetime.now(UTC) - timedelta(hours=2))
    assert run(dag, "wait", info=info).state == "success"


def test_the_target_counts_from_the_end_of_the_data_interval() -> None:
    dag = delta_dag(delta=timedelta(seconds=0.15), timeout=5)
    end = datetime.now(UTC)
    started = time.monotonic()
    result = run(dag, "wait", info=run_info(dag, logical=end - timedelta(days=1), interval_end=end))
    assert result.state == "success"
    assert 0.1 <= time.monotonic() - started < 3


def test_a_target_far_ahead_is_rescheduled_when_deferrable() -> None:
    dag = DAG("delta_async", fileloc="/nonexistent/delta_async.py")
    TimeDeltaSensorAsync(task_id="wait", dag=dag, delta=timedelta(days=1), poke_interval=60)
    info = run_info(dag, interval_end=datetime.now(UTC))
    assert run(dag, "wait", info=info).state == "up_for_reschedule"


def test_delta_must_be_a_timedelta() -> None:
    with pytest.raises(DagDefinitionError, match="delta must be a timedelta"):
        delta_dag(delta=5)


def test_wait_sensor_sleeps_its_time() -> None:
    dag = DAG("wait", fileloc="/nonexistent/wait.py")
    WaitSensor(task_id="wait", dag=dag, time_to_wait=0.1)
    started = time.monotonic()
    assert run(dag, "wait").state == "success"
    assert time.monotonic() - started >= 0.1
