"""Partitions on the command line: ``dags trigger --partition-key``, and the key of each event in
``assets events``."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import invoke, invoke_json

from slipstream.config import Settings
from slipstream.store import dag_runs
from slipstream.store.db import Database

RUNTIME_DAG = """
from airflow.sdk import DAG, Asset, PartitionedAtRuntime, task
from airflow.providers.standard.operators.bash import BashOperator

regions = Asset(name="regions", uri="file://regions.csv")

with DAG("ingest_region", schedule=PartitionedAtRuntime()):
    @task(outlets=[regions])
    def ingest(partition_key=None):
        print("KEY", partition_key)
    ingest() >> BashOperator(task_id="templated", bash_command="echo region={{ partition_key }}")
"""


def test_a_run_triggered_for_a_partition(runner, dags_dir: Path, home: Path):
    (dags_dir / "runtime.py").write_text(RUNTIME_DAG)
    triggered = invoke_json(runner, "dags", "trigger", "ingest_region", "--partition-key", "eu")
    assert triggered[0]["dag_id"] == "ingest_region"
    (row,) = invoke_json(runner, "dags", "list-runs", "ingest_region")
    assert row["state"] == "queued"
    db = Database(Settings.load(home).sql_alchemy_conn)
    try:
        with db.read() as session:
            run = dag_runs.get(session, "ingest_region", row["run_id"])
    finally:
        db.dispose()
    assert (run.partition_key, run.run_type) == ("eu", "manual")
    listed = invoke_json(runner, "dags", "list", "-o", "json")
    assert {d["dag_id"]: d["schedule"] for d in listed}["ingest_region"] == "PartitionedAtRuntime"
    assert invoke_json(runner, "assets", "events") == []
    # tasks render reads the run's partition, as a try of it would
    shown = invoke(runner, "tasks", "render", "ingest_region", "templated", row["run_id"]).stdout
    assert "echo region=eu" in shown
