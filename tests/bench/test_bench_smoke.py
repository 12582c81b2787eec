"""The benchmark suite still runs: tiny variants of each benchmark give numbers. No timing asserted."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `bench`

from bench import report, run, scenarios


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLIPSTREAM__", "AIRFLOW__")):
            monkeypatch.delenv(name)


def _numeric(figures: dict[str, float], names: list[str]) -> None:
    for name in names:
        assert isinstance(figures[name], float), (name, figures)
        assert math.isfinite(figures[name]), (name, figures)


def test_chain_tiny() -> None:
    figures = scenarios.run_chain(n=3)
    _numeric(figures, ["handoff_median_ms", "handoff_p90_ms", "task_duration_median_ms", "run_wall_s"])
    assert figures["run_wall_s"] > 0


def test_fanout_tiny() -> None:
    figures = scenarios.run_fanout(n=5)
    _numeric(figures, ["tasks_per_s", "leaves_span_s", "root_to_first_leaf_ms", "run_wall_s"])
    assert figures["tasks_per_s"] > 0


def test_catchup_tiny() -> None:
    figures = scenarios.run_catchup(days=5, max_active_runs=2)
    _numeric(figures, ["create_all_runs_s", "finish_all_runs_s", "runs_per_s", "tasks_per_s", "run_wall_median_s"])
    assert figures["runs_per_s"] > 0 and figures["tasks_per_s"] == pytest.approx(3 * figures["runs_per_s"])
    assert figures["create_all_runs_s"] > 0  # max_active_runs 2: later runs are created as earlier ones end


def test_map_tiny() -> None:
    from bench.mapping import run_map

    figures = run_map(20)  # in a child interpreter; the reducer checks the sum itself
    _numeric(figures, ["run_wall_s", "expand_ms", "tasks_per_s", "reduce_s", "scheduler_peak_rss_mb"])
    assert figures["scheduler_peak_rss_mb"] > 10


def test_floor_tiny() -> None:
    from bench.floor import run_floor

    figures = run_floor(20)  # in a child interpreter, with task processes that only claim and finish
    _numeric(figures, ["tasks_per_s", "mapped_span_s", "task_duration_median_ms"])
    assert figures["tasks_per_s"] > 0


def test_measure_render_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tiny = dataclasses.replace(scenarios.BENCHMARKS["chain50"], run=lambda: scenarios.run_chain(n=2))
    result = report.measure(tiny, repeat=2)
    metric = result["metrics"]["handoff_median_ms"]
    assert len(metric["samples"]) == 2
    assert isinstance(metric["median"], float) and isinstance(metric["ratio"], float)
    assert metric["meets"] in (True, False)

    info = report.machine()
    assert info["cpu_count"] and info["python"]
    report.render({"chain2": result}, info, plain=True)
    assert "handoff_median_ms" in capsys.readouterr().out
    out = tmp_path / "bench.json"
    report.write_json(out, {"chain2": result}, info)
    assert json.loads(out.read_text())["benchmarks"]["chain2"]["repeat"] == 2


def test_cli_arguments() -> None:
    args = run.parse_args(["--repeat", "2", "--only", "chain50", "--json", "x.json"])
    assert args.repeat == 2 and args.only == ["chain50"] and args.json == Path("x.json")
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "no-such-benchmark"])


def test_dags_test_command_tiny(tmp_path: Path) -> None:
    from bench.dags_test_command import time_dags_test

    path = tmp_path / "tiny.py"
    path.write_text(
        "from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n"
        "with DAG('tiny', start_date=datetime(2024, 1, 1), schedule=None):\n"
        "    BashOperator(task_id='only', bash_command='sleep 0.2')\n"
    )
    figures = time_dags_test(path, "tiny", 0.2)
    _numeric(figures, ["command_wall_s", "overhead_s", "first_task_ms"])
    assert 0 < figures["first_task_ms"] < figures["command_wall_s"] * 1000
