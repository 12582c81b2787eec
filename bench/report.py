"""Repeat a benchmark, take medians, describe the machine, print the table, write JSON."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.scenarios import Benchmark

REPO = Path(__file__).resolve().parent.parent


def machine() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], check=False, cwd=REPO, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], check=False, cwd=REPO, capture_output=True, text=True,
            timeout=5,
        ).stdout.strip()
        if commit and changed:
            commit += "+uncommitted src changes"
    except (OSError, subprocess.SubprocessError):
        commit = ""
    try:
        from slipstream import __version__ as version
    except ImportError:
        version = "?"
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "slipstream": version,
        "git_commit": commit,
    }


def measure(benchmark: Benchmark, repeat: int, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run ``repeat`` repetitions; per metric: every sample, median, min, max, target and verdict."""
    samples: dict[str, list[float]] = {}
    started = time.perf_counter()
    for i in range(repeat):
        t0 = time.perf_counter()
        figures = benchmark.run()
        for name, value in figures.items():
            samples.setdefault(name, []).append(float(value))
        if log is not None:
            shown = ", ".join(f"{k}={v:.3f}" for k, v in figures.items())
            log(f"  {benchmark.name} {i + 1}/{repeat} ({time.perf_counter() - t0:.1f} s): {shown}")
    metrics: dict[str, Any] = {}
    declared = {m.name: m for m in benchmark.metrics}
    for name, values in samples.items():
        spec = declared.get(name)
        median = statistics.median(values)
        entry: dict[str, Any] = {
            "median": median, "min": min(values), "max": max(values), "samples": values,
            "unit": spec.unit if spec else "", "target": None, "ratio": None, "meets": None,
        }
        if spec is not None and spec.target is not None:
            entry["target"] = spec.target
            entry["higher_is_better"] = spec.higher_is_better
            entry["ratio"] = median / spec.target if spec.target else None
            entry["meets"] = spec.meets(median)
        metrics[name] = entry
    for name, spec in declared.items():  # declared but never measured: the code it times is not there yet
        if name not in metrics and spec.target is not None:
            metrics[name] = {"median": None, "min": None, "max": None, "samples": [], "unit": spec.unit,
                             "target": spec.target, "ratio": None, "meets": None, "pending": True}
    order = [m.name for m in benchmark.metrics if m.name in metrics] + [n for n in metrics if n not in declared]
    return {
        "description": benchmark.description,
        "repeat": repeat,
        "seconds": time.perf_counter() - started,
        "metrics": {name: metrics[name] for name in order},
    }


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) >= 0.01 else f"{value:.4f}"


def table_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for bench_name, result in results.items():
        for name, m in result["metrics"].items():
            target = ""
            if m["target"] is not None:
                target = f"{'>=' if m.get('higher_is_better') else '<='} {_fmt(m['target'])}"
            verdict = "pending" if m.get("pending") else {True: "yes", False: "NO", None: ""}[m["meets"]]
            ratio = f"{m['ratio']:.2f}x" if m["ratio"] is not None else ""
            rows.append([
                bench_name, name, m["unit"], _fmt(m["median"]),
                f"{_fmt(m['min'])}..{_fmt(m['max'])}" if m["samples"] else "",
                str(result["repeat"]), target, ratio, verdict,
            ])
    return rows


HEADERS = ["benchmark", "metric", "unit", "median", "min..max", "n", "target", "median/target", "meets"]


def render(results: dict[str, Any], info: dict[str, Any], plain: bool = False) -> None:
    title = (
        f"Slipstream {info['slipstream']} ({info['git_commit'] or 'no commit'}) - {info['cpus_usable']} of "
        f"{info['cpu_count']} CPUs, {info['implementation']} {info['python']}, SQLite {info['sqlite']}, "
        f"{info['platform']}"
    )
    rows = table_rows(results)
    if not plain:
        try:
            from rich.console import Console
            from rich.table import Table
        except ImportError:
            plain = True
    if not plain:
        console = Console()
        if not console.is_terminal:  # piped or in `make`: do not squeeze the table into 80 columns
            console = Console(width=max(console.width, 160))
        console.print(title, highlight=False)
        table = Table()
        for header in HEADERS:
            table.add_column(header, justify="right" if header not in ("benchmark", "metric", "unit") else "left")
        for row in rows:
            style = {"NO": "red", "yes": "green"}.get(row[-1])
            table.add_row(*row[:-1], f"[{style}]{row[-1]}[/{style}]" if style else row[-1])
        console.print(table)
        return
    print(title)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADERS)]
    print("  ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    sys.stdout.flush()


def write_json(path: Path, results: dict[str, Any], info: dict[str, Any]) -> None:
    document = {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": info, "benchmarks": results}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
