"""``slipstream dags next-execution`` and the ``next_dagrun`` column of ``dags list``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cli_helpers import invoke, invoke_json

SCHEDULED = """
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("catching_up", schedule_interval="@daily", start_date=datetime(2020, 1, 1), catchup=True) as a:
    EmptyOperator(task_id="t")

with DAG("latest_only", schedule="0 2 * * *", start_date=datetime(2020, 1, 1), catchup=False) as b:
    EmptyOperator(task_id="t")

with DAG("manual", schedule=None, start_date=datetime(2020, 1, 1)) as c:
    EmptyOperator(task_id="t")
"""


def test_next_execution_lists_the_next_logical_dates(runner, dags_dir):
    (dags_dir / "scheduled.py").write_text(SCHEDULED)
    result = invoke(runner, "dags", "next-execution", "catching_up", "-n", "3")
    assert result.stdout.splitlines() == [
        "2020-01-01T00:00:00+00:00", "2020-01-02T00:00:00+00:00", "2020-01-03T00:00:00+00:00",
    ]
    [line] = invoke(runner, "dags", "next-execution", "latest_only").stdout.splitlines()
    logical = datetime.fromisoformat(line)
    now = datetime.now(UTC)
    # Without catchup, a 02:00 cron string's next run is its latest tick (Airflow 3's default):
    # within the last 24 hours.
    assert (logical.hour, logical.minute) == (2, 0)
    assert now - timedelta(hours=24) <= logical <= now


def test_next_execution_with_data_intervals_is_the_latest_complete_interval(runner, dags_dir, monkeypatch):
    """[scheduler] create_cron_data_intervals on (Airflow 2): the latest complete interval of a
    02:00 schedule started between 48 and 24 hours ago."""
    monkeypatch.setenv("SLIPSTREAM__SCHEDULER__CREATE_CRON_DATA_INTERVALS", "true")
    (dags_dir / "scheduled.py").write_text(SCHEDULED)
    [line] = invoke(runner, "dags", "next-execution", "latest_only").stdout.splitlines()
    logical = datetime.fromisoformat(line)
    now = datetime.now(UTC)
    assert (logical.hour, logical.minute) == (2, 0)
    assert now - timedelta(hours=48) <= logical <= now - timedelta(hours=24)


def test_next_execution_of_a_manual_dag_and_a_paused_one(runner, dags_dir):
    (dags_dir / "scheduled.py").write_text(SCHEDULED)
    result = invoke(runner, "dags", "next-execution", "manual")
    assert result.stdout.strip() == "None"
    assert "No following schedule" in result.stderr
    invoke(runner, "dags", "pause", "catching_up")
    result = invoke(runner, "dags", "next-execution", "catching_up")
    assert result.stdout.strip() == "2020-01-01T00:00:00+00:00"
    assert "PAUSED" in result.stderr
    invoke(runner, "dags", "next-execution", "missing", code=1)


def test_list_shows_next_dagrun(runner, dags_dir):
    (dags_dir / "scheduled.py").write_text(SCHEDULED)
    rows = {r["dag_id"]: r for r in invoke_json(runner, "dags", "list")}
    assert rows["catching_up"]["next_dagrun"] == "2020-01-01T00:00:00+00:00"
    assert rows["manual"]["next_dagrun"] is None
    assert rows["latest_only"]["next_dagrun"].endswith("T02:00:00+00:00")


TIMETABLES = """
import pendulum
from airflow.sdk import DAG, CronTriggerTimetable, EventsTimetable
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("weekday_mornings", start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Amsterdam"), catchup=True,
         schedule=CronTriggerTimetable("0 7 * * 1-5", timezone="Europe/Amsterdam")) as a:
    EmptyOperator(task_id="t")

with DAG("two_events", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=True,
         schedule=EventsTimetable([pendulum.datetime(2024, 2, 1, tz="UTC"), pendulum.datetime(2024, 1, 10, tz="UTC")],
                                  description="kick-offs")) as b:
    EmptyOperator(task_id="t")
"""


def test_next_execution_and_list_of_timetable_objects(runner, dags_dir):
    (dags_dir / "timetables.py").write_text(TIMETABLES)
    result = invoke(runner, "dags", "next-execution", "weekday_mornings", "-n", "6")
    # Monday 1 to Friday 5, then Monday 8 January, at 07:00 in Amsterdam (06:00 UTC).
    assert result.stdout.splitlines() == [f"2024-01-{d:02d}T06:00:00+00:00" for d in (1, 2, 3, 4, 5, 8)]
    result = invoke(runner, "dags", "next-execution", "two_events", "-n", "3")
    assert result.stdout.splitlines() == ["2024-01-10T00:00:00+00:00", "2024-02-01T00:00:00+00:00", "None"]
    rows = {r["dag_id"]: r for r in invoke_json(runner, "dags", "list")}
    assert rows["weekday_mornings"]["schedule"] == "0 7 * * 1-5"
    assert rows["two_events"]["schedule"] == "kick-offs"
    assert rows["two_events"]["next_dagrun"] == "2024-01-10T00:00:00+00:00"


PARTITIONED = """
import pendulum
from airflow.sdk import DAG, CronPartitionTimetable
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("hourly_parts", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=True,
         schedule=CronPartitionTimetable("0 * * * *", timezone="UTC")):
    EmptyOperator(task_id="t")
"""


def test_next_execution_field_and_table(runner, dags_dir, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__SCHEDULER__CREATE_CRON_DATA_INTERVALS", "true")  # runs cover a whole day
    (dags_dir / "scheduled.py").write_text(SCHEDULED)
    result = invoke(runner, "dags", "next-execution", "catching_up", "-n", "2", "--field", "data_interval.end")
    assert result.stdout.splitlines() == ["2020-01-02T00:00:00+00:00", "2020-01-03T00:00:00+00:00"]
    assert invoke(runner, "dags", "next-execution", "catching_up", "--field", "partition_key").stdout == "None\n"
    table = invoke(runner, "dags", "next-execution", "catching_up", "-n", "2", "--table").stdout
    assert "data_interval.start" in table and "run_after" in table and "partition_key" not in table
    assert table.count("2020-01-02T00:00:00+00:00") == 4  # run 1's end and run_after, run 2's date and start
    result = invoke(runner, "dags", "next-execution", "catching_up", "--table", "--field", "run_after", code=2)
    assert "--table and --field do not go together" in result.stderr


def test_next_execution_of_a_partitioned_schedule_prints_partition_keys(runner, dags_dir):
    (dags_dir / "parts.py").write_text(PARTITIONED)
    result = invoke(runner, "dags", "next-execution", "hourly_parts", "-n", "2")
    assert result.stdout.splitlines() == ["2024-01-01T00:00:00", "2024-01-01T01:00:00"]
    assert invoke(runner, "dags", "next-execution", "hourly_parts", "--field", "logical_date").stdout == "None\n"
    table = invoke(runner, "dags", "next-execution", "hourly_parts", "--table").stdout
    assert "partition_key" in table and "2024-01-01T00:00:00+00:00" in table and "logical_date" not in table
