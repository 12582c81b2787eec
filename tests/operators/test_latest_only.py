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


def test_only_the_latest_interval_runs_the_tasks_below(settings, db, write_dag, parse):
    write_dag("latest.py", LATEST)
    parse()
    manual = trigger_dag(db, "latest", run_id="by_hand")
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db))
    for _ in range(12):
        scheduler.run_once()
    with db.read() as session:
        runs = sorted(
            (r for r in dag_runs.list_runs(session, "latest") if r.run_type == "scheduled"), key=lambda r: r.logical_date
        )
        states = {r.run_id: {t.task_id: t.state for t in task_instances.for_run(session, "latest", r.run_id)} for r in runs}
        by_hand = {t.task_id: t.state for t in task_instances.for_run(session, "latest", manual.run_id)}
    assert len(runs) == 3
    assert all(r.state == "success" for r in runs)
    assert [states[r.run_id]["report"] for r in runs] == ["skipped", "skipped", "success"]
    assert by_hand["report"] == "success"
    assert runs[-1].data_interval_end <= utcnow() < runs[-1].data_interval_end + timedelta(days=1)


def test_latest_only_with_a_trigger_timetable(settings, db, write_dag, parse):
    """Runs of a trigger timetable are points in time: the latest one is the one whose tick is
    the last before now, as in Airflow 3."""
    write_dag(
        "latest_trigger.py",
        LATEST.replace('schedule="@daily"', 'schedule=CronTriggerTimetable("@daily", timezone="UTC")')
        .replace('"latest"', '"latest_trigger"')
        .replace("from airflow import DAG", "from airflow import DAG\nfrom airflow.timetables.trigger import CronTriggerTimetable"),
    )
    parse()
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db))
    for _ in range(12):
        scheduler.run_once()
    with db.read() as session:
        runs = sorted(dag_runs.list_runs(session, "latest_trigger"), key=lambda r: r.logical_date)
        reports = [
            {t.task_id: t.state for t in task_instances.for_run(session, "latest_trigger", r.run_id)}["report"]
            for r in runs
        ]
    assert [r.data_interval_start == r.data_interval_end == r.logical_date for r in runs] == [True] * 4
    assert reports == ["skipped", "skipped", "skipped", "success"]
