"""Workloads as JSON: the DAG file named relative to its folder and resolved on the receiving
machine, its version checked, callback requests likewise."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slipstream.executors.base import TaskCallbackRequest, Workload
from slipstream.executors.workload_json import (
    WorkloadError,
    dump_request,
    dump_workload,
    file_hash,
    file_version_note,
    load_request,
    load_workload,
)


def workload(fileloc: str, **extra) -> Workload:
    return Workload(
        ti_id=3, dag_id="etl", run_id="manual__1", task_id="load", map_index=-1, try_number=2, fileloc=fileloc,
        dag_hash="abc", queued_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), queue="special", **extra,
    )


def test_a_file_in_the_dags_folder_travels_as_a_relative_path_and_lands_in_the_workers_folder(settings, tmp_path):
    (settings.dags_folder / "team").mkdir()
    path = settings.dags_folder / "team" / "etl.py"
    path.write_text("# etl\n")
    sent = dump_workload(workload(str(path), file_hash=file_hash(str(path))), settings)
    data = json.loads(sent)
    assert data["fileloc"] == {"folder": "dags_folder", "path": "team/etl.py"}
    assert str(settings.home) not in sent  # nothing of the scheduler's paths

    worker_folder = tmp_path / "worker-dags"
    (worker_folder / "team").mkdir(parents=True)
    (worker_folder / "team" / "etl.py").write_text("# etl\n")
    received = load_workload(sent, settings.replace(dags_folder=worker_folder))
    assert received.fileloc == str(worker_folder / "team" / "etl.py")
    assert received.queued_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC) and received.queue == "special"
    assert file_version_note(received) is None  # same bytes, same version


def test_a_worker_copy_that_differs_is_named_in_a_note(settings, tmp_path):
    path = settings.dags_folder / "etl.py"
    path.write_text("version = 1\n")
    sent = dump_workload(workload(str(path), file_hash=file_hash(str(path))), settings)
    worker_folder = tmp_path / "worker-dags"
    worker_folder.mkdir()
    (worker_folder / "etl.py").write_text("version = 2\n")
    note = file_version_note(load_workload(sent, settings.replace(dags_folder=worker_folder)))
    assert note is not None and "differs from the scheduler's" in note and file_hash(str(path)) in note


def test_example_dags_resolve_in_the_package_of_each_machine(settings):
    example = Path(__file__).resolve().parents[2] / "src/slipstream/example_dags/example_taskflow_etl.py"
    data = json.loads(dump_workload(workload(str(example)), settings))
    assert data["fileloc"] == {"folder": "example_dags", "path": "example_taskflow_etl.py"}
    assert Path(load_workload(json.dumps(data), settings).fileloc).samefile(example)


def test_a_missing_file_or_a_path_out_of_the_folder_is_refused_with_what_to_do(settings):
    data = json.loads(dump_workload(workload(str(settings.dags_folder / "gone.py")), settings))
    with pytest.raises(WorkloadError, match=r"DAG file gone.py not found under \[core\] dags_folder .*shared path or a synced copy"):
        load_workload(json.dumps(data), settings)
    data["fileloc"] = {"folder": "dags_folder", "path": "../../etc/passwd"}
    with pytest.raises(WorkloadError, match="must stay inside its folder"):
        load_workload(json.dumps(data), settings)
    with pytest.raises(WorkloadError, match="not a workload"):
        load_workload('{"ti_id": 1}', settings)


def test_callback_requests_round_trip(settings):
    path = settings.dags_folder / "etl.py"
    path.write_text("# etl\n")
    request = TaskCallbackRequest(
        dag_id="etl", run_id="r", task_id="load", map_index=-1, try_number=1, fileloc=str(path), state="failed",
        reason="its process died",
    )
    assert load_request(dump_request(request, settings), settings) == request
