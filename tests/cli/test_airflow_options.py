"""Options that Slipstream's commands take as Airflow 3.3.2's do (see test_cli_options.py for the
table): each one's behaviour, in-process on a temporary home."""

from __future__ import annotations

from cli_helpers import invoke, invoke_json
from sqlalchemy import update
from test_partition_clearing import _partitioned_runs

from slipstream.cli.environment import load_settings, open_store
from slipstream.store.models import TaskInstanceRow


def _states(runner, dag_id, run_id):
    return {r["task_id"]: r["state"] for r in invoke_json(runner, "tasks", "states-for-dag-run", dag_id, run_id)}


def test_dags_clear_by_run_id_option_partition_key_and_date_window(runner, dags_dir):
    from slipstream.scheduler.run_to_end import schedule_until_finished

    runs = _partitioned_runs(runner, dags_dir)  # partition dates 2026-01-01 (eu), 02 (us), 03 (asia)
    settings = load_settings()
    db = open_store(settings)
    assert schedule_until_finished(settings, db, "ingest_region", runs["us"], timeout=60).state == "success"

    assert "No task instances to clear." in invoke(runner, "dags", "clear", "ingest_region", "--partition-key", "eu",
                                                   "-y").stdout  # eu never ran: nothing has a state
    out = invoke(runner, "dags", "clear", "ingest_region", "--partition-key", "us", "-y").stdout
    assert f"Cleared 2 task instance(s) of DAG run ingest_region {runs['us']}" in out
    assert set(_states(runner, "ingest_region", runs["us"]).values()) == {"none"}

    assert schedule_until_finished(settings, db, "ingest_region", runs["us"], timeout=60).state == "success"
    assert "No matching DAG runs found." in invoke(
        runner, "dags", "clear", "ingest_region", "--partition-date-start", "2026-01-04", "-y").stdout
    out = invoke(runner, "dags", "clear", "ingest_region", "--partition-date-start", "2026-01-02",
                 "--partition-date-end", "2026-01-02", "-y").stdout  # a date alone: its midnight
    assert "Cleared 2 task instance(s)" in out

    assert schedule_until_finished(settings, db, "ingest_region", runs["us"], timeout=60).state == "success"
    with db.write() as session:
        session.execute(update(TaskInstanceRow).where(TaskInstanceRow.run_id == runs["us"],
                                                      TaskInstanceRow.task_id == "templated").values(state="running"))
    out = invoke(runner, "dags", "clear", "ingest_region", "--run-id", runs["us"], "-r", "-y").stdout
    assert "Cleared 1 task instance(s)" in out
    assert _states(runner, "ingest_region", runs["us"]) == {"ingest": "success", "templated": "none"}


def test_dags_clear_needs_exactly_one_choice_of_runs(runner, dags_dir):
    runs = _partitioned_runs(runner, dags_dir)
    assert "say which runs" in invoke(runner, "dags", "clear", "ingest_region", "-y", code=2).stderr
    result = invoke(runner, "dags", "clear", "ingest_region", runs["eu"], "--partition-key", "eu", "-y", code=2)
    assert "say which runs" in result.stderr
    result = invoke(runner, "dags", "clear", "ingest_region", "--partition-date-start", "2026-01-03",
                    "--partition-date-end", "2026-01-01", "-y", code=2)
    assert "after --partition-date-end" in result.stderr
    assert "not found" in invoke(runner, "dags", "clear", "ingest_region", "--run-id", "nope", "-y", code=1).stderr
