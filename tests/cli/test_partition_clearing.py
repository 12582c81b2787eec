"""``partitions clear`` and ``state-store clean``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cli_helpers import invoke, invoke_json
from sqlalchemy import update
from test_partition_cli import RUNTIME_DAG

from slipstream.cli.environment import load_settings, open_store
from slipstream.store import dag_runs, task_state
from slipstream.store.models import DagRunRow


def _partitioned_runs(runner, dags_dir):
    (dags_dir / "runtime.py").write_text(RUNTIME_DAG)
    runs = {}
    for key, day in (("eu", 1), ("us", 2), ("asia", 3)):
        [run] = invoke_json(runner, "dags", "trigger", "ingest_region", "--partition-key", key)
        runs[key] = run["run_id"]
        with open_store(load_settings()).write() as session:
            session.execute(update(DagRunRow).where(DagRunRow.run_id == run["run_id"])
                            .values(partition_date=datetime(2026, 1, day, tzinfo=UTC)))
    return runs


def _partition(run_id):
    with open_store(load_settings()).read() as session:
        row = dag_runs.get(session, "ingest_region", run_id)
        return row.partition_key, row.partition_date


def test_clear_by_key_by_run_and_by_dates(runner, dags_dir):
    runs = _partitioned_runs(runner, dags_dir)
    dry = invoke(runner, "partitions", "clear", "-d", "ingest_region", "-k", "eu", "--dry-run").stdout
    assert "1 run(s) of ingest_region would be cleared." in dry and runs["eu"] in dry
    assert _partition(runs["eu"])[0] == "eu"
    invoke(runner, "partitions", "clear", "-d", "ingest_region", "-k", "eu")
    assert _partition(runs["eu"]) == (None, None)
    out = invoke(runner, "partitions", "clear", "-d", "ingest_region", "--date", "2026-01-02~2026-01-03").stdout
    assert "2 run(s) of ingest_region cleared." in out
    assert _partition(runs["us"]) == (None, None) and _partition(runs["asia"]) == (None, None)
    assert "0 run(s)" in invoke(runner, "partitions", "clear", "-d", "ingest_region", "-r", runs["us"]).stdout


def test_clear_task_instances_runs_them_again(runner, dags_dir):
    runs = _partitioned_runs(runner, dags_dir)
    from slipstream.scheduler.run_to_end import schedule_until_finished

    settings = load_settings()
    assert schedule_until_finished(settings, open_store(settings), "ingest_region", runs["us"], timeout=60).state == \
        "success"
    out = invoke(runner, "partitions", "clear", "-d", "ingest_region", "-s", "2026-01-02", "-e", "2026-01-02",
                 "--clear-task-instances").stdout
    assert "1 run(s) of ingest_region cleared and queued to run again." in out
    assert invoke(runner, "dags", "state", "ingest_region", runs["us"]).stdout == "queued\n"


def test_clear_needs_a_choice_and_a_known_dag(runner, dags_dir):
    _partitioned_runs(runner, dags_dir)
    assert "Say which runs" in invoke(runner, "partitions", "clear", "-d", "ingest_region", code=1).stderr
    assert "Did you mean 'ingest_region'?" in invoke(runner, "partitions", "clear", "-d", "ingest_regon", "-k", "x",
                                                     code=1).stderr
    invoke(runner, "partitions", "clear", "-d", "ingest_region", "--date", "2026-01-01", code=2)


def test_state_store_clean_deletes_expired_keys(runner, dags_dir):
    runs = _partitioned_runs(runner, dags_dir)
    now = datetime.now(UTC)
    with open_store(load_settings()).write() as session:
        run = dag_runs.get(session, "ingest_region", runs["eu"])
        key = ("ingest_region", runs["eu"], "ingest", -1)
        task_state.set_value(session, run.id, key, "old", 1, now, now - timedelta(hours=1))
        task_state.set_value(session, run.id, key, "fresh", 2, now, now + timedelta(hours=1))
        task_state.set_value(session, run.id, key, "forever", 3, now, None)
    assert invoke(runner, "state-store", "clean", "--dry-run").stdout == "1 expired task state key(s) would be deleted.\n"
    assert invoke(runner, "state-store", "clean").stdout == "1 expired task state key(s) deleted.\n"
    assert invoke(runner, "state-store", "clean").stdout == "0 expired task state key(s) deleted.\n"
    with open_store(load_settings()).read() as session:
        assert task_state.get(session, run.id, key, "fresh", now)[1] == 2
        assert task_state.get(session, run.id, key, "forever", now)[1] == 3
