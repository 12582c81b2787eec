"""``-S/--subdir`` is for one command only, DAGs whose files are gone are never scheduled, and new
DAGs start paused as ``[core] dags_are_paused_at_creation`` and ``is_paused_upon_creation`` say."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from cli_helpers import invoke_json, run

ONCE = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule="@once", catchup=False{extra}) as dag:
    BashOperator(task_id="only", bash_command="echo ran")
"""


def write_once(folder: Path, dag_id: str, extra: str = "") -> Path:
    path = folder / f"{dag_id}.py"
    path.write_text(ONCE.format(dag_id=dag_id, extra=extra))
    return path


def runs_of(dag_id: str) -> list[dict]:
    return json.loads(run("dags", "list-runs", dag_id, "-o", "json").stdout or "[]")


def listed(runner, *args: str) -> dict[str, dict]:
    return {row["dag_id"]: row for row in invoke_json(runner, "dags", "list", *args)}


def schedule_until_done(server, dag_id: str) -> None:
    """Run ``slipstream scheduler`` until ``dag_id``'s @once run has succeeded, then stop it."""
    scheduler = server("scheduler")
    scheduler.wait_for(r"^Scheduler started")
    deadline = time.monotonic() + 60
    while not any(r["state"] == "success" for r in runs_of(dag_id)):
        assert time.monotonic() < deadline, scheduler.output
        time.sleep(0.3)
    assert scheduler.stop(signal.SIGTERM) == 0, scheduler.output


def test_a_read_only_command_with_subdir_leaves_the_store_as_it_was(runner, dags_dir, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_once(elsewhere, "from_elsewhere")
    write_once(dags_dir, "at_home")
    assert set(listed(runner, "-S", str(elsewhere))) == {"from_elsewhere"}
    assert set(listed(runner, "--include-inactive")) == {"at_home"}
    assert invoke_json(runner, "dags", "list-import-errors", "-S", str(elsewhere)) == []


def test_dags_recorded_through_subdir_are_never_scheduled_by_a_plain_scheduler(runner, server, dags_dir, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_once(elsewhere, "scheduled_if_registered")
    write_once(elsewhere, "tested_elsewhere")
    write_once(dags_dir, "at_home")
    run("dags", "test", "tested_elsewhere", "-S", str(elsewhere))  # records the folder's DAGs to run one now
    schedule_until_done(server, "at_home")
    assert runs_of("scheduled_if_registered") == []
    rows = listed(runner, "--include-inactive")
    assert set(listed(runner)) == {"at_home"}, "DAGs of a folder given with -S are no DAGs of the scheduler's"
    assert {"scheduled_if_registered", "tested_elsewhere"} <= set(rows)


def test_a_dag_whose_file_is_gone_is_deactivated_and_never_scheduled(runner, server, dags_dir):
    gone = write_once(dags_dir, "deleted_later")
    write_once(dags_dir, "at_home")
    assert set(listed(runner)) == {"deleted_later", "at_home"}
    gone.unlink()
    schedule_until_done(server, "at_home")
    assert runs_of("deleted_later") == []
    assert set(listed(runner)) == {"at_home"}


@pytest.fixture
def airflow_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """[core] dags_are_paused_at_creation as shipped (the tests' home sets it to false)."""
    monkeypatch.delenv("SLIPSTREAM__CORE__DAGS_ARE_PAUSED_AT_CREATION")


def test_new_dags_start_paused_unless_the_dag_says_otherwise(runner, dags_dir, airflow_default):
    write_once(dags_dir, "plain")
    write_once(dags_dir, "eager", ", is_paused_upon_creation=False")
    rows = listed(runner)
    assert rows["plain"]["is_paused"] is True
    assert rows["eager"]["is_paused"] is False


def test_the_paused_flag_is_set_only_when_a_dag_is_first_recorded(runner, dags_dir, airflow_default):
    path = write_once(dags_dir, "plain")
    listed(runner)
    run("dags", "unpause", "plain")
    path.write_text(path.read_text() + "\n# changed\n")
    assert listed(runner, "--local")["plain"]["is_paused"] is False


def test_the_config_can_start_new_dags_unpaused_and_a_dag_can_still_ask_to_be_paused(runner, dags_dir, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__CORE__DAGS_ARE_PAUSED_AT_CREATION", "false")
    write_once(dags_dir, "plain")
    write_once(dags_dir, "careful", ", is_paused_upon_creation=True")
    rows = listed(runner)
    assert rows["plain"]["is_paused"] is False
    assert rows["careful"]["is_paused"] is True


def test_the_example_dags_start_unpaused_as_a_demo(runner, airflow_default, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__CORE__LOAD_EXAMPLES", "true")
    rows = listed(runner)
    examples = {dag_id: row for dag_id, row in rows.items() if dag_id.startswith("example_")}
    assert examples and not any(row["is_paused"] for row in examples.values())
