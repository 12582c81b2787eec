"""PythonVirtualenvOperator and ExternalPythonOperator with real interpreters and real venvs.

The environments are built by the real ``python3.12 -m venv`` and pip (on a machine without
Python 3.12, with this Python's own version, so the same code runs). One cache folder is shared
by the whole session (``SLIPSTREAM__CORE__VIRTUALENV_CACHE``), so duckdb is installed once; the
test of the lock uses a fresh folder of its own.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import re
import sys
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slipstream.config import Settings
from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.operators import venv_cache
from slipstream.operators.python_virtualenv import ExternalPythonOperator, PythonVirtualenvOperator
from slipstream.runner.context import DagRunInfo
from slipstream.runner.task_runner import TryResult, execute_task
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.sdk import DAG
from slipstream.sdk.exceptions import AirflowException, DagDefinitionError
from slipstream.store import task_instances, xcoms
from slipstream.store.db import Database
from slipstream.store.log_paths import log_path

LOGICAL = datetime(2024, 1, 2, tzinfo=UTC)


def _other_python() -> tuple[str, str]:
    """Python 3.12, as the seed DAG asks; where it is missing, this Python's own version."""
    try:
        return "3.12", venv_cache.find_python("3.12")[0]
    except AirflowException:
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        return version, venv_cache.find_python(version)[0]


VERSION, PYTHON = _other_python()
VERSION_INFO = tuple(int(part) for part in VERSION.split("."))


def run(dag: DAG, task_id: str, conf: dict | None = None) -> TryResult:
    info = DagRunInfo(
        id=1, dag_id=dag.dag_id, run_id="manual__1", run_type="manual", logical_date=LOGICAL,
        data_interval_start=LOGICAL, data_interval_end=LOGICAL, conf=conf or {},
    )
    return execute_task(dag, task_id, info, store=None, map_index=-1, try_number=1, max_tries=0)


def one_task(tmp_path: Path, operator: type = PythonVirtualenvOperator, **kwargs: object) -> DAG:
    dag = DAG("venv_dag", fileloc=str(tmp_path / "venv_dag.py"), params={"size": 3})
    operator(task_id="t", dag=dag, **kwargs)
    return dag


def describe(number: int, label: str, ds: str, params: dict) -> dict:
    import sys

    print("running in", sys.version.split()[0])
    return {"double": number * 2, "label": label, "ds": ds, "size": params["size"], "python": sys.version_info[:2]}


def test_the_function_runs_in_python_312_with_rendered_arguments(venvs: Path, tmp_path: Path, capsys) -> None:
    dag = one_task(tmp_path, python_callable=describe, python_version=VERSION, op_args=[21],
                   op_kwargs={"label": "day {{ ds }}"})
    result = run(dag, "t")
    assert result.state == "success", result.error
    assert result.xcoms == (
        ("return_value", {"double": 42, "label": "day 2024-01-02", "ds": "2024-01-02", "size": 3, "python": VERSION_INFO}),
    )
    assert re.search(rf"running in {re.escape(VERSION)}\.\d+", capsys.readouterr().out)


def test_an_environment_is_reused_once_built(venvs: Path, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO, "slipstream.task")
    dag = one_task(tmp_path, python_callable=describe, python_version=VERSION, op_args=[1], op_kwargs={"label": "x"})
    assert run(dag, "t").state == "success"
    caplog.clear()
    assert run(dag, "t").state == "success"
    assert "Reusing the cached virtual environment" in caplog.text
    assert "Creating a virtual environment" not in caplog.text


def test_annotations_may_name_types_the_script_does_not_import(venvs: Path, tmp_path: Path) -> None:
    from typing import List  # noqa: UP035 - as DAG files written for older Pythons do

    def listed(count: int) -> List[str]:  # noqa: UP006
        return [str(i) for i in range(count)]

    result = run(one_task(tmp_path, python_callable=listed, python_version=VERSION, op_args=[2]), "t")
    assert result.xcoms == (("return_value", ["0", "1"]),)


def test_a_failing_function_fails_the_task_with_its_traceback_in_the_log(venvs: Path, tmp_path: Path, capsys) -> None:
    def broken() -> None:
        numbers = {"a": 1}
        print("about to fail")
        numbers["missing"]

    dag = one_task(tmp_path, python_callable=broken, python_version=VERSION)
    result = run(dag, "t")
    assert result.state == "failed"
    assert "exited with code 1" in (result.error or "")
    out = capsys.readouterr().out
    assert "about to fail" in out
    assert "Traceback (most recent call last)" in out and "KeyError: 'missing'" in out
    assert 'numbers["missing"]' in out


