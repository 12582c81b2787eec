"""The dates a real task sees are pendulum DateTimes, as in Airflow: a DAG file written with
pendulum, run by the scheduler and the local executor (task processes forked from zygotes),
uses ``.add``, ``.format``, ``.in_timezone`` in Python and in templates."""

from __future__ import annotations

from datetime import UTC, datetime

import pendulum

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import rendered_fields
from slipstream.store.log_paths import log_path

DAG_FILE = '''
import pendulum

from airflow.sdk import DAG, task
from airflow.providers.standard.operators.bash import BashOperator


@task
def look(logical_date=None, data_interval_start=None, data_interval_end=None, dag_run=None, ti=None,
         prev_data_interval_start_success=None, prev_data_interval_end_success=None,
         prev_start_date_success=None, prev_end_date_success=None):
    values = {
        "logical_date": logical_date, "data_interval_start": data_interval_start,
        "data_interval_end": data_interval_end, "dag_run.logical_date": dag_run.logical_date,
        "dag_run.start_date": dag_run.start_date, "dag_run.data_interval_end": dag_run.data_interval_end,
        "ti.start_date": ti.start_date, "prev_data_interval_start_success": prev_data_interval_start_success,
        "prev_data_interval_end_success": prev_data_interval_end_success,
        "prev_start_date_success": prev_start_date_success, "prev_end_date_success": prev_end_date_success,
    }
    for name, value in values.items():
        print(f"type {name}: {type(value).__module__}.{type(value).__name__}")
    print("tomorrow:", logical_date.add(days=1).to_date_string())
    print("formatted:", logical_date.format("YYYY-MM-DD HH:mm"))
    print("tokyo:", logical_date.in_timezone("Asia/Tokyo").isoformat())
    print("end minus start:", (data_interval_end - data_interval_start).in_hours())


with DAG(
    dag_id="pendulum_dates",
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Amsterdam"),
    schedule=None,
) as dag:
    look() >> BashOperator(
        task_id="templated",
        bash_command=(
            "echo {{ logical_date.add(days=1).to_date_string() }} "
            "{{ data_interval_end.format('YYYY/MM/DD') }} "
            "{{ logical_date.in_timezone('Asia/Tokyo').hour }} "
            "{{ dag_run.logical_date.subtract(hours=1).to_datetime_string() }} "
            "{{ macros.ds_add(ds, 3) }} {{ logical_date | ds }}"
        ),
    )
'''


def task_log(settings, run, task_id: str) -> str:
    return log_path(settings.base_log_folder, run.dag_id, run.run_id, task_id, -1, 1).read_text()


def test_context_dates_are_pendulum_in_python_and_in_templates(settings, db, write_dag, parse):
    write_dag("pendulum_dates.py", DAG_FILE)
    parse()
    first = run_dag_to_end(settings, db, "pendulum_dates", logical_date=datetime(2024, 3, 9, 18, tzinfo=UTC), timeout=60)
    assert first.state == "success", task_log(settings, first, "look")
    second = run_dag_to_end(settings, db, "pendulum_dates", logical_date=datetime(2024, 3, 10, 18, tzinfo=UTC), timeout=60)
    look_log = task_log(settings, second, "look")
    assert second.state == "success", look_log

    for name in ("logical_date", "data_interval_start", "data_interval_end", "dag_run.logical_date",
                 "dag_run.start_date", "dag_run.data_interval_end", "ti.start_date",
                 "prev_data_interval_start_success", "prev_data_interval_end_success",
                 "prev_start_date_success", "prev_end_date_success"):
        assert f"type {name}: pendulum.datetime.DateTime" in look_log, (name, look_log)
    assert "tomorrow: 2024-03-11" in look_log
    assert "formatted: 2024-03-10 18:00" in look_log
    assert "tokyo: 2024-03-11T03:00:00+09:00" in look_log

    with db.read() as session:
        row = rendered_fields.get(session, dag_id="pendulum_dates", run_id=second.run_id, task_id="templated")
    expected_end = pendulum.instance(second.data_interval_end).format("YYYY/MM/DD")
    assert row.rendered_fields["bash_command"] == (
        f"echo 2024-03-11 {expected_end} 3 2024-03-10 17:00:00 2024-03-13 2024-03-10"
    )
    assert "2024-03-11" in task_log(settings, second, "templated")
