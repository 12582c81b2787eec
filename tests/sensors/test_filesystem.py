"""FileSensor through the task runner: plain paths, glob patterns, recursive globs, directories,
templated paths and the base path of an fs connection."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sensor_helpers import run

from slipstream.sdk import DAG
from slipstream.sensors.filesystem import FileSensor


@pytest.fixture(autouse=True)
def _store(db: object) -> None:
    """Connections are looked up in the store of a fresh home when no environment variable names them."""


def file_dag(tmp_path: Path, **kwargs: object) -> DAG:
    dag = DAG("file_dag", fileloc=str(tmp_path / "file_dag.py"))
    FileSensor(task_id="wait", dag=dag, **{"poke_interval": 0.01, "timeout": 0.05, **kwargs})
    return dag


def test_an_existing_file_is_found_at_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    (tmp_path / "ready.csv").write_text("a,b\n")
    result = run(file_dag(tmp_path, filepath=str(tmp_path / "ready.csv")), "wait")
    assert result.state == "success"
    assert f"Found file {tmp_path / 'ready.csv'}" in caplog.text


def test_a_missing_file_times_out(tmp_path: Path) -> None:
    result = run(file_dag(tmp_path, filepath=str(tmp_path / "never.csv")), "wait")
    assert result.state == "failed"
    assert "AirflowSensorTimeout" in (result.error or "")


def test_glob_patterns_match_files(tmp_path: Path) -> None:
    (tmp_path / "part-0001.csv").write_text("")
    assert run(file_dag(tmp_path, filepath=str(tmp_path / "part-*.csv")), "wait").state == "success"
    assert run(file_dag(tmp_path, filepath=str(tmp_path / "part-*.json")), "wait").state == "failed"


def test_double_star_needs_recursive(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.txt").write_text("")
    pattern = str(tmp_path / "**" / "deep.txt")
    assert run(file_dag(tmp_path, filepath=pattern, recursive=True), "wait").state == "success"
    assert run(file_dag(tmp_path, filepath=pattern), "wait").state == "failed"


def test_a_directory_counts_only_with_a_file_somewhere_inside(tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    (folder / "sub").mkdir(parents=True)
    assert run(file_dag(tmp_path, filepath=str(folder)), "wait").state == "failed"
    (folder / "sub" / "x.dat").write_text("")
    assert run(file_dag(tmp_path, filepath=str(folder)), "wait").state == "success"


def test_filepath_is_templated(tmp_path: Path) -> None:
    (tmp_path / "2024-01-02.done").write_text("")
    dag = file_dag(tmp_path, filepath=str(tmp_path) + "/{{ ds }}.done")
    assert run(dag, "wait").state == "success"


def test_relative_paths_start_at_the_path_of_the_fs_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "in.txt").write_text("")
    monkeypatch.setenv("AIRFLOW_CONN_MY_FS", json.dumps({"conn_type": "fs", "extra": {"path": str(tmp_path / "landing")}}))
    assert run(file_dag(tmp_path, filepath="in.txt", fs_conn_id="my_fs"), "wait").state == "success"


def test_an_unknown_connection_fails_the_try(tmp_path: Path) -> None:
    result = run(file_dag(tmp_path, filepath="in.txt", fs_conn_id="no_such_fs"), "wait")
    assert result.state == "failed"
    assert "no_such_fs" in (result.error or "")


def test_deferrable_waits_in_reschedule_mode(tmp_path: Path) -> None:
    dag = file_dag(tmp_path, filepath=str(tmp_path / "later.txt"), deferrable=True, timeout=60)
    assert dag.get_task("wait").mode == "reschedule"
    assert run(dag, "wait").state == "up_for_reschedule"
