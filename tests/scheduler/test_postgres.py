"""The same scheduler, runner and local executor on PostgreSQL."""

from __future__ import annotations

from slipstream.dagfiles.processor import DagFileProcessor
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import migrate, task_instances
from slipstream.store.db import Database


def test_a_dag_runs_in_parallel_on_postgres(settings, postgres_url, seed_dags):
    settings = settings.replace(sql_alchemy_conn=postgres_url, dags_folder=seed_dags)
    db = Database(postgres_url)
    migrate.migrate(db)
    processor = DagFileProcessor(settings, db)
    processor.process()
    processor.close()
    run = run_dag_to_end(settings, db, "parallel_dependencies", timeout=60)
    assert run.state == "success"
    with db.read() as session:
        rows = {r.task_id: r for r in task_instances.for_run(session, "parallel_dependencies", run.run_id)}
    assert {r.state for r in rows.values()} == {"success"}
    assert rows["task_c"].start_date >= max(rows["task_a"].end_date, rows["task_b"].end_date)
    db.dispose()
