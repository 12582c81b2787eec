"""Options that Slipstream's commands take as Airflow 3.3.2's do (see test_cli_options.py for the
table): each one's behaviour, in-process on a temporary home."""

from __future__ import annotations

import os

from cli_helpers import FAILING_DAG, invoke, invoke_json
from sqlalchemy import update
from test_partition_clearing import _partitioned_runs
from test_partition_cli import RUNTIME_DAG

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


def test_tasks_clear_dag_regex_clears_every_matching_dag(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    (dags_dir / "failing_copy.py").write_text(FAILING_DAG.replace('dag_id="failing_dag"', 'dag_id="failing_copy"'))
    for dag_id in ("failing_dag", "failing_copy"):
        invoke(runner, "dags", "test", dag_id, code=1)
    out = invoke(runner, "tasks", "clear", "^failing_(dag|copy)$", "-R", "--only-failed", "-y").stdout
    assert "<TaskInstance: failing_dag.bad" in out and "<TaskInstance: failing_copy.bad" in out
    assert "Cleared 4 task instance(s)" in out
    assert "No DAG id matches" in invoke(runner, "tasks", "clear", "^nothing", "-R", "-y", code=1).stderr
    assert "not found" in invoke(runner, "tasks", "clear", "failing_", "-y", code=1).stderr  # without -R: one id


def test_dags_trigger_zeroes_microseconds_unless_asked_not_to(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    [run] = invoke_json(runner, "dags", "trigger", "failing_dag", "-l", "2026-02-03T04:05:06.789123+00:00")
    assert run["logical_date"] == "2026-02-03T04:05:06+00:00" and run["run_id"] == "manual__2026-02-03T04:05:06+00:00"
    [run] = invoke_json(runner, "dags", "trigger", "failing_dag", "-l", "2026-02-03T04:05:06.789123+00:00",
                        "--no-replace-microseconds")
    assert run["logical_date"] == "2026-02-03T04:05:06.789123+00:00"


def test_list_columns_of_dags_and_assets(runner, dags_dir):
    (dags_dir / "runtime.py").write_text(RUNTIME_DAG)
    assert invoke_json(runner, "dags", "list", "--columns", "is_paused,dag_id") == [
        {"is_paused": False, "dag_id": "ingest_region"}
    ]
    result = invoke(runner, "dags", "list", "--columns", "dag_id,colour", "-o", "plain")
    assert result.stdout.split() == ["dag_id", "ingest_region"]
    assert "Ignoring unknown column(s) colour" in result.stderr
    assert invoke_json(runner, "assets", "list", "--columns", "uri,name") == [
        {"uri": "file://regions.csv/", "name": "regions"}
    ]


PARAMS_DAG = '''
import os
from airflow.sdk import DAG, task

with DAG("params_dag", schedule=None, params={"greeting": "hello", "times": 1},
         tags=[os.environ.get("PARSE_TAG", "untagged")]):
    @task
    def show(params=None, dag_run=None):
        print("PARAMS", params["greeting"], params["times"], params.get("extra"))
        print("ENV", os.environ.get("RUN_FLAVOUR"), "TAGGED", os.environ.get("PARSE_TAG"))
        print("RUN", dag_run.run_id, dag_run.conf.get("who"))
    show()
'''


def test_tasks_test_task_params_and_env_vars(runner, dags_dir):
    (dags_dir / "params_dag.py").write_text(PARAMS_DAG)
    out = invoke(runner, "tasks", "test", "params_dag", "show", "-t", '{"greeting": "hi", "extra": 7}',
                 "--env-vars", '{"RUN_FLAVOUR": "spicy", "PARSE_TAG": "from-cli"}').stdout
    assert "PARAMS hi 1 7" in out and "ENV spicy TAGGED from-cli" in out
    assert "RUN_FLAVOUR" not in os.environ  # the command's environment is put back
    assert invoke_json(runner, "dags", "list", "--columns", "tags") == [{"tags": ["from-cli"]}]  # as parsed
    result = invoke(runner, "tasks", "test", "params_dag", "show", "--env-vars", "[1]", code=2)
    assert "must be a JSON object" in result.stderr


def test_tasks_test_for_an_existing_run_by_run_id(runner, dags_dir):
    (dags_dir / "params_dag.py").write_text(PARAMS_DAG)
    [run] = invoke_json(runner, "dags", "trigger", "params_dag", "-r", "my_run", "-c", '{"who": "ann"}')
    assert "RUN my_run ann" in invoke(runner, "tasks", "test", "params_dag", "show", "my_run").stdout
    result = invoke(runner, "tasks", "test", "params_dag", "show", "no_such_run", code=1)
    assert "neither a run id" in result.stderr


def test_dags_show_and_show_dependencies_save(runner, dags_dir, tmp_path, monkeypatch):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    (dags_dir / "consumer.py").write_text(
        "from airflow.sdk import DAG, Asset\nfrom airflow.providers.standard.operators.empty import EmptyOperator\n"
        "with DAG('consumer', schedule=[Asset('regions', uri='file://regions.csv')]):\n"
        "    EmptyOperator(task_id='t')\n"
    )
    printed = invoke(runner, "dags", "show", "failing_dag").stdout
    target = tmp_path / "graph.dot"
    assert invoke(runner, "dags", "show", "failing_dag", "-s", str(target)).stdout == f"File {target} saved\n"
    assert target.read_text() == printed
    deps = tmp_path / "deps.gv"
    invoke(runner, "dags", "show-dependencies", "--save", str(deps))
    assert '"asset:regions" -> "dag:consumer";' in deps.read_text()
    monkeypatch.setenv("PATH", str(tmp_path))  # no Graphviz: a drawing is refused, in one line
    result = invoke(runner, "dags", "show", "failing_dag", "-s", str(tmp_path / "graph.png"), code=1)
    assert "Graphviz's dot program is not installed" in result.stderr
    assert not (tmp_path / "graph.png").exists()


def test_verbose_prints_slipstreams_log_on_stderr(runner, dags_dir):
    (dags_dir / "broken.py").write_text("from airflow import DAG\nimport nothing_by_this_name\n")
    quiet = invoke(runner, "dags", "reserialize")
    assert "slipstream.dagfiles" not in quiet.stderr
    loud = invoke(runner, "dags", "reserialize", "-v")
    assert "[INFO] slipstream.dagfiles: Import error in" in loud.stderr and "broken.py" in loud.stderr
    assert loud.stdout == quiet.stdout
    assert "slipstream.dagfiles" not in invoke(runner, "dags", "reserialize").stderr  # only while -v's command runs
    assert "--verbose" in invoke(runner, "cheat-sheet", "--help").stdout
