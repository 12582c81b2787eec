"""Mapping at scale: one ``expand()`` over N items through the real scheduler and local executor.

The run happens in a child process of its own, so the peak resident memory it reports
(``ru_maxrss``) is that of the process running the scheduler, parser calls and store reads,
not of earlier benchmarks. Task processes are not counted: they are the fork server's children.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def map_source(n: int, dag_id: str, *, reduce: bool = True) -> str:
    """``square.expand(x=items())`` over ``n`` items; with ``reduce``, ``total`` checks their sum."""
    reducer = (
        "    @task\n"
        "    def total(values):\n"
        "        got = sum(values)\n"
        f"        if got != {sum(x * x for x in range(n))}:\n"
        "            raise ValueError(f'wrong sum {got}')\n"
        "        return got\n\n"
        "    total(square.expand(x=items()))\n\n"
    )
    return (
        "from datetime import datetime\n"
        "from slipstream import dag, task\n\n"
        f'@dag(dag_id="{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks={n})\n'
        "def build():\n"
        "    @task\n"
        "    def items():\n"
        f"        return list(range({n}))\n\n"
        "    @task\n"
        "    def square(x):\n"
        "        return x * x\n\n"
        + (reducer if reduce else "    square.expand(x=items())\n\n")
        + "build()\n"
    )


def _child(n: int) -> dict[str, float]:
    """Run it here; the reducer itself fails the run if the sum is wrong (a BenchError)."""
    from bench.harness import run_dag_file

    dag_id = f"bench_map{n}"
    result = run_dag_file(dag_id, source=map_source(n, dag_id), timeout=900.0)
    rows = {(r.task_id, r.map_index): r for r in result.tasks}
    mapped = [r for (task_id, _), r in rows.items() if task_id == "square"]
    if len(mapped) != n:
        raise RuntimeError(f"{dag_id}: expected {n} mapped instances, found {len(mapped)}")
    items, total = rows[("items", -1)], rows[("total", -1)]
    span = (max(r.end_date for r in mapped) - min(r.start_date for r in mapped)).total_seconds()
    return {
        "run_wall_s": result.wall_seconds,
        "expand_ms": (min(r.start_date for r in mapped) - items.end_date).total_seconds() * 1000.0,
        "tasks_per_s": n / span if span > 0 else float("inf"),
        "reduce_s": (total.end_date - max(r.end_date for r in mapped)).total_seconds(),
        "scheduler_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


def run_in_child(script: str, n: int) -> dict[str, float]:
    """Run ``script --child n`` in a fresh interpreter; the figures it printed last, as JSON."""
    done = subprocess.run(
        [sys.executable, str(Path(script).resolve()), "--child", str(n)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{Path(script).stem} {n} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def script_main(child: Callable[[int], dict[str, float]], run: Callable[[int], dict[str, float]]) -> None:
    """``script.py [N]`` runs ``run(N)`` (which starts the child); ``script.py --child N`` is that child."""
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]))))
    else:
        print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)))


def run_map(n: int = 10_000) -> dict[str, float]:
    """Run the mapping benchmark in a fresh interpreter and check the reducer's sum there."""
    return run_in_child(__file__, n)


if __name__ == "__main__":
    script_main(_child, run_map)
