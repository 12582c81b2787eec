"""``dags test``'s Airflow options: --mark-success-pattern, --use-executor, --show-dagrun,
--save-dagrun and -f/--dagfile-path, each run for real (task processes, the store)."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import invoke, invoke_json

SENSOR_DAG = '''
from datetime import datetime
from airflow import DAG
from airflow.operators.python import PythonOperator


def wait_forever():
    raise RuntimeError("this sensor should have been marked success")


def work():
    print("real work done")


with DAG("with_sensor", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    sensors = [PythonOperator(task_id=f"wait_for_{name}", python_callable=wait_forever) for name in ("a", "b")]
    sensors >> PythonOperator(task_id="work", python_callable=work) >> PythonOperator(
        task_id="wait_for_cleanup_done", python_callable=work)
'''


def test_mark_success_pattern_records_matching_tasks_without_running_them(runner, dags_dir: Path) -> None:
    (dags_dir / "with_sensor.py").write_text(SENSOR_DAG)
    out = invoke(runner, "dags", "test", "with_sensor", "--mark-success-pattern", "wait_for_[ab]").stdout
    assert "[work] real work done" in out
    assert "[wait_for_a] Marked success without running" in out
    assert "should have been marked success" not in out
    rows = {r["task_id"]: r for r in invoke_json(runner, "tasks", "states-for-dag-run", "with_sensor", _last_run(runner))}
    assert {task: row["state"] for task, row in rows.items()} == {
        "wait_for_a": "success", "wait_for_b": "success", "work": "success", "wait_for_cleanup_done": "success",
    }
    # The whole task id must match, as in Airflow: "wait_for_" alone marks nothing.
    failed = invoke(runner, "dags", "test", "with_sensor", "--mark-success-pattern", "wait_for_", code=1).stdout
    assert "should have been marked success" in failed


def test_a_bad_pattern_is_refused(runner, dags_dir: Path) -> None:
    (dags_dir / "with_sensor.py").write_text(SENSOR_DAG)
    result = invoke(runner, "dags", "test", "with_sensor", "--mark-success-pattern", "wait_for_(", code=2)
    assert "not a valid regular expression" in result.stderr


def test_show_and_save_dagrun_draw_the_states(runner, dags_dir: Path, tmp_path: Path) -> None:
    (dags_dir / "with_sensor.py").write_text(SENSOR_DAG)
    saved = tmp_path / "run.dot"
    out = invoke(
        runner, "dags", "test", "with_sensor", "--quiet", "--mark-success-pattern", "wait_for_.*", "--show-dagrun",
        "--save-dagrun", str(saved),
    ).stdout
    graph = out[out.index('digraph "with_sensor"'):]
    assert '"work" [label="work", shape=box, style=filled, fillcolor="green"];' in graph
    assert '"wait_for_a" -> "work";' in graph
    assert saved.read_text().strip() == graph.strip()
    failing = invoke(runner, "dags", "test", "with_sensor", "--quiet", "--show-dagrun", code=1).stdout
    assert '"wait_for_a" [label="wait_for_a", shape=box, style=filled, fillcolor="red"];' in failing
    assert 'fillcolor="orange"' in failing  # work: upstream_failed


def test_dagfile_path_parses_only_that_file(runner, tmp_path: Path, dags_dir: Path) -> None:
    (dags_dir / "broken.py").write_text("raise RuntimeError('the folder is not parsed')\n")
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text(SENSOR_DAG)
    out = invoke(runner, "dags", "test", "with_sensor", "-f", str(elsewhere), "--mark-success-pattern", "wait.*").stdout
    assert "[work] real work done" in out
    assert invoke(runner, "dags", "list-import-errors", "-o", "json").stdout.strip() in ("[]", "")
    wrong = invoke(runner, "dags", "test", "other_dag", "--dagfile-path", str(elsewhere), code=1)
    assert f"{elsewhere} does not define the DAG 'other_dag'; it defines: with_sensor" in wrong.stderr
    missing = invoke(runner, "dags", "test", "with_sensor", "-f", str(tmp_path / "nope.py"), code=2)
    assert "no such file" in missing.stderr


def test_use_executor_runs_on_the_configured_executor(runner, dags_dir: Path, monkeypatch) -> None:
    (dags_dir / "with_sensor.py").write_text(SENSOR_DAG)
    monkeypatch.setenv("SLIPSTREAM__CORE__EXECUTOR", "KubernetesExecutor")
    refused = invoke(runner, "dags", "test", "with_sensor", "--use-executor", code=1)
    assert "KubernetesExecutor" in refused.stderr + refused.stdout  # the configured one is used, and it says why not
    monkeypatch.setenv("SLIPSTREAM__CORE__EXECUTOR", "LocalExecutor")
    out = invoke(runner, "dags", "test", "with_sensor", "--use-executor", "--mark-success-pattern", "wait.*").stdout
    assert "[work] real work done" in out


def _last_run(runner) -> str:
    return invoke_json(runner, "dags", "list-runs", "with_sensor")[0]["run_id"]
