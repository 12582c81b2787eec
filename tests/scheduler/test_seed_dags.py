"""The seed DAG files, unchanged, through the DAG file processor, the scheduler and the local executor.

The seed folder (../shared/seed-dags, with fixed/ and the broken files) is the dags folder, as a
user who pasted the tutorials would have it. Each requirement below is a row of the folder's
EXPECTED.md, except seed002_dynamic_task_mapping_demo.py and the failure mail of
production_etl_v2_fixed. The good DAGs are parsed and run once per module (``seed_results`` in
conftest.py): the two whose run time is limited each run alone, the others together.

Timing checks are the functional requirements of EXPECTED.md (tasks overlap, start within 0.5 s,
a run ends within its critical path + 1 s), not performance benchmarks.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.scheduler.triggering import DagNotFound, trigger_dag
from slipstream.store import dags as dag_store

GOOD_FILES = {
    "seed000_parallel_data_processing.py": "parallel_data_processing",
    "seed000_parallel_notifications.py": "parallel_notifications",
    "seed001_parallel_dependencies.py": "parallel_dependencies",
    "seed001_parallel_multiprocessing.py": "parallel_multiprocessing",
    "seed003_parallel_tasks_example.py": "parallel_tasks_example",
    "fixed/seed003_etl_pipeline_fixed.py": "etl_pipeline_fixed",
    "fixed/seed003_parallel_etl_fixed.py": "parallel_etl_fixed",
    "fixed/seed003_production_etl_v2_fixed.py": "production_etl_v2_fixed",
    "fixed/seed004_parallel_dag_fixed.py": "parallel_dag_fixed",
}
BROKEN_FILES = {
    "seed001_parallel_example.py": "parallel_example",
    "seed003_etl_pipeline.py": "etl_pipeline",
    "seed003_production_etl_v2.py": "production_etl_v2",
    "seed003_parallel_etl.py": "parallel_etl",
    "seed004_parallel_dag.py": "parallel_dag",
}


def import_errors(results) -> dict[str, object]:
    """Import errors by file name relative to the seed folder."""
    folder = results.settings.dags_folder
    with results.db.read() as session:
        rows = dag_store.list_import_errors(session)
    return {str(Path(row.filename).relative_to(folder)): row for row in rows}


# -- loading: the broken files say what is wrong, and the others still load -------------------


def test_the_good_files_load_and_the_broken_ones_do_not(seed_results):
    errors = import_errors(seed_results)
    with seed_results.db.read() as session:
        active = {d.dag_id: d for d in dag_store.list_dags(session)}
    for name, dag_id in GOOD_FILES.items():
        assert name not in errors, f"{name}: {errors[name].exception}"
        assert dag_id in active
        assert active[dag_id].fileloc == str(seed_results.settings.dags_folder / name)
    for name, dag_id in BROKEN_FILES.items():
        assert name in errors, f"{name} has no import error"
        assert dag_id not in active
        with pytest.raises(DagNotFound, match="list-import-errors"):
            trigger_dag(seed_results.db, dag_id)


def test_the_tutorial_dags_keep_their_shape(seed_results):
    with seed_results.db.read() as session:
        processing = dag_store.get_serialized(session, "parallel_data_processing").data
        notifications = dag_store.get_serialized(session, "parallel_notifications").data
        tags = dag_store.get_dag(session, "parallel_data_processing").tags
    assert len(processing["tasks"]) == 9
    assert sorted(tags) == ["parallel", "tutorial"]
    assert len(notifications["tasks"]) == 5


def test_a_task_depending_on_itself_is_reported_as_a_cycle_naming_it(seed_results):
    error = import_errors(seed_results)["seed001_parallel_example.py"]
    assert "cycle" in error.exception.lower()
    assert "task_c" in error.exception
    assert error.line == 31


@pytest.mark.parametrize(
    ("name", "line"), [("seed003_etl_pipeline.py", 14), ("seed003_production_etl_v2.py", 15)]
)
def test_a_missing_import_names_the_file_the_line_and_the_name_error(seed_results, name, line):
    error = import_errors(seed_results)[name]
    assert error.filename == str(seed_results.settings.dags_folder / name)
    assert error.line == line
    assert error.exception == "NameError: name 'timedelta' is not defined"
    assert f'{name}", line {line}' in error.stacktrace


def test_an_operator_used_without_its_import_is_reported_at_its_line(seed_results):
    error = import_errors(seed_results)["seed003_parallel_etl.py"]
    assert error.line == 20
    assert error.exception == "NameError: name 'DummyOperator' is not defined"


def test_a_misspelt_task_name_gets_pythons_hint(seed_results):
    error = import_errors(seed_results)["seed004_parallel_dag.py"]
    assert error.line == 31
    assert "NameError: name 'task1' is not defined" in error.exception
    assert "Did you mean: 'task_1'?" in error.exception


# -- running: each good DAG, from the same folder as the broken files ---------------------------


def test_parallel_data_processing(seed_results):
    dag_id = "parallel_data_processing"
    seed_results.assert_all_succeeded(dag_id)
    extracts = ("extract_sales_data", "extract_customer_data", "extract_inventory_data")
    seed_results.assert_started_together(dag_id, *extracts, within=0.5)
    seed_results.assert_overlap(dag_id, *extracts)
    for source in ("sales", "customer", "inventory"):
        seed_results.assert_after(dag_id, f"process_{source}_data", f"extract_{source}_data")
    seed_results.assert_after(
        dag_id, "combine_all_data", "process_sales_data", "process_customer_data", "process_inventory_data"
    )
    # critical path: extract_customer_data 7 s + process_customer_data 3 s + combine_all_data 2 s
    seed_results.assert_run_time_at_most(dag_id, 12 + 1)
    logs = {
        "extract_sales_data": ("Extracting sales data...", "Sales data extracted!"),
        "extract_customer_data": ("Extracting customer data...", "Customer data extracted!"),
        "extract_inventory_data": ("Extracting inventory data...", "Inventory data extracted!"),
        "process_sales_data": ("Processing sales data...", "Sales processing complete!"),
        "process_customer_data": ("Processing customer data...", "Customer processing complete!"),
        "process_inventory_data": ("Processing inventory data...", "Inventory processing complete!"),
        "combine_all_data": ("Combining all processed data...", "Data combination complete!"),
    }
    for task_id, lines in logs.items():
        seed_results.assert_log_holds(dag_id, task_id, *lines)
    for task_id in ("start_pipeline", "end_pipeline"):
        seed_results.assert_finished_without_process(dag_id, task_id)


def test_parallel_notifications(seed_results):
    dag_id = "parallel_notifications"
    seed_results.assert_all_succeeded(dag_id)
    notifications = ("send_email", "send_slack_message", "send_teams_message", "update_dashboard")
    for task_id in notifications:
        seed_results.assert_after(dag_id, task_id, "generate_report")
    seed_results.assert_overlap(dag_id, *notifications)
    seed_results.assert_run_time_at_most(dag_id, 3 + 3 + 1)
    seed_results.assert_log_holds(dag_id, "generate_report", "Generating daily report...", "Report complete!")
    seed_results.assert_log_holds(dag_id, "send_slack_message", "Posting to Slack...", "Slack message posted!")
    seed_results.assert_log_holds(dag_id, "update_dashboard", "Updating dashboard...", "Dashboard updated!")


def test_parallel_dependencies(seed_results):
    dag_id = "parallel_dependencies"
    seed_results.assert_all_succeeded(dag_id, {"task_a", "task_b", "task_c"})
    seed_results.assert_dispatched_together(dag_id, "task_a", "task_b")
    seed_results.assert_after(dag_id, "task_c", "task_a", "task_b")
    seed_results.assert_log_holds(dag_id, "task_a", "Task A is running")
    seed_results.assert_log_holds(dag_id, "task_b", "Task B is running")
    seed_results.assert_log_holds(dag_id, "task_c", "Task C is running")


def test_parallel_multiprocessing(seed_results):
    dag_id = "parallel_multiprocessing"
    seed_results.assert_all_succeeded(dag_id, {"process_data"})
    seed_results.assert_log_holds(dag_id, "process_data", "Results: [2, 4, 6, 8, 10]")


def test_parallel_tasks_example_needs_no_process(seed_results):
    dag_id = "parallel_tasks_example"
    tasks = {"start_task", "parallel_task_1", "parallel_task_2", "parallel_task_3", "end_task"}
    seed_results.assert_all_succeeded(dag_id, tasks)
    for task_id in tasks:
        seed_results.assert_finished_without_process(dag_id, task_id)


def test_etl_pipeline_fixed(seed_results):
    dag_id = "etl_pipeline_fixed"
    seed_results.assert_all_succeeded(dag_id, {"extract", "transform", "load"})
    seed_results.assert_after(dag_id, "transform", "extract")
    seed_results.assert_after(dag_id, "load", "transform")
    assert {row.max_tries for row in seed_results.tis(dag_id).values()} == {3}
    seed_results.assert_log_holds(dag_id, "extract", "Extracting data...")
    seed_results.assert_log_holds(dag_id, "transform", "Transforming data...")
    seed_results.assert_log_holds(dag_id, "load", "Loading to DB...")


def test_parallel_etl_fixed(seed_results):
    dag_id = "parallel_etl_fixed"
    tables = ("users", "orders", "products")
    extracts = [f"extract_{t}" for t in tables]
    seed_results.assert_all_succeeded(dag_id, {"start", "end", *extracts, *(f"load_{t}" for t in tables)})
    seed_results.assert_dispatched_together(dag_id, *extracts)
    for table in tables:
        seed_results.assert_after(dag_id, f"load_{table}", *extracts)
        seed_results.assert_log_holds(dag_id, f"extract_{table}", f"Extracting {table}")
        seed_results.assert_log_holds(dag_id, f"load_{table}", f"Loading {table}")


def test_production_etl_v2_fixed(seed_results):
    dag_id = "production_etl_v2_fixed"
    seed_results.assert_all_succeeded(dag_id, {"extract_load.extract", "extract_load.validate", "transform"})
    tis = seed_results.tis(dag_id)
    assert {t: row.max_tries for t, row in tis.items()} == {
        "extract_load.extract": 2, "extract_load.validate": 0, "transform": 2,
    }
    seed_results.assert_after(dag_id, "extract_load.validate", "extract_load.extract")
    seed_results.assert_after(dag_id, "transform", "extract_load.validate")


def test_parallel_dag_fixed(seed_results):
    dag_id = "parallel_dag_fixed"
    seed_results.assert_all_succeeded(dag_id, {"task_1", "task_2", "task_3", "task_4"})
    seed_results.assert_after(dag_id, "task_2", "task_1")
    seed_results.assert_after(dag_id, "task_3", "task_1")
    seed_results.assert_overlap(dag_id, "task_2", "task_3")
    seed_results.assert_after(dag_id, "task_4", "task_2", "task_3")


# -- failures: retries, a task that always fails, a task process killed mid-run ----------------


def test_a_task_that_fails_once_succeeds_on_its_retry(settings, db, write_dag, parse, run_results, tmp_path):
    marker = tmp_path / "failed-once"
    write_dag("flaky.py", f"""
        from datetime import datetime, timedelta
        from airflow import DAG
        from airflow.operators.bash import BashOperator

        with DAG("flaky", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            BashOperator(
                task_id="flaky_task",
                bash_command='if [ -e {marker} ]; then echo "second try works"; '
                             'else touch {marker}; echo "first try fails"; exit 1; fi',
                retries=1,
                retry_delay=timedelta(0),
            )
    """)
    parse()
    run = run_dag_to_end(settings, db, "flaky", timeout=60)
    results = run_results({"flaky": run})
    row = results.ti("flaky", "flaky_task")
    assert run.state == "success"
    assert (row.state, row.try_number, row.max_tries) == ("success", 2, 1)
    assert "first try fails" in results.log("flaky", "flaky_task", 1)
    assert "second try works" in results.log("flaky", "flaky_task", 2)


def test_a_task_that_always_fails_fails_the_run_after_its_retries(settings, db, write_dag, parse, run_results):
    write_dag("always_fails.py", """
        from datetime import datetime, timedelta
        from airflow import DAG
        from airflow.operators.bash import BashOperator

        with DAG("always_fails", start_date=datetime(2024, 1, 1), schedule=None,
                 default_args={"retries": 1, "retry_delay": timedelta(0)}) as dag:
            broken = BashOperator(task_id="broken", bash_command='echo "about to fail"; exit 3')
            after = BashOperator(task_id="after", bash_command="echo never")
            broken >> after
    """)
    parse()
    run = run_dag_to_end(settings, db, "always_fails", timeout=60)
    results = run_results({"always_fails": run})
    broken, after = results.ti("always_fails", "broken"), results.ti("always_fails", "after")
    assert run.state == "failed"
    assert (broken.state, broken.try_number, broken.max_tries) == ("failed", 2, 1)
    assert "exit code 3" in broken.state_reason
    for try_number in (1, 2):
        assert "about to fail" in results.log("always_fails", "broken", try_number)
    assert (after.state, after.try_number) == ("upstream_failed", 0)


KILLABLE = """
    from datetime import datetime, timedelta
    from airflow import DAG
    from airflow.operators.bash import BashOperator

    with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None) as dag:
        sleeper = BashOperator(
            task_id="sleeper",
            bash_command='if [ -e {marker} ]; then echo "retried"; else touch {marker}; echo "sleeping"; sleep 30; fi',
            retries={retries},
            retry_delay=timedelta(seconds=2),
        )
        after = BashOperator(task_id="after", bash_command="echo after")
        sleeper >> after
