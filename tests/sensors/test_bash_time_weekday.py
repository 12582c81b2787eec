"""BashSensor, TimeSensor and DayOfWeekSensor through the real runner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sensor_helpers import run, run_info

from slipstream.sdk import DAG
from slipstream.sensors.bash import BashSensor
from slipstream.sensors.time_of_day import DayOfWeekSensor, TimeSensor, TimeSensorAsync


def one(sensor_type: type, **kwargs) -> DAG:
    dag = DAG("sensing", start_date=datetime(2024, 1, 1, tzinfo=UTC))
    sensor_type(task_id="s", dag=dag, poke_interval=0.05, timeout=0.3, **kwargs)
    return dag


def test_bash_sensor_waits_for_exit_code_zero(tmp_path):
    flag = tmp_path / "ready"
    flag.write_text("")
    assert run(one(BashSensor, bash_command=f"test -e {flag} && ls"), "s").state == "success"
    # never 0: the sensor times out
    result = run(one(BashSensor, bash_command="exit 3"), "s")
    assert result.state == "failed" and "AirflowSensorTimeout" in result.error


def test_bash_sensor_with_a_retry_exit_code_fails_on_any_other_code():
    result = run(one(BashSensor, bash_command="exit 3", retry_exit_code=1), "s")
    assert result.state == "failed"
    assert "Command exited with return code 3 (only 1 means: poke again)" in result.error
    assert run(one(BashSensor, bash_command="exit 1", retry_exit_code=1), "s").state == "failed"  # timed out


def test_bash_sensor_runs_in_a_temporary_folder():
    assert run(one(BashSensor, bash_command='case "$(basename "$PWD")" in slipstreamtmp*) exit 0;; esac; exit 1'), "s").state == "success"


def test_time_sensor_compares_with_today_at_the_time_in_the_dags_zone():
    past = (datetime.now(UTC) - timedelta(minutes=5)).time().replace(microsecond=0)
    assert run(one(TimeSensor, target_time=past), "s").state == "success"
    later = (datetime.now(UTC) + timedelta(hours=2)).time()
    dag = one(TimeSensor, target_time=later)
    sensor = dag.get_task("s")
    assert sensor.target_datetime.tzinfo is not None
    if sensor.target_datetime > datetime.now(UTC):  # not past midnight
        assert run(dag, "s").state == "failed"
    assert TimeSensorAsync(task_id="a", target_time=past).mode == "reschedule"
    with pytest.raises(TypeError, match="target_time must be a datetime.time"):
        TimeSensor(task_id="bad", target_time="10:00")


def test_day_of_week_sensor_on_the_logical_date():
    wednesday = datetime(2024, 1, 3, tzinfo=UTC)
    dag = one(DayOfWeekSensor, week_day={"Wednesday", "Thursday"}, use_task_logical_date=True)
    assert run(dag, "s", info=run_info(dag, logical=wednesday)).state == "success"
    dag = one(DayOfWeekSensor, week_day="Sunday", use_task_logical_date=True)
    assert run(dag, "s", info=run_info(dag, logical=wednesday)).state == "failed"
    today = datetime.now(UTC).strftime("%A")
    assert run(one(DayOfWeekSensor, week_day=today), "s").state == "success"
