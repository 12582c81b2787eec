"""The benchmarks: each runs one DAG through scheduler + local executor and returns its figures.

A benchmark function does ONE repetition and returns ``{metric name: float}``; ``run.py``
repeats it and takes medians. Every figure comes from the timestamps the product writes to
the dag_run and task_instance rows, so the bench process's own overhead is not counted.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import run_dag_file, run_scheduled_dag_file

SEED_DAGS = Path(__file__).resolve().parent.parent.parent / "shared" / "seed-dags"
SEED_PARALLEL = SEED_DAGS / "seed000_parallel_data_processing.py"
# The longest path: start_pipeline and end_pipeline are DummyOperators (no process), then these sleeps.
SEED_CRITICAL_PATH = [("extract_customer_data", 7.0), ("process_customer_data", 3.0), ("combine_all_data", 2.0)]
SEED_CRITICAL_PATH_SECONDS = sum(sleep for _, sleep in SEED_CRITICAL_PATH)

_HEADER = '''"""Written by bench/scenarios.py."""
from datetime import datetime

from slipstream import DAG, PythonOperator, chain


def noop():
    return None

'''


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    description: str = ""

    def meets(self, value: float) -> bool | None:
        if self.target is None:
            return None
        return value >= self.target if self.higher_is_better else value <= self.target


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    run: Callable[[], dict[str, float]]
    metrics: list[Metric] = field(default_factory=list)
    default_repeat: int = 5


def _ms(delta: timedelta) -> float:
    return delta.total_seconds() * 1000.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# -- chain: hand-off latency -----------------------------------------------------------------


def chain_source(n: int, dag_id: str) -> str:
    return _HEADER + (
        f'with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:\n'
        f'    tasks = [PythonOperator(task_id=f"t{{i:04d}}", python_callable=noop) for i in range({n})]\n'
        "    chain(*tasks)\n"
    )


def run_chain(n: int = 50) -> dict[str, float]:
    """n no-op tasks in a chain; hand-off = start of task i+1 minus end of task i."""
    if n < 2:
        raise ValueError("a chain needs at least 2 tasks")
    dag_id = f"bench_chain{n}"
    result = run_dag_file(dag_id, source=chain_source(n, dag_id))
    rows = sorted(result.tasks, key=lambda r: r.task_id)
    handoffs = [_ms(b.start_date - a.end_date) for a, b in itertools.pairwise(rows)]
    return {
        "handoff_median_ms": statistics.median(handoffs),
        "handoff_p90_ms": _percentile(handoffs, 0.9),
        "task_duration_median_ms": statistics.median(r.duration * 1000.0 for r in rows),
        "run_wall_s": result.wall_seconds,
    }


# -- fan-out: throughput ---------------------------------------------------------------------


def fanout_source(n: int, dag_id: str) -> str:
    # max_active_tasks=n so the per-DAG default (16) does not bind: the installation-wide
    # parallelism (settings, default 32) is the limit, as for many DAGs running together.
    return _HEADER + (
        f'with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False,\n'
        f"         max_active_tasks={n}) as dag:\n"
        '    root = PythonOperator(task_id="root", python_callable=noop)\n'
        f'    root >> [PythonOperator(task_id=f"leaf{{i:04d}}", python_callable=noop) for i in range({n})]\n'
    )


def run_fanout(n: int = 500) -> dict[str, float]:
    """One root then n parallel no-op tasks; throughput = n / (last end - first start) of the n."""
    dag_id = f"bench_fanout{n}"
    result = run_dag_file(dag_id, source=fanout_source(n, dag_id))
    leaves = [r for r in result.tasks if r.task_id != "root"]
    if len(leaves) != n:
        raise RuntimeError(f"{dag_id}: expected {n} leaf task instances, found {len(leaves)}")
    span = (max(r.end_date for r in leaves) - min(r.start_date for r in leaves)).total_seconds()
    root = next(r for r in result.tasks if r.task_id == "root")
    first_leaf_start = min(r.start_date for r in leaves)
    return {
        "tasks_per_s": n / span if span > 0 else float("inf"),
        "leaves_span_s": span,
        "root_to_first_leaf_ms": _ms(first_leaf_start - root.end_date),
        "task_duration_median_ms": statistics.median(r.duration * 1000.0 for r in leaves),
        "run_wall_s": result.wall_seconds,
    }


# -- the seed DAG: real-world overhead ---------------------------------------------------------


def run_seed_parallel(path: Path = SEED_PARALLEL) -> dict[str, float]:
    """The seed DAG copied unchanged; overhead = run wall time minus its 12 s critical path."""
    if not path.is_file():
        raise FileNotFoundError(f"seed DAG not found at {path}")
    result = run_dag_file("parallel_data_processing", copy_from=path)
    rows = {r.task_id: r for r in result.tasks}
    path_rows = [rows[task_id] for task_id, _ in SEED_CRITICAL_PATH]
    # wall = waits between the critical-path tasks + their run times = waits + sleeps + excess.
    edges = [result.start_date] + [t for r in path_rows for t in (r.start_date, r.end_date)] + [result.end_date]
    waits = sum(_ms(b - a) for a, b in zip(edges[::2], edges[1::2], strict=True))
    excess = sum(r.duration * 1000.0 - sleep * 1000.0 for r, (_, sleep) in zip(path_rows, SEED_CRITICAL_PATH, strict=True))
    return {
        "overhead_s": result.wall_seconds - SEED_CRITICAL_PATH_SECONDS,
        "run_wall_s": result.wall_seconds,
        "first_task_wait_ms": _ms(path_rows[0].start_date - result.start_date),
        "critical_path_waits_ms": waits,
        "critical_path_task_excess_ms": excess,
    }


# -- catchup: the scheduler creating and finishing many scheduled runs --------------------------

CATCHUP_MAX_ACTIVE_RUNS = 16


def catchup_source(days: int, dag_id: str, max_active_runs: int = CATCHUP_MAX_ACTIVE_RUNS) -> str:
    """Three no-op tasks in a chain, @daily, start_date ``days`` days before today's UTC midnight
    and end_date yesterday's, so exactly ``days`` runs are due: one at each midnight from start_date
    to end_date (Airflow 3's default), or with data intervals on, the same logical dates."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=days)
    end = today - timedelta(days=1)
    return _HEADER.replace("from datetime import datetime", "from datetime import datetime, timezone") + (
        f'with DAG("{dag_id}", schedule="@daily", catchup=True, max_active_runs={max_active_runs},\n'
        f"         start_date=datetime({start.year}, {start.month}, {start.day}, tzinfo=timezone.utc),\n"
        f"         end_date=datetime({end.year}, {end.month}, {end.day}, tzinfo=timezone.utc)) as dag:\n"
        '    chain(*[PythonOperator(task_id=f"t{i}", python_callable=noop) for i in range(3)])\n'
    )


def run_catchup(days: int = 1000, max_active_runs: int = CATCHUP_MAX_ACTIVE_RUNS) -> dict[str, float]:
    """Catchup of ``days`` daily runs of a 3-task chain, created and run by the real scheduler."""
    dag_id = f"bench_catchup{days}"
    result = run_scheduled_dag_file(
        dag_id, source=catchup_source(days, dag_id, max_active_runs), expected_runs=days
    )
    runs = result.runs
    queued = [r.queued_at for r in runs]
    starts = [r.start_date for r in runs]
    ends = [r.end_date for r in runs]
    if None in queued or None in starts or None in ends:
        raise RuntimeError(f"{dag_id}: a finished run lacks queued_at, start_date or end_date")
    create_s = (max(queued) - min(queued)).total_seconds()
    finish_s = (max(ends) - min(starts)).total_seconds()
    return {
        "create_all_runs_s": create_s,
        "finish_all_runs_s": finish_s,
        "runs_per_s": len(runs) / finish_s if finish_s > 0 else float("inf"),
        "tasks_per_s": len(result.tasks) / finish_s if finish_s > 0 else float("inf"),
        "run_wall_median_s": statistics.median((e - s).total_seconds() for s, e in zip(starts, ends, strict=True)),
    }


def run_map10000() -> dict[str, float]:
    from bench.mapping import run_map

    return run_map(10_000)


def run_seed_dags_test_command(path: Path = SEED_PARALLEL) -> dict[str, float]:
    """``slipstream dags test parallel_data_processing`` as a whole command (bench/dags_test_command.py)."""
    from bench.dags_test_command import time_dags_test

    return time_dags_test(path, "parallel_data_processing", SEED_CRITICAL_PATH_SECONDS)


def run_api_reads() -> dict[str, float]:
    from bench.api import run_api

    return run_api()


API_TARGET_MS = 500.0  # "well under a second"


def _run_executor_fanouts() -> dict[str, float]:
    from bench.executors import run_executor_fanouts  # imports scale/, and needs PostgreSQL and Redis

    return run_executor_fanouts()


BENCHMARKS: dict[str, Benchmark] = {
    b.name: b
    for b in [
        Benchmark(
            "chain50",
            "50 no-op PythonOperator tasks in a chain",
            run_chain,
            [
                Metric("handoff_median_ms", "ms", 20.0, description="median of start(i+1) - end(i)"),
                Metric("handoff_p90_ms", "ms"),
                Metric("task_duration_median_ms", "ms"),
                Metric("run_wall_s", "s"),
            ],
        ),
        Benchmark(
            "fanout500",
            "1 no-op root, then 500 parallel no-op PythonOperator tasks",
            run_fanout,
            [
                Metric("tasks_per_s", "/s", 200.0, higher_is_better=True, description="500 / span of the 500"),
                Metric("leaves_span_s", "s"),
                Metric("root_to_first_leaf_ms", "ms"),
                Metric("task_duration_median_ms", "ms"),
                Metric("run_wall_s", "s"),
            ],
        ),
        Benchmark(
            "seed_parallel_data_processing",
            "seed000_parallel_data_processing.py unchanged (12 s critical path of bash sleeps)",
            run_seed_parallel,
            [
                Metric("overhead_s", "s", 0.5, description="run wall time - 12 s"),
                Metric("run_wall_s", "s", SEED_CRITICAL_PATH_SECONDS + 0.5),
                Metric("first_task_wait_ms", "ms", description="run start -> first task process running"),
                Metric("critical_path_waits_ms", "ms", description="run start -> 1st task, gaps, last task -> run end"),
                Metric("critical_path_task_excess_ms", "ms", description="sum of (task duration - its sleep)"),
            ],
            default_repeat=3,
        ),
        Benchmark(
            "dags_test_parallel_data_processing",
            "`slipstream dags test parallel_data_processing --quiet`, the whole command, twice (12 s critical path)",
            run_seed_dags_test_command,
            [
                Metric("command_wall_s", "s", description="process start -> exit (warm start, the 2nd command)"),
                Metric("overhead_s", "s", description="command wall time - 12 s (warm start)"),
                Metric("first_task_ms", "ms", 300.0, description="process start -> first task's start_date (warm)"),
                Metric("fresh_command_wall_s", "s", description="the same, the 1st command: a fresh process"),
                Metric("fresh_first_task_ms", "ms", description="the same, the 1st command: a fresh process"),
            ],
            default_repeat=3,
        ),
        Benchmark(
            "catchup1000",
            f"catchup of 1,000 @daily runs of a 3-task chain (max_active_runs {CATCHUP_MAX_ACTIVE_RUNS})",
            run_catchup,
            [
                Metric("create_all_runs_s", "s", description="first run queued_at -> last run queued_at"),
                Metric("finish_all_runs_s", "s", description="first run start_date -> last run end_date"),
                Metric("runs_per_s", "/s", higher_is_better=True, description="1,000 / finish_all_runs_s"),
                Metric("tasks_per_s", "/s", higher_is_better=True, description="3,000 / finish_all_runs_s"),
                Metric("run_wall_median_s", "s", description="median dag_run end_date - start_date"),
            ],
            default_repeat=1,
        ),
        Benchmark(
            "map10000",
            "one expand() over 10,000 items, then a reducer that sums them (in a fresh process)",
            run_map10000,
            [
                Metric("run_wall_s", "s", 30.0, description="run start -> run end"),
                Metric("scheduler_peak_rss_mb", "MB", 500.0, description="peak RSS of the process running the scheduler"),
                Metric("tasks_per_s", "/s", higher_is_better=True, description="10,000 / span of the mapped instances"),
                Metric("expand_ms", "ms", description="upstream end -> first instance start"),
                Metric("reduce_s", "s", description="last instance end -> reducer end"),
            ],
            default_repeat=1,
        ),
        Benchmark(
            "executors",
            "1,000 parallel no-op tasks: local executor on SQLite and PostgreSQL, CeleryExecutor (Redis, 2 workers)",
            _run_executor_fanouts,
            [
                Metric("local_sqlite_tasks_per_s", "/s", higher_is_better=True, description="1,000 / span"),
                Metric("local_postgres_tasks_per_s", "/s", higher_is_better=True, description="1,000 / span"),
                Metric("celery_redis_tasks_per_s", "/s", higher_is_better=True, description="1,000 / span, 2 workers x 16"),
                Metric("celery_vs_local_postgres", "x", higher_is_better=True, description="Celery / local, both on PostgreSQL"),
                Metric("celery_run_wall_s", "s", description="trigger -> run end, Celery"),
                Metric("celery_redis_handoff_ms", "ms", description="a chain of 30 no-op tasks on Celery: median end -> next start"),
            ],
            default_repeat=3,
        ),
        Benchmark(
            "api",
            "API reads through the real server: 1,000 DAGs, a grid of 1,000 tasks x 25 runs, 100,000 mapped instances",
            run_api_reads,
            [
                Metric("dags_list_100_ms", "ms", API_TARGET_MS, description="GET /api/v2/dags?limit=100"),
                Metric("dags_list_all_ms", "ms", API_TARGET_MS, description="every DAG, in as few pages as allowed"),
                Metric("grid_ms", "ms", API_TARGET_MS, description="GET /ui/grid of 1,000 tasks x 25 runs"),
                Metric("grid_kb", "KB", description="size of that answer"),
                Metric("structure_ms", "ms", API_TARGET_MS, description="GET /ui/structure of the 1,000 tasks"),
                Metric("mapped_page_ms", "ms", API_TARGET_MS, description="100 of 100,000 mapped instances, offset 50,000"),
                Metric("dashboard_ms", "ms", API_TARGET_MS, description="GET /ui/dashboard"),
                Metric("build_store_s", "s", description="writing the store (not a figure of the API)"),
            ],
            default_repeat=1,
        ),
    ]
}
