"""The same fan-out of 1,000 no-op tasks on each executor: the local executor on SQLite and on
PostgreSQL (a scheduler in the bench process, as ``dags test``), and the CeleryExecutor on
PostgreSQL and Redis with 2 workers (a ``slipstream scheduler`` and two ``slipstream celery
worker`` processes, from ``scale/``). Throughput is n / (last task end - first task start)."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.harness import run_dag_file
from bench.scenarios import chain_source, fanout_source

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TASKS = 1000
PARALLELISM = 32  # the default: local processes at once, and 2 workers x 16 (worker_concurrency's default)


@contextmanager
def _postgres_database() -> Iterator[str]:
    import psycopg

    name = f"slipstream_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _span_rate(rows: list) -> float:
    span = (max(r.end_date for r in rows) - min(r.start_date for r in rows)).total_seconds()
    return len(rows) / span if span > 0 else float("inf")


def _local(database_url: str | None) -> float:
    dag_id = f"bench_fanout{TASKS}"
    result = run_dag_file(dag_id, source=fanout_source(TASKS, dag_id), database_url=database_url)
    return _span_rate([r for r in result.tasks if r.task_id != "root"])


def _celery(database_url: str) -> tuple[float, float, float]:
    """Throughput of the fan-out, its wall time, then the median hand-off of a chain of no-op
    tasks (an end to the next start, through the worker, NOTIFY, the scheduler and the broker)."""
    from scale.cluster import FanOut, Options

    options = Options(tasks=TASKS, broker="redis", schedulers=1, workers=2, concurrency=16, noop=True,
                      parallelism=PARALLELISM)
    with tempfile.TemporaryDirectory(prefix="slipstream-bench-celery-") as workdir:
        with FanOut(options, database_url, Path(workdir), log=lambda line: None) as cluster:
            outcome = cluster.run()
            rows = cluster.query("SELECT min(start_date), max(end_date), count(*) FROM task_instance WHERE state = 'success'")
            handoff = _chain_handoff_ms(cluster, Path(workdir) / "dags")
    if outcome.run_state != "success" or rows[0][2] != TASKS:
        raise RuntimeError(f"the Celery fan-out ended {outcome.run_state} with {outcome.ti_states}")
    first, last, count = rows[0]
    return count / (last - first).total_seconds(), outcome.seconds, handoff


def _chain_handoff_ms(cluster, dags_folder: Path, length: int = 30) -> float:  # noqa: ANN001 - a scale FanOut
    dag_id = f"bench_chain{length}"
    (dags_folder / f"{dag_id}.py").write_text(chain_source(length, dag_id))
    deadline = time.monotonic() + 60
    while not cluster.query("SELECT 1 FROM serialized_dag WHERE dag_id = %s", dag_id):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{dag_id} was not parsed within 60 s")
        time.sleep(0.1)
    cluster.cli("dags", "unpause", dag_id)
    cluster.cli("dags", "trigger", dag_id, "--run-id", "chain")
    while cluster.query("SELECT state FROM dag_run WHERE dag_id = %s", dag_id)[0][0] not in ("success", "failed"):
        if time.monotonic() > deadline + 120:
            raise RuntimeError(f"{dag_id} did not finish")
        time.sleep(0.05)
    rows = cluster.query("SELECT start_date, end_date FROM task_instance WHERE dag_id = %s ORDER BY task_id", dag_id)
    return statistics.median((rows[i + 1][0] - rows[i][1]).total_seconds() * 1000 for i in range(len(rows) - 1))


def run_executor_fanouts() -> dict[str, float]:
    sqlite = _local(None)
    with _postgres_database() as url:
        postgres = _local(url)
    with _postgres_database() as url:
        celery, wall, handoff = _celery(url)
    return {
        "local_sqlite_tasks_per_s": sqlite,
        "local_postgres_tasks_per_s": postgres,
        "celery_redis_tasks_per_s": celery,
        "celery_vs_local_postgres": celery / postgres,
        "celery_run_wall_s": wall,
        "celery_redis_handoff_ms": handoff,
    }
