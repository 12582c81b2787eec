"""The API benchmark runs at a tiny size: a real server, every read answered and checked."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `bench`

from bench import report, scenarios
from bench.api import Sizes, run_api


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLIPSTREAM__", "AIRFLOW__")):
            monkeypatch.delenv(name)


def test_api_bench_tiny() -> None:
    figures = run_api(Sizes(dags=12, tasks=30, runs=3, mapped=300, requests=2))
    for name in ("grid_ms", "grid_kb", "structure_ms", "dashboard_ms", "build_store_s"):
        assert math.isfinite(figures[name]) and figures[name] > 0, (name, figures)


def test_endpoints_not_served_yet_show_as_pending() -> None:
    benchmark = scenarios.BENCHMARKS["api"]
    tiny = type(benchmark)(benchmark.name, benchmark.description, lambda: {"grid_ms": 1.0}, benchmark.metrics)
    result = report.measure(tiny, repeat=1)
    rows = {row[1]: row for row in report.table_rows({"api": result})}
    assert rows["grid_ms"][-1] == "yes"
    assert rows["mapped_page_ms"][-1] == "pending" and rows["mapped_page_ms"][3] == ""