"""


def start_and_kill(harness, dag_id: str):
    """Trigger ``dag_id``, wait until its sleeper task runs ``sleep 30``, SIGKILL the task process
    (not its command); returns the run and the sleeper's row as it was when killed."""
    run = harness.trigger(dag_id)
    row = harness.wait_for_task(dag_id, run.run_id, "sleeper", lambda r: r.state == "running" and r.pid, 30)
    harness.wait_for_task(
        dag_id, run.run_id, "sleeper", lambda r: any(p.endswith(" sleep 30") for p in processes_in_group(r.pid)), 30
    )
    os.kill(row.pid, signal.SIGKILL)
    return run, row


def kill_process_group(pgid: int) -> bool:
    """SIGKILL what is left of a killed task's process group; True if anything was left."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def processes_in_group(pgid: int) -> list[str]:
    """The command lines of the live processes in a process group (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(f"{stat.parent.name}: {cmdline}")
    return found


def test_a_killed_task_process_is_detected_and_failed(write_dag, parse, harness, tmp_path):
    write_dag("killed.py", KILLABLE.format(dag_id="killed", marker=tmp_path / "m", retries=0))
    parse()
    run, killed = start_and_kill(harness, "killed")
    try:
        finished = harness.wait_for_runs([run], timeout=30)
    finally:
        kill_process_group(killed.pid)
    results = harness.results(finished)
    sleeper, after = results.ti("killed", "sleeper"), results.ti("killed", "after")
    assert finished["killed"].state == "failed"
    assert (sleeper.state, sleeper.try_number) == ("failed", 1)
    assert "SIGKILL" in sleeper.state_reason
    assert after.state == "upstream_failed"


def test_a_killed_task_process_is_retried_when_it_has_retries(write_dag, parse, harness, tmp_path):
    write_dag("killed_retried.py", KILLABLE.format(dag_id="killed_retried", marker=tmp_path / "m", retries=1))
    parse()
    run, killed = start_and_kill(harness, "killed_retried")
    try:
        waiting = harness.wait_for_task(
            "killed_retried", run.run_id, "sleeper", lambda r: r.state != "running", timeout=30
        )
        finished = harness.wait_for_runs([run], timeout=30)
    finally:
        kill_process_group(killed.pid)
    assert waiting.state == "up_for_retry"
    assert "SIGKILL" in waiting.state_reason
    results = harness.results(finished)
    sleeper = results.ti("killed_retried", "sleeper")
    assert finished["killed_retried"].state == "success"
    assert (sleeper.state, sleeper.try_number) == ("success", 2)
    assert "retried" in results.log("killed_retried", "sleeper", 2)


def test_a_killed_task_leaves_no_process_behind(write_dag, parse, harness, tmp_path):
    write_dag("orphans.py", KILLABLE.format(dag_id="orphans", marker=tmp_path / "m", retries=0))
    parse()
    run, killed = start_and_kill(harness, "orphans")
    try:
        harness.wait_for_runs([run], timeout=30)
        left = processes_in_group(killed.pid)
    finally:
        kill_process_group(killed.pid)
    assert left == [], "the killed task's command keeps running"
