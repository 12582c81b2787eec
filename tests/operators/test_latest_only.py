"""LatestOnlyOperator: only the run of the latest interval lets the tasks below run."""

from __future__ import annotations

from datetime import timedelta

from slipstream.executors.inline import InlineExecutor
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import dag_runs, task_instances
from slipstream.store.clock import utcnow

LATEST = """
from datetime import datetime, timedelta, timezone
from airflow import DAG
from airflow.operators.latest_only import LatestOnlyOperator
from airflow.operators.python import PythonOperator

start = (datetime.now(timezone.utc) - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
with DAG("latest", start_date=start, schedule="@daily", catchup=True, max_active_runs=5) as dag:
    LatestOnlyOperator(task_id="latest_only") >> PythonOperator(task_id="report", python_callable=lambda: "sent")
"""


def latest_runs(settings, db, dag_id: str) -> tuple[list, dict[str, str]]:
    """Twelve scheduler passes with inline tasks: the scheduled runs by logical date and the state
    of ``report`` in each."""
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db))
    for _ in range(12):
        scheduler.run_once()
    with db.read() as session:
        runs = sorted(
            (r for r in dag_runs.list_runs(session, dag_id) if r.run_type == "scheduled"), key=lambda r: r.logical_date
        )
        reports = {
            r.run_id: {t.task_id: t.state for t in task_instances.for_run(session, dag_id, r.run_id)}["report"]
            for r in runs
        }
    return runs, reports


def test_only_the_latest_run_of_a_cron_string_runs_the_tasks_below(settings, db, write_dag, parse):
    """Airflow 3's default: ``"@daily"`` runs at each midnight (a run whose logical date is the tick),
    so three days back gives four runs; only the one of today's tick goes on. Manual runs always do."""
    write_dag("latest.py", LATEST)
    parse()
    manual = trigger_dag(db, "latest", run_id="by_hand")
    runs, reports = latest_runs(settings, db, "latest")
    with db.read() as session:
        by_hand = {t.task_id: t.state for t in task_instances.for_run(session, "latest", manual.run_id)}
    assert len(runs) == 4
    assert all(r.state == "success" for r in runs)
    assert all(r.data_interval_start == r.data_interval_end == r.logical_date for r in runs)
    assert [reports[r.run_id] for r in runs] == ["skipped", "skipped", "skipped", "success"]
    assert by_hand["report"] == "success"
    assert runs[-1].logical_date <= utcnow() < runs[-1].logical_date + timedelta(days=1)


def test_only_the_latest_interval_runs_the_tasks_below(settings, db, write_dag, parse):
    """With Airflow 2's data intervals (a CronDataIntervalTimetable), a run covers the day before its
    end: three days back are three complete intervals, and only the last one goes on."""
    write_dag(
        "latest_interval.py",
        LATEST.replace('schedule="@daily"', 'schedule=CronDataIntervalTimetable("@daily", timezone="UTC")')
        .replace('"latest"', '"latest_interval"')
        .replace("from airflow import DAG", "from airflow import DAG\nfrom airflow.timetables.interval import CronDataIntervalTimetable"),
    )
    parse()
    runs, reports = latest_runs(settings, db, "latest_interval")
    assert len(runs) == 3
    assert all(r.state == "success" for r in runs)
    assert all(r.data_interval_end == r.data_interval_start + timedelta(days=1) for r in runs)
    assert [reports[r.run_id] for r in runs] == ["skipped", "skipped", "success"]
    assert runs[-1].data_interval_end <= utcnow() < runs[-1].data_interval_end + timedelta(days=1)
