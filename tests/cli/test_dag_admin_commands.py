"""``dags details | delete | report | reserialize | show-dependencies | list-jobs``."""

from __future__ import annotations

import yaml
from cli_helpers import FAILING_DAG, invoke, invoke_json
from test_assets_commands import ASSET_DAGS


def test_details_as_json_yaml_and_table(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    [row] = invoke_json(runner, "dags", "details", "failing_dag")
    assert row["dag_id"] == "failing_dag"
    assert row["fileloc"] == str(dags_dir / "failing_dag.py")
    assert row["catchup"] is False and row["is_paused"] is False
    assert row["start_date"].startswith("2024-01-01")
    assert row["default_args"] == {"retries": 0}
    assert yaml.safe_load(invoke(runner, "dags", "details", "failing_dag", "-o", "yaml").stdout) == [row]
    plain = invoke(runner, "dags", "details", "failing_dag", "-o", "plain").stdout.splitlines()
    assert plain[0].split() == ["property_name", "|", "property_value"]
    assert any(line.startswith("catchup ") and line.endswith("False") for line in plain)


def test_delete_removes_the_runs(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    invoke(runner, "dags", "trigger", "failing_dag")
    assert len(invoke_json(runner, "dags", "list-runs", "failing_dag")) == 1
    invoke(runner, "dags", "delete", "failing_dag", input="n\n", code=1)
    assert len(invoke_json(runner, "dags", "list-runs", "failing_dag")) == 1
    assert invoke(runner, "dags", "delete", "failing_dag", "-y").stdout == "Deleted DAG failing_dag and its records.\n"
    # The file still defines it: the next read records it again, without its runs.
    invoke(runner, "dags", "list", "--local")
    assert invoke_json(runner, "dags", "list-runs", "failing_dag") == []


def test_report_and_reserialize(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    (dags_dir / "broken.py").write_text("from airflow import DAG\nimport nowhere_to_be_found\n")
    rows = {row["file"]: row for row in invoke_json(runner, "dags", "report")}
    assert rows[str(dags_dir / "failing_dag.py")]["dag_num"] == 1
    assert rows[str(dags_dir / "failing_dag.py")]["task_num"] == 3
    assert rows[str(dags_dir / "failing_dag.py")]["dags"] == "failing_dag"
    assert rows[str(dags_dir / "broken.py")]["errors"] == 1
    assert rows[str(dags_dir / "broken.py")]["duration"].endswith("s")
    out = invoke(runner, "dags", "reserialize").stdout
    assert out.startswith("Reserialized 1 DAG(s) from 2 file(s); 1 file(s) failed to load")


def test_show_dependencies_through_assets(runner, dags_dir):
    (dags_dir / "assets.py").write_text(ASSET_DAGS)
    dot = invoke(runner, "dags", "show-dependencies").stdout
    assert dot.startswith("digraph dependencies {")
    assert '"dag:producer" -> "asset:s3://shop/orders";' in dot
    assert '"dag:producer" -> "asset:customers";' in dot
    assert '"asset:s3://shop/orders" -> "dag:consumer";' in dot
    assert '"asset:customers" -> "dag:consumer";' in dot
    assert '"dag:consumer" [label="consumer", shape=box];' in dot


def test_list_jobs(runner, dags_dir):
    from slipstream.cli.environment import load_settings, open_store
    from slipstream.store import jobs
    from slipstream.store.clock import utcnow

    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    db = open_store(load_settings())
    with db.write() as session:
        jobs.register(session, "host-a", 4242, utcnow())
    [row] = invoke_json(runner, "dags", "list-jobs")
    assert (row["job_type"], row["state"], row["hostname"], row["pid"]) == ("SchedulerJob", "running", "host-a", 4242)
    assert invoke_json(runner, "dags", "list-jobs", "--state", "success") == []
    assert len(invoke_json(runner, "dags", "list-jobs", "-d", "failing_dag")) == 1
    result = invoke(runner, "dags", "list-jobs", "-d", "failng_dag", code=1)
    assert "Did you mean 'failing_dag'?" in result.stderr