def test_a_python_version_that_is_not_installed_fails_with_where_it_looked(venvs: Path, tmp_path: Path) -> None:
    dag = one_task(tmp_path, python_callable=describe, python_version="3.99")
    result = run(dag, "t")
    assert result.state == "failed"
    error = result.error or ""
    assert "Python 3.99 is not on this machine" in error
    assert "python3.99 is not on PATH" in error
    assert "versions/3.99*/bin/python" in error


def test_get_current_context_is_not_available_in_the_other_python(venvs: Path, tmp_path: Path, capsys) -> None:
    def wants_context() -> None:
        from airflow.operators.python import get_current_context

        get_current_context()

    result = run(one_task(tmp_path, python_callable=wants_context, python_version=VERSION), "t")
    assert result.state == "failed"
    out = capsys.readouterr().out
    assert "No module named 'airflow" in out
    assert "get_current_context() and the other Airflow APIs are not available there" in out


def test_context_objects_that_cannot_cross_are_refused_by_name(venvs: Path, tmp_path: Path) -> None:
    def wants_ti(ti) -> None:  # noqa: ANN001
        pass

    result = run(one_task(tmp_path, python_callable=wants_ti, python_version=VERSION), "t")
    assert result.state == "failed"
    assert "asks for ti from the context, which cannot be passed to another Python" in (result.error or "")


def test_string_args_templates_dict_and_skip_exit_code(venvs: Path, tmp_path: Path) -> None:
    def with_globals(templates_dict: dict) -> list:
        return [*virtualenv_string_args, templates_dict["when"]]  # noqa: F821 - the script defines it

    dag = one_task(tmp_path, python_callable=with_globals, python_version=VERSION, string_args=["a", "b c"],
                   templates_dict={"when": "{{ ds_nodash }}"})
    result = run(dag, "t")
    assert result.xcoms == (("return_value", ["a", "b c", "20240102"]),)

    def leave() -> None:
        import sys

        sys.exit(42)

    result = run(one_task(tmp_path, python_callable=leave, python_version=VERSION, skip_on_exit_code=42), "t")
    assert result.state == "skipped"


