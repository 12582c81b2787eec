"""A DAG file written for Airflow imports every sensor path Slipstream maps, and parses cleanly."""

from __future__ import annotations

from pathlib import Path

from slipstream.dagfiles.loader import load_dag_file

AIRFLOW_SENSORS_DAG = '''
from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.exceptions import AirflowRescheduleException, AirflowSensorTimeout, AirflowSkipException
from airflow.providers.standard.sensors.date_time import DateTimeSensor as StdDateTimeSensor
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor as StdExternalTaskSensor
from airflow.providers.standard.sensors.filesystem import FileSensor as StdFileSensor
from airflow.providers.standard.sensors.python import PythonSensor as StdPythonSensor
from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor as StdTimeDeltaSensor
from airflow.sdk import BaseSensorOperator as SdkBaseSensorOperator, PokeReturnValue as SdkPokeReturnValue
from airflow.sensors.base import BaseSensorOperator, PokeReturnValue
from airflow.sensors.date_time import DateTimeSensor
from airflow.sensors.external_task import ExternalTaskMarker, ExternalTaskSensor
from airflow.sensors.filesystem import FileSensor
from airflow.sensors.python import PythonSensor
from airflow.sensors.time_delta import TimeDeltaSensor
from airflow.utils.state import DagRunState, State, TaskInstanceState
from airflow.providers.standard.sensors.bash import BashSensor as StdBashSensor
from airflow.providers.standard.sensors.time import TimeSensor as StdTimeSensor
from airflow.providers.standard.sensors.weekday import DayOfWeekSensor as StdDayOfWeekSensor
from airflow.providers.standard.utils.weekday import WeekDay as StdWeekDay
from airflow.providers.standard.operators.weekday import BranchDayOfWeekOperator as StdBranchDayOfWeek
from airflow.providers.standard.operators.datetime import BranchDateTimeOperator as StdBranchDateTime
from airflow.sensors.bash import BashSensor
from airflow.sensors.time_sensor import TimeSensor
from airflow.sensors.weekday import DayOfWeekSensor
from airflow.utils.weekday import WeekDay
from airflow.operators.weekday import BranchDayOfWeekOperator
from airflow.operators.datetime import BranchDateTimeOperator
from airflow.sdk.bases.branch import BaseBranchOperator, BranchMixIn
from airflow.sdk.bases.skipmixin import SkipMixin
from airflow.providers.standard.operators.branch import BaseBranchOperator as StdBaseBranchOperator
from airflow.operators.branch import BaseBranchOperator as OldBaseBranchOperator
from airflow.models.skipmixin import SkipMixin as OldSkipMixin

assert SdkBaseSensorOperator is BaseSensorOperator and SdkPokeReturnValue is PokeReturnValue
assert StdFileSensor is FileSensor and StdPythonSensor is PythonSensor and StdDateTimeSensor is DateTimeSensor
assert StdTimeDeltaSensor is TimeDeltaSensor and StdExternalTaskSensor is ExternalTaskSensor
assert issubclass(AirflowSensorTimeout, Exception) and issubclass(AirflowRescheduleException, Exception)
assert StdBashSensor is BashSensor and StdTimeSensor is TimeSensor and StdDayOfWeekSensor is DayOfWeekSensor
assert StdWeekDay is WeekDay and StdBranchDayOfWeek is BranchDayOfWeekOperator
assert StdBranchDateTime is BranchDateTimeOperator
assert StdBaseBranchOperator is BaseBranchOperator is OldBaseBranchOperator and OldSkipMixin is SkipMixin
assert issubclass(BaseBranchOperator, BranchMixIn) and issubclass(BranchMixIn, SkipMixin)


class ReadySensor(BaseSensorOperator):
    def poke(self, context):
        return PokeReturnValue(is_done=True, xcom_value="ready")


with DAG("airflow_sensors", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    custom = ReadySensor(task_id="custom", poke_interval=5)
    files = FileSensor(task_id="files", filepath="/data/{{ ds }}/*.csv", mode="reschedule")
    python = PythonSensor(task_id="python", python_callable=lambda: True)
    delta = TimeDeltaSensor(task_id="delta", delta=timedelta(minutes=5))
    at = DateTimeSensor(task_id="at", target_time="{{ data_interval_end }}")
    other = ExternalTaskSensor(
        task_id="other", external_dag_id="upstream", external_task_id="load",
        allowed_states=[State.SUCCESS], failed_states=[TaskInstanceState.FAILED, State.UPSTREAM_FAILED],
    )
    whole = ExternalTaskSensor(task_id="whole", external_dag_id="upstream", allowed_states=[DagRunState.SUCCESS])
    marker = ExternalTaskMarker(task_id="marker", external_dag_id="downstream", external_task_id="wait")

    @task.sensor(poke_interval=1, timeout=10, mode="reschedule")
    def decorated():
        return PokeReturnValue(True, 1)

    custom >> files >> python >> delta >> at >> other >> whole >> marker >> decorated()
'''


def test_every_sensor_import_path_of_airflow_loads(tmp_path: Path) -> None:
    path = tmp_path / "airflow_sensors.py"
    path.write_text(AIRFLOW_SENSORS_DAG)
    loaded = load_dag_file(path)
    assert loaded.errors == [], loaded.errors[0].stacktrace if loaded.errors else ""
    (dag,) = loaded.dags
    assert [dag.get_task(t).operator_name for t in ("custom", "files", "other", "decorated")] == [
        "ReadySensor", "FileSensor", "ExternalTaskSensor", "@task.sensor",
    ]
    assert dag.get_task("files").mode == "reschedule"
    assert dag.get_task("decorated").timeout == 10
