"""``slipstream backfill create`` (Airflow 3's form of ``dags backfill``): the same engine, Airflow 3's options."""

from __future__ import annotations

from cli_helpers import invoke, invoke_json
from test_dags_backfill import DAILY, runs

CONF_DAILY = DAILY.replace(
    'BashOperator(task_id="work", bash_command={command!r})',
    'BashOperator(task_id="work", bash_command="test \\"{{{{ dag_run.conf.get(\'x\') }}}}\\" = {command}")',
)


def test_create_runs_each_date_with_the_conf(runner, dags_dir):
    (dags_dir / "daily.py").write_text(CONF_DAILY.format(command="7"))
    dry = invoke(runner, "backfill", "create", "--dag-id", "daily", "--from-date", "2024-01-01", "--to-date",
                 "2024-01-02", "--dry-run").stdout
    assert "backfill__2024-01-02T00:00:00+00:00  create" in dry
    assert runs(runner) == []
    out = invoke(runner, "backfill", "create", "--dag-id", "daily", "--from-date", "2024-01-01", "--to-date",
                 "2024-01-02", "--dag-run-conf", '{"x": 7}', "--max-active-runs", "1").stdout
    assert "2 of 2 run(s) succeeded" in out
    assert [(r["run_type"], r["state"], r["conf"]) for r in runs(runner)] == [("backfill", "success", {"x": 7})] * 2


def test_reprocess_behavior(runner, dags_dir):
    (dags_dir / "daily.py").write_text(CONF_DAILY.format(command="7"))
    args = ("backfill", "create", "--dag-id", "daily", "--from-date", "2024-01-01", "--to-date", "2024-01-01")
    invoke(runner, *args, code=1)  # no conf: the task fails
    assert runs(runner)[0]["state"] == "failed"
    assert "exists (failed), left alone" in invoke(runner, *args).stdout
    again = invoke(runner, *args, "--reprocess-behavior", "failed", code=1).stdout
    assert "0 of 1 run(s) succeeded" in again
    [row] = invoke_json(runner, "tasks", "states-for-dag-run", "daily", runs(runner)[0]["run_id"])
    assert row["try_number"] == 2
    invoke(runner, *args, "--reprocess-behavior", "completed", code=1, input="n\n")
    invoke(runner, *args, "--reprocess-behavior", "completed", "-y", code=1)
    [row] = invoke_json(runner, "tasks", "states-for-dag-run", "daily", runs(runner)[0]["run_id"])
    assert row["try_number"] == 3


def test_bad_input(runner, dags_dir):
    (dags_dir / "daily.py").write_text(DAILY.format(command="true"))
    result = invoke(runner, "backfill", "create", "--dag-id", "daily", "--from-date", "2024-01-01", "--to-date",
                    "2024-01-02", "--no-run-on-latest-version", code=2)
    assert "backfills run its latest code" in result.stderr
    result = invoke(runner, "backfill", "create", "--dag-id", "dialy", "--from-date", "2024-01-01", "--to-date",
                    "2024-01-02", code=1)
    assert "Did you mean 'daily'?" in result.stderr
    result = invoke(runner, "backfill", "create", "--dag-id", "daily", "--from-date", "2024-01-01", "--to-date",
                    "2024-01-02", "--dag-run-conf", "[1]", code=2)
    assert "must be a JSON object" in result.stderr
