"""``dags state``, ``tasks state``, ``tasks failed-deps``, and the "did you mean" of an unknown
DAG or task id in every command that takes one."""

from __future__ import annotations

import pytest
from cli_helpers import FAILING_DAG, invoke, invoke_json, no_traceback


@pytest.fixture
def failed_run(runner, dags_dir) -> dict:
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    invoke(runner, "dags", "test", "failing_dag", "2024-03-01", code=1)
    [run] = invoke_json(runner, "dags", "list-runs", "failing_dag")
    return run


def test_dag_state_by_run_id_and_by_logical_date(runner, failed_run):
    assert invoke(runner, "dags", "state", "failing_dag", failed_run["run_id"]).stdout == "failed\n"
    assert invoke(runner, "dags", "state", "failing_dag", "2024-03-01").stdout == "failed\n"
    assert invoke(runner, "dags", "state", "failing_dag", "2024-03-01T00:00:00+00:00").stdout == "failed\n"


def test_dag_state_of_a_missing_run(runner, failed_run):
    result = invoke(runner, "dags", "state", "failing_dag", "2020-01-01", code=1)
    assert "has no run at logical date 2020-01-01T00:00:00+00:00" in result.stderr
    result = invoke(runner, "dags", "state", "failing_dag", "no_such_run", code=1)
    assert "DAG run 'no_such_run' of DAG 'failing_dag' not found" in result.stderr


def test_task_state(runner, failed_run):
    run_id = failed_run["run_id"]
    assert invoke(runner, "tasks", "state", "failing_dag", "ok", run_id).stdout == "success\n"
    assert invoke(runner, "tasks", "state", "failing_dag", "bad", "2024-03-01").stdout == "failed\n"
    assert invoke(runner, "tasks", "state", "failing_dag", "after", run_id).stdout == "upstream_failed\n"


def test_task_state_before_the_scheduler_ran_it(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    run = invoke_json(runner, "dags", "trigger", "failing_dag")[0]
    assert invoke(runner, "tasks", "state", "failing_dag", "ok", run["run_id"]).stdout == "None\n"
    deps = invoke(runner, "tasks", "failed-deps", "failing_dag", "after", run["run_id"]).stdout
    assert deps.startswith("Task instance dependencies not met:\n")
    assert "Trigger Rule: Task's trigger rule 'all_success' is not met yet" in deps


def test_failed_deps_of_a_finished_task(runner, failed_run):
    deps = invoke(runner, "tasks", "failed-deps", "failing_dag", "bad", failed_run["run_id"]).stdout
    assert "Task Instance State: Task is in the 'failed' state" in deps


@pytest.mark.parametrize("args", [
    ("dags", "state", "failng_dag", "2024-03-01"),
    ("dags", "show", "failng_dag"),
    ("dags", "trigger", "failng_dag"),
    ("dags", "test", "failng_dag"),
    ("dags", "list-runs", "failng_dag"),
    ("dags", "pause", "failng_dag"),
    ("dags", "unpause", "failng_dag"),
    ("dags", "next-execution", "failng_dag"),
    ("dags", "set-state", "failng_dag", "run", "success"),
    ("dags", "clear", "failng_dag", "run", "-y"),
    ("tasks", "list", "failng_dag"),
    ("tasks", "state", "failng_dag", "ok", "2024-03-01"),
    ("tasks", "failed-deps", "failng_dag", "ok", "2024-03-01"),
    ("tasks", "states-for-dag-run", "failng_dag", "run"),
    ("tasks", "clear", "failng_dag", "-y"),
    ("tasks", "test", "failng_dag", "ok"),
    ("tasks", "render", "failng_dag", "ok"),
    ("tasks", "set-state", "failng_dag", "run", "ok", "success"),
], ids=" ".join)
def test_an_unknown_dag_id_gets_a_did_you_mean(runner, dags_dir, args):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    result = invoke(runner, *args, code=1)
    assert "DAG 'failng_dag' not found. Did you mean 'failing_dag'?" in result.stderr
    assert no_traceback(result.stderr) and result.exc_info[0] is SystemExit


@pytest.mark.parametrize("args", [
    ("tasks", "state", "failing_dag", "bda", "2024-03-01"),
    ("tasks", "failed-deps", "failing_dag", "bda", "2024-03-01"),
    ("tasks", "test", "failing_dag", "bda"),
    ("tasks", "render", "failing_dag", "bda"),
    ("tasks", "set-state", "failing_dag", "run", "bda", "success"),
], ids=" ".join)
def test_an_unknown_task_id_gets_a_did_you_mean(runner, dags_dir, args):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    result = invoke(runner, *args, code=1)
    assert "Task 'bda' not found in DAG 'failing_dag'. Did you mean 'bad'?" in result.stderr


def test_a_contained_id_is_suggested(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG.replace('"failing_dag"', '"example_parallel_dependencies"'))
    result = invoke(runner, "dags", "state", "parallel_dependencies", "2024-03-01", code=1)
    assert "DAG 'parallel_dependencies' not found. Did you mean 'example_parallel_dependencies'?" in result.stderr


def test_nothing_close_lists_where_to_look(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    result = invoke(runner, "tasks", "state", "failing_dag", "zzzzzz", "2024-03-01", code=1)
    assert "Task 'zzzzzz' not found in DAG 'failing_dag'. Its tasks: ok, bad, after." in result.stderr
    result = invoke(runner, "dags", "state", "qqqqqq", "2024-03-01", code=1)
    assert "DAG 'qqqqqq' not found. See `slipstream dags list`" in result.stderr