def test_the_working_directory_is_the_task_process_one(
    venvs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def write_relative() -> str:
        import os

        with open("written.txt", "w") as handle:
            handle.write("here")
        return os.getcwd()

    worker = tmp_path / "worker"
    worker.mkdir()
    monkeypatch.chdir(worker)
    result = run(one_task(tmp_path, python_callable=write_relative, python_version=VERSION), "t")
    assert result.xcoms == (("return_value", str(worker)),)
    assert (worker / "written.txt").read_text() == "here"


def test_a_missing_serializer_and_a_lambda_are_clear_errors(venvs: Path, tmp_path: Path) -> None:
    with pytest.raises(DagDefinitionError, match="unknown serializer 'json'"):
        one_task(tmp_path, python_callable=describe, serializer="json")
    with pytest.raises(DagDefinitionError, match="must be a function defined with def"):
        one_task(tmp_path, python_callable=lambda: 1)


def test_dill_serializer_as_airflow_tutorial_uses_it(venvs: Path, tmp_path: Path) -> None:
    """Airflow's tutorial_taskflow_api_virtualenv sets serializer="dill": dill is a dependency of
    Slipstream as of Airflow, and is added to the environment's requirements."""
    dag = one_task(tmp_path, python_callable=describe, serializer="dill", op_args=[4], op_kwargs={"label": "d"})
    result = run(dag, "t")
    assert result.state == "success", result.error
    (key, value), = result.xcoms
    assert key == "return_value" and value["double"] == 8 and value["label"] == "d"


def test_external_python_uses_the_interpreter_it_is_given(venvs: Path, tmp_path: Path) -> None:
    def version() -> str:
        import sys

        return sys.executable

    result = run(one_task(tmp_path, ExternalPythonOperator, python=PYTHON, python_callable=version), "t")
    assert result.xcoms == (("return_value", PYTHON),)
    missing = run(one_task(tmp_path, ExternalPythonOperator, python="/nowhere/bin/python3", python_callable=version), "t")
    assert missing.state == "failed"
    assert "the Python executable /nowhere/bin/python3 does not exist" in (missing.error or "")


def _build(cache: str, python: str, version: str) -> str:
    out = io.StringIO()
    logger = logging.getLogger(f"build-{os.getpid()}")
    logger.addHandler(logging.StreamHandler(out))
    logger.setLevel(logging.INFO)
    with redirect_stdout(out):
        venv_cache.prepared_venv(
            cache=Path(cache), python=python, python_version=version, requirements=[],
            system_site_packages=False, pip_install_options=[], index_urls=None, log=logger,
        )
    return out.getvalue()


def test_parallel_builders_of_one_environment_build_it_once(tmp_path: Path) -> None:
    version = venv_cache.interpreter_version(PYTHON)[0]
    context = multiprocessing.get_context("fork")
    with context.Pool(3) as pool:
        outputs = pool.starmap(_build, [(str(tmp_path), PYTHON, version)] * 3)
    assert sum("Creating a virtual environment" in out for out in outputs) == 1
    assert sum("Reusing the cached virtual environment" in out for out in outputs) == 2
    assert len(list(tmp_path.glob("venv-*/slipstream-venv.json"))) == 1


def test_airflow_import_paths(venvs: Path) -> None:
    with airflow_imports():
        from airflow.decorators import task as decorators_task
        from airflow.operators.python import ExternalPythonOperator as External
        from airflow.operators.python import PythonVirtualenvOperator as Virtualenv
        from airflow.providers.standard.operators.python import PythonVirtualenvOperator as StandardVirtualenv
        from airflow.sdk import get_current_context, task

    assert Virtualenv is StandardVirtualenv is PythonVirtualenvOperator
    assert External is ExternalPythonOperator
    assert task is decorators_task and callable(task.virtualenv) and callable(get_current_context)


DUCKDB_DAG = """
from airflow.decorators import dag, task


@dag(schedule=None, params={"events": 10})
def venv_duckdb():
    @task.virtualenv(task_display_name="🔥 Process Partitions", requirements=["duckdb>=0.9.0"], python_version="{version}")
    def process_partition(date_str: str, events_per_partition: int) -> str:
        import duckdb

        with duckdb.connect(":memory:") as conn:
            conn.execute(f'''
                COPY (
                    SELECT strftime(DATE '{date_str}', '%Y-%m-%d') AS event_date,
                           (random() * 1000)::INTEGER AS some_value
                    FROM range({events_per_partition})
                ) TO 'out' (FORMAT PARQUET, PARTITION_BY (event_date), OVERWRITE_OR_IGNORE)
            ''')
        return duckdb.__version__

    process_partition.override(task_id="first")("2024-01-01", "{{ params.events }}")
    process_partition.override(task_id="second")("2024-01-02", "{{ params.events }}")


venv_duckdb()
"""


def test_duckdb_in_a_python_312_venv_end_to_end(
    settings: Settings, db: Database, write_dag, parse, venvs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = tmp_path / "worker"
    worker.mkdir()
    monkeypatch.chdir(worker)
    write_dag("venv_duckdb.py", DUCKDB_DAG.replace("{version}", VERSION))
    parse()
    logs: dict[str, list[str]] = {}
    for attempt in ("first", "second"):
        run = run_dag_to_end(settings, db, "venv_duckdb", run_id=f"run_{attempt}", timeout=300)
        with db.read() as session:
            rows = task_instances.for_run(session, "venv_duckdb", run.run_id)
            versions = {row.task_id: xcoms.pull(session, dag_id="venv_duckdb", run_id=run.run_id,
                                                 task_id=row.task_id, key="return_value") for row in rows}
        texts = [log_path(settings.base_log_folder, "venv_duckdb", run.run_id, row.task_id, -1, 1).read_text()
                 for row in rows]
        assert run.state == "success", texts
        assert all(re.fullmatch(r"\d+\.\d+\.\d+.*", v) for v in versions.values()), versions
        logs[attempt] = texts
    assert sum("Creating a virtual environment" in text for text in logs["first"]) <= 1
    assert all("Reusing the cached virtual environment" in text for text in logs["second"])
    assert not any("Installing" in text for text in logs["second"])
    for day in ("2024-01-01", "2024-01-02"):
        assert list((worker / "out" / f"event_date={day}").glob("*.parquet")), day
    assert sys.version_info[:2] == (3, 11)  # the task process itself stays on Slipstream's Python


def test_requirements_may_be_a_requirements_file_next_to_the_dag(venvs: Path, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("# what the partitions need\nduckdb>={{ params.duckdb }}\n")

    def duckdb_version() -> str:
        import duckdb

        return duckdb.__version__

    dag = DAG("venv_file", fileloc=str(tmp_path / "venv_file.py"), params={"duckdb": "0.9.0"})
    operator = PythonVirtualenvOperator(
        task_id="t", dag=dag, python_callable=duckdb_version, python_version=VERSION, requirements="requirements.txt"
    )
    assert operator.requirements == ["requirements.txt"]
    result = run(dag, "t")
    assert result.state == "success", result.error
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", dict(result.xcoms)["return_value"])
    missing = DAG("venv_missing_file", fileloc=str(tmp_path / "elsewhere" / "dag.py"))
    PythonVirtualenvOperator(task_id="t", dag=missing, python_callable=duckdb_version, requirements="requirements.txt")
    assert f"the requirements file {tmp_path / 'elsewhere' / 'requirements.txt'} does not exist" in (
        run(missing, "t").error or ""
    )
