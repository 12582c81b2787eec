"""The chaos harness itself: its plan, DAG set, process classification and checks, and a small
real run (a scheduler, task processes SIGKILLed, every check) so that ``make chaos`` cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `chaos`

from chaos import processes
from chaos.dags import RETRIES, write_dag_set
from chaos.harness import ChaosRun, Kill, Options, Result
from chaos.plan import make_plan
from chaos.report import details, table
from chaos.watch import read_lines

# One kill of each kind (the product recovers from every one since issue 10's adopt and procs work).
KINDS_THAT_WORK = processes.KINDS


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLIPSTREAM__", "AIRFLOW__")):
            monkeypatch.delenv(name)


def test_the_same_seed_gives_the_same_plan_and_kinds_are_spread_evenly():
    plan = make_plan(7, 50, processes.KINDS, 1000)
    assert plan == make_plan(7, 50, processes.KINDS, 1000)
    assert plan != make_plan(8, 50, processes.KINDS, 1000)
    assert Counter(k.kind for k in plan) == {kind: 10 for kind in processes.KINDS}
    moments = [k.after_lines for k in plan]
    assert moments == sorted(moments) and 30 <= moments[0] and moments[-1] <= 900


def test_a_plan_refuses_no_kinds():
    with pytest.raises(ValueError, match="at least one kind"):
        make_plan(1, 5, (), 100)


@pytest.mark.parametrize("total", [40, 60, 333, 1000])
def test_the_dag_set_has_the_tasks_asked_for_in_five_dags(tmp_path, total):
    dag_set = write_dag_set(tmp_path / "dags", tmp_path / "lines", tmp_path / "started", total=total, seed=3)
    assert len(dag_set.expected) == len(set(dag_set.expected)) == total
    assert dag_set.dag_ids == ["chaos_chains", "chaos_diamonds", "chaos_fanout", "chaos_layers", "chaos_mapped"]
    assert sorted(p.name for p in (tmp_path / "dags").iterdir()) == sorted(dag_set.files)
    mapped = [k for k in dag_set.expected if k.task_id == "item"]
    assert [k.map_index for k in mapped] == list(range(len(mapped)))
    assert f'"retries": {RETRIES}' in dag_set.files["chaos_layers.py"]
    for text in dag_set.files.values():
        compile(text, "dag", "exec")


def test_a_dag_set_too_small_for_its_shapes_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least 40"):
        write_dag_set(tmp_path, tmp_path / "l", tmp_path / "s", total=10, seed=1)


def test_processes_are_told_apart_by_command_line_group_session_and_stdout():
    fork = ("python", "-c", "from slipstream.processes.forkserver import serve", "3", "4",
            "slipstream.executors.task_process", "jinja2")
    logs = "/h/logs/"
    assert processes.classify(10, 10, 10, fork, "/w/scheduler.log", logs) == "fork_server"
    assert processes.classify(11, 10, 10, fork, "/w/scheduler.log", logs) == "zygote"
    assert processes.classify(12, 12, 10, fork, "/h/logs/d/r/t/1.log", logs) == "task"
    parser = ("python", "-c", "from slipstream.processes.forkserver import serve", "3", "-",
              "slipstream.dagfiles.parsing")
    assert processes.classify(13, 13, 13, parser, "/w/s.log", logs) == "parser"
    store = ("python", "-c", "from slipstream.executors.store_service import main; main(3)", "3")
    assert processes.classify(14, 14, 14, store, "/w/s.log", logs) == "store_service"
    assert processes.classify(15, 15, 15, ("python", "/v/bin/slipstream", "scheduler"), "", logs) == "scheduler"
    assert processes.classify(16, 16, 16, ("python", "/v/bin/slipstream", "dags", "list"), "", logs) == "other"


def test_only_processes_of_the_run_s_home_are_found_and_killed(tmp_path):
    home = tmp_path / "home"
    ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                            env={**os.environ, "SLIPSTREAM_HOME": str(home)})
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                             env={**os.environ, "SLIPSTREAM_HOME": str(tmp_path / "other")})
    try:
        found = processes.scan(home)
        assert [(p.pid, p.kind) for p in found] == [(ours.pid, "other")]
        assert processes.kill(ours.pid)
        assert ours.wait(10) == -9
        assert other.poll() is None
    finally:
        for child in (ours, other):
            child.kill()
            child.wait()


def test_the_checks_name_each_failure():
    result = Result("sqlite", 1, 3, 1, runs={"d r": "running"}, task_states={"success": 2, "running": 1},
                    not_successful=["d.t[-1] running try 1: "], runs_active=1, duplicated=["d.a[-1] x2"],
                    lost=["d.t[-1]"])
    result.kills = [Kill(1, "scheduler", 100, 0.0, 1, stall=20.0), Kill(2, "task", 101, 1.0, 2, note="never")]
    failures = result.failures(15.0)
    assert any("runs not successful" in f for f in failures)
    assert any("2 rows left queued or running" in f for f in failures)
    assert any("1 task bodies finished more than once" in f for f in failures)
    assert any("have no line (lost)" in f for f in failures)
    assert any("never recovered" in f for f in failures)
    assert any("longest stall 20.0 s (kill #1, scheduler)" in f for f in failures)
    row = table([result], 15.0).splitlines()[-1]
    assert row.startswith("| sqlite | 3 | 1 / 0 / 0 / 0 / 1 = 2 | never (1 of 2) | 20.0 s | 1 | 1 |") and "**FAIL**" in row


def test_a_malformed_line_is_kept_as_unexpected(tmp_path):
    lines = tmp_path / "lines"
    lines.write_text("d chaos t -1 1\ngarbage\n")
    assert read_lines(lines) == [("d", "chaos", "t", -1, 1), ("?", "?", "garbage", -2, 0)]


def _small_run(backend: str) -> Result:
    options = Options(seed=11, tasks=60, kills=5, kinds=KINDS_THAT_WORK, body_seconds=(0.3, 0.6), parallelism=8,
                      timeout=150, stall_limit=120, stall_give_up=60, verbose=False)
    return ChaosRun(backend, options).run()


def _assert_clean(result: Result) -> None:
    assert result.failures(120) == [], details(result, 120)
    assert len(result.kills) == 5 and result.kills_by_kind == {kind: 1 for kind in processes.KINDS}
    assert all(k.stall is not None for k in result.kills)
    assert result.task_states == {"success": 60} and set(result.runs.values()) == {"success"}
    assert not result.duplicated and not result.lost and not result.unexpected
    assert not Path(result.workdir).exists()  # cleaned up after a pass


def test_a_small_chaos_run_on_sqlite_passes_every_check():
    _assert_clean(_small_run("sqlite"))


@pytest.mark.postgres
def test_a_small_chaos_run_on_postgres_passes_every_check(postgres_url):
    # postgres_url makes sure the server is there (and fails under CI=true when it is not); the
    # harness makes and drops a database of its own, as `make chaos` does.
    _assert_clean(_small_run("postgres"))


def test_the_table_names_the_command_that_reproduces_it_without_where_its_report_went():
    from chaos.run import parse_args, render

    argv = ["--json", "/tmp/out.json", "--seed", "3", "--kills", "100", "--readme", "--quiet"]
    assert render([], parse_args(argv), argv).splitlines()[0] == "`make chaos CHAOS_ARGS='--seed 3 --kills 100'`:"
    assert render([], parse_args(["--readme"]), ["--readme"]).splitlines()[0] == "`make chaos`:"
