"""Loading DAG files: the seed DAGs of EXPECTED.md, and the import errors of broken files."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

from slipstream.dagfiles.loader import LoadedFile, load_dag_file, module_name_for
from slipstream.operators.bash import BashOperator
from slipstream.operators.empty import EmptyOperator
from slipstream.operators.python import PythonOperator


def load(path: Path) -> LoadedFile:
    loaded = load_dag_file(path)
    assert loaded.path == str(path.resolve())
    return loaded


def only_dag(path: Path):  # noqa: ANN201 - a slipstream DAG
    loaded = load(path)
    assert loaded.errors == [], [e.stacktrace for e in loaded.errors]
    assert len(loaded.dags) == 1
    dag = loaded.dags[0]
    assert dag.fileloc == str(path.resolve())
    return dag


def only_error(path: Path):  # noqa: ANN201 - an ImportErrorInfo
    loaded = load(path)
    assert loaded.dags == []
    assert len(loaded.errors) == 1
    error = loaded.errors[0]
    assert error.filename == str(path.resolve())
    return error


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


# -- the seed DAGs (../shared/seed-dags/EXPECTED.md) -------------------------------------------


def test_parallel_data_processing(seed_dags: Path) -> None:
    dag = only_dag(seed_dags / "seed000_parallel_data_processing.py")
    assert dag.dag_id == "parallel_data_processing"
    assert len(dag.tasks) == 9
    assert dag.tags == ["parallel", "tutorial"]
    assert dag.schedule is None
    assert isinstance(dag.get_task("start_pipeline"), EmptyOperator)
    extracts = {"extract_sales_data", "extract_customer_data", "extract_inventory_data"}
    assert dag.get_task("start_pipeline").downstream_task_ids == extracts
    assert dag.get_task("combine_all_data").upstream_task_ids == {
        "process_sales_data", "process_customer_data", "process_inventory_data"
    }
    assert dag.get_task("end_pipeline").upstream_task_ids == {"combine_all_data"}
    sales = dag.get_task("extract_sales_data")
    assert isinstance(sales, BashOperator)
    assert (sales.owner, sales.retries, sales.retry_delay.total_seconds()) == ("data-team", 1, 120)


def test_parallel_notifications(seed_dags: Path) -> None:
    dag = only_dag(seed_dags / "seed000_parallel_notifications.py")
    assert dag.dag_id == "parallel_notifications"
    assert len(dag.tasks) == 5
    assert dag.get_task("generate_report").downstream_task_ids == {
        "send_email", "send_slack_message", "send_teams_message", "update_dashboard"
    }


def test_parallel_example_is_a_cycle_naming_task_c(seed_dags: Path) -> None:
    error = only_error(seed_dags / "seed001_parallel_example.py")
    assert "DagCycleError" in error.exception
    assert "task_c -> task_c" in error.exception
    assert "cycle" in error.exception.lower()
    assert error.line == 31


def test_parallel_dependencies(seed_dags: Path) -> None:
    dag = only_dag(seed_dags / "seed001_parallel_dependencies.py")
    assert dag.dag_id == "parallel_dependencies"
    assert dag.get_task("task_c").upstream_task_ids == {"task_a", "task_b"}
    assert isinstance(dag.get_task("task_a"), PythonOperator)


def test_parallel_multiprocessing(seed_dags: Path) -> None:
    dag = only_dag(seed_dags / "seed001_parallel_multiprocessing.py")
    assert dag.dag_id == "parallel_multiprocessing"
    assert dag.task_ids == ["process_data"]


def test_dynamic_task_mapping_demo_loads(seed_dags: Path) -> None:
    dag = only_dag(seed_dags / "seed002_dynamic_task_mapping_demo.py")
    assert dag.dag_id == "dynamic_task_mapping_demo"
    assert dag.dag_display_name == "🚀 Dynamic Task Mapping Demo 💚"
    process = dag.get_task("process_partition")
    assert (process.operator_name, process.task_display_name) == ("@task.virtualenv", "🔥 Process Partitions")
    assert (process.requirements, process.python_version) == (["duckdb>=0.9.0"], "3.12")


def test_etl_pipeline_misses_timedelta(seed_dags: Path) -> None:
    path = seed_dags / "seed003_etl_pipeline.py"
    error = only_error(path)
    assert error.line == 14
    assert error.exception == "NameError: name 'timedelta' is not defined"
    assert str(path) in error.stacktrace and "line 14" in error.stacktrace


def test_production_etl_v2_misses_timedelta(seed_dags: Path) -> None:
    error = only_error(seed_dags / "seed003_production_etl_v2.py")
    assert error.line == 15
    assert error.exception == "NameError: name 'timedelta' is not defined"


def test_parallel_tasks_example(seed_dags: Path) -> None:
    dag = only_dag(seed_dags / "seed003_parallel_tasks_example.py")
    assert dag.dag_id == "parallel_tasks_example"
    assert len(dag.tasks) == 5
    assert all(t.runs_without_process for t in dag.tasks)
    assert dag.get_task("end_task").upstream_task_ids == {"parallel_task_1", "parallel_task_2", "parallel_task_3"}


def test_parallel_etl_misses_dummy_operator(seed_dags: Path) -> None:
    error = only_error(seed_dags / "seed003_parallel_etl.py")
    assert error.line == 20
    assert error.exception == "NameError: name 'DummyOperator' is not defined"


def test_parallel_dag_has_python_hint(seed_dags: Path) -> None:
    error = only_error(seed_dags / "seed004_parallel_dag.py")
    assert error.line == 31
    assert "NameError: name 'task1' is not defined" in error.exception
    assert "Did you mean: 'task_1'?" in error.exception
    assert "Did you mean: 'task_1'?" in error.stacktrace


def test_every_seed_file_loads_or_reports_exactly_one_error(seed_dags: Path) -> None:
    loads = {
        "seed000_parallel_data_processing.py": "parallel_data_processing",
        "seed000_parallel_notifications.py": "parallel_notifications",
        "seed001_parallel_dependencies.py": "parallel_dependencies",
        "seed001_parallel_multiprocessing.py": "parallel_multiprocessing",
        "seed003_parallel_tasks_example.py": "parallel_tasks_example",
        "seed002_dynamic_task_mapping_demo.py": "dynamic_task_mapping_demo",
    }
    broken = {
        "seed001_parallel_example.py", "seed003_etl_pipeline.py",
        "seed003_production_etl_v2.py", "seed003_parallel_etl.py", "seed004_parallel_dag.py",
    }
    files = sorted(p.name for p in seed_dags.glob("*.py"))
    assert set(files) == set(loads) | broken
    for name in files:
        loaded = load(seed_dags / name)
        if name in loads:
            assert [d.dag_id for d in loaded.dags] == [loads[name]] and loaded.errors == [], name
        else:
            assert loaded.dags == [] and len(loaded.errors) == 1, name


# -- the fixed/ versions ------------------------------------------------------------------------


def test_etl_pipeline_fixed(seed_dags: Path) -> None:
    dag = only_dag(seed_dags / "fixed" / "seed003_etl_pipeline_fixed.py")
    assert dag.dag_id == "etl_pipeline_fixed"
    assert dag.schedule == "@daily"
    assert dag.topological_order() == ["extract", "transform", "load"]
    assert all(t.retries == 3 and t.retry_delay.total_seconds() == 60 for t in dag.tasks)


def test_production_etl_v2_fixed(seed_dags: Path) -> None:
    dag = only_dag(seed_dags / "fixed" / "seed003_production_etl_v2_fixed.py")
    assert dag.dag_id == "production_etl_v2_fixed"
    assert dag.schedule == "0 2 * * *"
    assert dag.max_active_runs == 1
    assert set(dag.task_ids) == {"extract_load.extract", "extract_load.validate", "transform"}
    assert {t.task_id: t.retries for t in dag.tasks} == {
        "extract_load.extract": 2, "extract_load.validate": 0, "transform": 2
    }
    assert dag.get_task("extract_load.validate").upstream_task_ids == {"extract_load.extract"}
    assert dag.get_task("transform").upstream_task_ids == {"extract_load.validate"}
    transform = dag.get_task("transform")
    assert transform.email == ["alerts@company.com"] and transform.email_on_failure is True
    assert transform.owner == "data_team"


def test_parallel_etl_fixed(seed_dags: Path) -> None:
    dag = only_dag(seed_dags / "fixed" / "seed003_parallel_etl_fixed.py")
    assert dag.dag_id == "parallel_etl_fixed"
    extracts = {"extract_users", "extract_orders", "extract_products"}
    for table in ("users", "orders", "products"):
        assert dag.get_task(f"load_{table}").upstream_task_ids == extracts
        assert dag.get_task(f"extract_{table}").upstream_task_ids == {"start"}
    assert dag.get_task("end").upstream_task_ids == {"load_users", "load_orders", "load_products"}


def test_parallel_dag_fixed(seed_dags: Path) -> None:
    dag = only_dag(seed_dags / "fixed" / "seed004_parallel_dag_fixed.py")
    assert dag.dag_id == "parallel_dag_fixed"
    assert dag.schedule == "@daily"
    assert dag.start_date.year == 2020
    assert dag.get_task("task_4").upstream_task_ids == {"task_2", "task_3"}
    assert dag.get_task("task_1").downstream_task_ids == {"task_2", "task_3"}


# -- other files ---------------------------------------------------------------------------------


def test_dags_without_with_block_are_found_through_module_globals(tmp_path: Path) -> None:
    path = write(tmp_path, "globals.py", """
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        one = DAG("one")
        two = DAG("two")
        EmptyOperator(task_id="a", dag=one)
        """)
    loaded = load(path)
    assert sorted(d.dag_id for d in loaded.dags) == ["one", "two"]


def test_dag_built_in_a_function_is_found(tmp_path: Path) -> None:
    path = write(tmp_path, "factory.py", """
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        def build(name):
            with DAG(name):
                EmptyOperator(task_id="t")
        for name in ("f1", "f2"):
            build(name)
        """)
    assert sorted(d.dag_id for d in load(path).dags) == ["f1", "f2"]


def test_same_dag_id_twice_in_a_file(tmp_path: Path) -> None:
    path = write(tmp_path, "twice.py", """
        from airflow import DAG
        a = DAG("same")
        b = DAG("same")
        """)
    loaded = load(path)
    assert [d.dag_id for d in loaded.dags] == ["same"]
    assert len(loaded.errors) == 1
    assert "'same' is defined twice" in loaded.errors[0].exception


def test_cycle_found_by_validate_is_an_import_error(tmp_path: Path) -> None:
    path = write(tmp_path, "cycle.py", """
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("cycle"):
            a = EmptyOperator(task_id="a")
            b = EmptyOperator(task_id="b")
            c = EmptyOperator(task_id="c")
            a >> b >> c >> a
        with DAG("fine"):
            EmptyOperator(task_id="x")
        """)
    loaded = load(path)
    assert [d.dag_id for d in loaded.dags] == ["fine"]
    assert len(loaded.errors) == 1
    assert "a -> b -> c -> a" in loaded.errors[0].exception


def test_syntax_error_reports_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "syntax.py", """
        from airflow import DAG

        with DAG("broken") as dag
            pass
        """)
    error = only_error(path)
    assert error.line == 4
    assert error.exception.startswith("SyntaxError")


def test_syntax_error_in_generated_code_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "generated.py", """
        from airflow import DAG
        exec(compile("x = (", "<generated>", "exec"))
        """)
    error = only_error(path)
    assert error.line == 3
    assert error.exception.startswith("SyntaxError")


def test_sys_exit_is_an_import_error(tmp_path: Path) -> None:
    path = write(tmp_path, "exits.py", """
        import sys
        sys.exit(3)
        """)
    error = only_error(path)
    assert error.exception == "SystemExit: the DAG file called sys.exit(3) while it was being loaded"
    assert error.line == 3


def test_error_in_a_function_of_the_file_points_into_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "nested.py", """
        from airflow import DAG

        def helper():
            raise RuntimeError("from helper")

        helper()
        """)
    error = only_error(path)
    assert error.exception == "RuntimeError: from helper"
    assert error.line == 5


def test_unsupported_airflow_module_is_an_import_error(tmp_path: Path) -> None:
    path = write(tmp_path, "contrib.py", """
        from airflow.contrib.operators.ssh_operator import SSHOperator
        """)
    error = only_error(path)
    assert error.line == 2
    assert "Slipstream does not provide this Airflow module" in error.exception


def test_file_can_import_a_module_next_to_it(tmp_path: Path) -> None:
    (tmp_path / "helpers_for_dag.py").write_text("NAME = 'from_helper'\n")
    path = write(tmp_path, "uses_helper.py", """
        from airflow import DAG
        from helpers_for_dag import NAME
        dag = DAG(NAME)
        """)
    assert only_dag(path).dag_id == "from_helper"


def test_not_a_python_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    loaded = load(path)
    assert loaded.dags == []
    assert "not a Python file" in loaded.errors[0].exception


def test_loading_twice_gives_fresh_dags(tmp_path: Path) -> None:
    path = write(tmp_path, "twice_loaded.py", """
        from airflow import DAG
        dag = DAG("again")
        """)
    first, second = only_dag(path), only_dag(path)
    assert first is not second
    assert first.dag_id == second.dag_id == "again"


def test_module_name_is_stable_and_importable() -> None:
    name = module_name_for("/some/where/my-dag file.py")
    assert name == module_name_for("/some/where/my-dag file.py")
    assert name != module_name_for("/else/where/my-dag file.py")
    assert name.isidentifier()
    assert name.endswith("my_dag_file")


TIMETABLE_SEEN = """
from datetime import datetime
from airflow.sdk import DAG, task

