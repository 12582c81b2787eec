"""seed002_dynamic_task_mapping_demo.py, unchanged, against every row of its EXPECTED.md section.

Params are checked before any run exists; daily mode maps one partition, custom mode three,
named by the map_index_template and run in parallel, each in a Python 3.12 virtualenv with
duckdb writing parquet into the worker's folder (built once, reused after); an empty range
skips the mapped task; without Python 3.12 the task says so.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from slipstream.operators import venv_cache
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.scheduler.triggering import trigger_dag
from slipstream.sdk.exceptions import AirflowException, ParamValidationError
from slipstream.store import dag_runs, task_instances
from slipstream.store.log_paths import log_path

DAG_ID = "dynamic_task_mapping_demo"
SEED = "seed002_dynamic_task_mapping_demo.py"


def _python_312_or_skip() -> None:
    try:
        venv_cache.find_python("3.12")
    except AirflowException as err:
        if os.environ.get("CI") == "true":
            raise AssertionError(f"CI must have Python 3.12 for the seed DAG: {err}") from None
        pytest.skip(f"Python 3.12 is not on this machine: {err}")


@pytest.fixture
def seed002(settings, db, write_dag, parse, seed_dags: Path):
    write_dag(SEED, (seed_dags / SEED).read_text())
    parse()
    return settings, db


def _partitions(db, run_id: str) -> list:
    with db.read() as session:
        rows = [r for r in task_instances.for_run(session, DAG_ID, run_id) if r.task_id == "process_partition"]
    return sorted(rows, key=lambda r: r.map_index)


@pytest.mark.parametrize(
    ("conf", "param", "rule"),
    [
        ({"mode": "weekly"}, "mode", "enum"),
        ({"start_date": "tomorrow-ish"}, "start_date", "format 'date'"),
        ({"events_per_partition": "ten"}, "events_per_partition", "type 'integer'"),
    ],
)
def test_bad_params_are_refused_before_a_run_exists(seed002, conf, param, rule) -> None:
    settings, db = seed002
    with pytest.raises(ParamValidationError) as err:
        trigger_dag(db, DAG_ID, conf=conf)
    assert f"param {param!r}" in str(err.value) and f"rule: {rule}" in str(err.value)

    from slipstream.cli.main import cli

    result = CliRunner().invoke(cli, ["dags", "trigger", DAG_ID, "--conf", json.dumps(conf)])
    assert result.exit_code != 0
    assert f"param {param!r}" in result.output
    with db.read() as session:
        assert dag_runs.list_runs(session, DAG_ID) == []


def test_daily_and_custom_modes_map_partitions_in_cached_python_312_venvs(
    seed002, venvs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _python_312_or_skip()
    settings, db = seed002
    worker = tmp_path / "worker"
    worker.mkdir()
    monkeypatch.chdir(worker)  # tasks run in the worker's folder: the seed writes to 'out'

    daily = run_dag_to_end(settings, db, DAG_ID, timeout=300)
    assert daily.state == "success"
    ds = daily.logical_date.strftime("%Y-%m-%d")
    [only] = _partitions(db, daily.run_id)
    assert (only.map_index, only.state, only.rendered_map_index) == (0, "success", f"Partition: {ds}")
    assert list((worker / "out" / f"event_date={ds}").glob("*.parquet"))

    custom = {"mode": "custom", "start_date": "2024-01-01", "end_date": "2024-01-03", "events_per_partition": 5}
    run = run_dag_to_end(settings, db, DAG_ID, conf=custom, timeout=300)
    assert run.state == "success"
    rows = _partitions(db, run.run_id)
    assert [(r.map_index, r.state, r.rendered_map_index) for r in rows] == [
        (i, "success", f"Partition: 2024-01-0{i + 1}") for i in range(3)
    ]
    assert max(r.start_date for r in rows) < min(r.end_date for r in rows), "the partitions run in parallel"
    for day in ("2024-01-01", "2024-01-02", "2024-01-03"):
        assert list((worker / "out" / f"event_date={day}").glob("*.parquet")), day
    logs = [log_path(settings.base_log_folder, DAG_ID, run.run_id, "process_partition", r.map_index, 1).read_text()
            for r in rows]
    # the environment was built by the daily run: this run only reuses it
    assert all("Reusing the cached virtual environment" in text for text in logs)
    assert not any("Installing" in text or "Creating a virtual environment" in text for text in logs)
    assert all("Python 3.12" in text for text in logs), logs[0]


def test_an_empty_date_range_skips_the_mapped_task_and_the_run_succeeds(seed002) -> None:
    settings, db = seed002
    backwards = {"mode": "custom", "start_date": "2024-01-05", "end_date": "2024-01-01"}
    run = run_dag_to_end(settings, db, DAG_ID, conf=backwards, timeout=120)
    assert run.state == "success"
    assert [(r.map_index, r.state) for r in _partitions(db, run.run_id)] == [(-1, "skipped")]


def test_without_python_312_the_partition_fails_saying_so(
    seed002, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, db = seed002
    no_pyenv = tmp_path / "no-pyenv"
    no_pyenv.mkdir()
    bin_dir = tmp_path / "bin"  # PATH with bash but without any python3.12
    bin_dir.mkdir()
    for tool in ("bash", "sh", "env"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    monkeypatch.setenv("PYENV_ROOT", str(no_pyenv))
    monkeypatch.setenv("PATH", str(bin_dir))
    custom = {"mode": "custom", "start_date": "2024-01-01", "end_date": "2024-01-01"}
    run = run_dag_to_end(settings, db, DAG_ID, conf=custom, timeout=120)
    assert run.state == "failed"
    [row] = _partitions(db, run.run_id)
    assert row.state == "failed"
    assert "Python 3.12 is not on this machine" in row.state_reason