with DAG("timetable_seen", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    @task
    def timetable_class(dag=None):
        return type(dag.timetable).__name__

    timetable_class()
"""


def test_dag_file_settings_decide_how_a_cron_string_is_read(settings, tmp_path):
    """What the DAG objects of a file loaded here see: Airflow 3's trigger timetable by default,
    the data-interval one with ``[scheduler] create_cron_data_intervals`` on."""
    from slipstream.dagfiles.airflow_imports import airflow_imports
    from slipstream.dagfiles.loader import dag_file_settings

    path = write(tmp_path, "timetable_seen.py", TIMETABLE_SEEN)
    seen = {}
    for cron_data_intervals in (False, True):
        with airflow_imports(), dag_file_settings(settings.replace(create_cron_data_intervals=cron_data_intervals)):
            seen[cron_data_intervals] = type(only_dag(path).timetable).__name__
    assert seen == {False: "CronTriggerTimetable", True: "CronDataIntervalTimetable"}


def test_task_processes_read_schedules_with_the_settings(settings, db, write_dag):
    """A task process loads the DAG file with the settings' data-interval choice, as the parser did."""
    from slipstream.dagfiles.processor import DagFileProcessor
    from slipstream.scheduler.run_to_end import run_dag_to_end
    from slipstream.store import xcoms

    intervals = settings.replace(create_cron_data_intervals=True)
    write_dag("timetable_seen.py", TIMETABLE_SEEN)
    processor = DagFileProcessor(intervals, db)
    try:
        processor.process(force=True)
    finally:
        processor.close()
    run = run_dag_to_end(intervals, db, "timetable_seen", timeout=60)
    assert run.state == "success"
    with db.read() as session:
        seen = xcoms.pull(session, dag_id="timetable_seen", run_id=run.run_id, task_id="timetable_class", key="return_value")
    assert seen == "CronDataIntervalTimetable"
    assert run.data_interval_end - run.data_interval_start == timedelta(days=1)  # a manual run's complete day


def test_ids_outside_airflows_rule_are_import_errors_naming_the_id_and_what_is_allowed(tmp_path: Path) -> None:
    for name, source, says in [
        ("dots.py", 'DAG("..", schedule=None)', "The dag_id '..' is not allowed: an id cannot be '.' or '..'"),
        ("slash.py", 'DAG("a/b", schedule=None)', "The dag_id 'a/b' has characters that are not allowed: use only "
                                                   "letters, digits, underscores, dashes and dots"),
        ("task.py", 'with DAG("fine_dag", schedule=None):\n    EmptyOperator(task_id=".")',
         "The task_id '.' is not allowed"),
        ("group.py", 'with DAG("fine_dag", schedule=None):\n    with TaskGroup("a.b"):\n        pass',
         "The group_id 'a.b' has characters that are not allowed"),
    ]:
        path = tmp_path / name
        path.write_text(f"from airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\n"
                        f"from airflow.utils.task_group import TaskGroup\n{source}\n")
        error = only_error(path)
        assert says in error.exception, error.exception
        assert error.filename == str(path.resolve())
