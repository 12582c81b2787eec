"""API reads on a big store, through the real server: ``make bench-api`` or
``.venv/bin/python bench/run.py --only api``; on PostgreSQL, ``.venv/bin/python bench/api.py
--postgres postgresql+psycopg://postgres@127.0.0.1:5432/EMPTY_DB``.

In a temp ``SLIPSTREAM_HOME`` with a fresh SQLite store, the bench writes (through store functions,
no DAG file is parsed) 1,000 small DAGs, a DAG of 1,000 tasks (10 task groups of 100) with 25 runs,
and a DAG whose mapped task has one run of 100,000 instances; then starts the API server
(``api/server.py:start_in_thread``) and times each read from an httpx client as a Viewer: one
warm-up request, then the median of several. Each answer is checked (counts, sizes), so a fast
wrong answer fails the benchmark instead of passing it.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BenchError, _temp_home  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
PASSWORD = "bench-password"


@dataclass(frozen=True)
class Sizes:
    dags: int = 1000
    tasks: int = 1000
    runs: int = 25
    mapped: int = 100_000
    requests: int = 7

    @property
    def groups(self) -> int:
        return max(1, self.tasks // 100)


FULL = Sizes()


def _small_dag(dag_id: str) -> Any:
    from slipstream import DAG, EmptyOperator, chain

    with DAG(dag_id, start_date=START, schedule="@daily", catchup=False, tags=["bench", "small"]) as dag:
        chain(*[EmptyOperator(task_id=f"step_{i}") for i in range(5)])
    return dag


def _wide_dag(dag_id: str, tasks: int, groups: int) -> Any:
    """``tasks`` tasks in ``groups`` task groups, each group a chain, the groups one after the other."""
    from slipstream import DAG, EmptyOperator, TaskGroup, chain

    per_group = tasks // groups
    with DAG(dag_id, start_date=START, schedule=None, tags=["bench"]) as dag:
        previous = None
        for g in range(groups):
            with TaskGroup(f"group_{g:02d}") as group:
                chain(*[EmptyOperator(task_id=f"task_{i:03d}") for i in range(per_group)])
            if previous is not None:
                previous >> group
            previous = group
    return dag


def _mapped_dag(dag_id: str) -> Any:
    from slipstream import DAG, task

    with DAG(dag_id, start_date=START, schedule=None, tags=["bench"]) as dag:

        @task
        def work(x: int) -> int:
            return x

        work.expand(x=[0, 1, 2])
    return dag


@dataclass(frozen=True)
class Store:
    settings: Any
    db: Any
    wide_dag: str
    mapped_dag: str
    mapped_run: str


def build_store(home: Path, sizes: Sizes, database_url: str | None = None) -> Store:
    """Write the DAGs, runs and task instances straight through store functions (into the SQLite
    store of ``home``, or the empty database at ``database_url``)."""
    from slipstream.config import Settings
    from slipstream.dagfiles.manual_runs import task_specs
    from slipstream.dagfiles.serialization import SerializedDag, dag_hash, serialize_dag
    from slipstream.store import dag_runs, dags, migrate, task_instances
    from slipstream.store.db import Database

    extra = {"sql_alchemy_conn": database_url} if database_url else {}
    settings = Settings.load(home, load_examples=False, dags_folder=home / "dags", **extra)
    db = Database(settings.sql_alchemy_conn)
    migrate.migrate(db)
    now = datetime.now(UTC)
    template = serialize_dag(_small_dag("small"))
    wide, mapped = "bench_wide", "bench_mapped"
    with db.write() as session:
        for i in range(sizes.dags):
            dag_id = f"bench_dag_{i:04d}"
            data = {**template, "dag_id": dag_id, "fileloc": str(home / "dags" / f"{dag_id}.py")}
            dags.sync_file(session, data["fileloc"], [(data, dag_hash(data))], [], now)
        for dag_id, dag in ((wide, _wide_dag(wide, sizes.tasks, sizes.groups)), (mapped, _mapped_dag(mapped))):
            data = serialize_dag(dag)
            data["fileloc"] = str(home / "dags" / f"{dag_id}.py")
            dags.sync_file(session, data["fileloc"], [(data, dag_hash(data))], [], now)
            if dag_id == wide:
                specs = task_specs(SerializedDag(data))
                for r in range(sizes.runs):
                    logical_date = START + timedelta(days=r)
                    run = dag_runs.create(session, dag_id=wide, run_id=f"run_{r:03d}", run_type="scheduled",
                                          tasks=specs, now=now, logical_date=logical_date, state="running")
                    if r < sizes.runs - 1:  # the newest run stays running with undecided tasks
                        final = "failed" if r % 10 == 9 else "success"
                        task_instances.mark_unfinished_of_run(session, run.id, final, now)
                        dag_runs.set_state(session, run.id, "running", final, end_date=now)
            else:
                run = dag_runs.create(session, dag_id=mapped, run_id="run_000", run_type="manual",
                                      tasks=task_specs(SerializedDag(data)), now=now, logical_date=START,
                                      state="running")
                placeholder = task_instances.find(
                    session, task_instances.TaskInstanceKey(mapped, "run_000", "work", -1)
                )
                task_instances.expand(session, placeholder.id, sizes.mapped, "success")
    if db.is_postgres:
        # What autovacuum does within a minute of such bulk inserts: without statistics the planner
        # guesses one row per table and sorts 100,000 instances on disk for a page of 100.
        from sqlalchemy import text

        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return Store(settings=settings, db=db, wide_dag=wide, mapped_dag=mapped, mapped_run="run_000")


def _timed(call: Callable[[], Any], requests: int) -> tuple[float, Any]:
    """Median milliseconds of ``requests`` calls after one warm-up; the last answer."""
    answer = call()
    samples = []
    for _ in range(requests):
        t0 = time.perf_counter()
        answer = call()
        samples.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(samples), answer


def _ok(answer: Any, what: str) -> Any:
    if answer.status_code != 200:
        raise BenchError(f"{what}: HTTP {answer.status_code}: {answer.text[:300]}")
    return answer.json()


def _route_missing(answer: Any) -> bool:
    """A 404 of FastAPI's router (no such path) rather than of a handler (no such object)."""
    return answer.status_code == 404 and answer.json() == {"detail": "Not Found"}


def run_api(sizes: Sizes = FULL, database_url: str | None = None) -> dict[str, float]:
    """One repetition: build the store, start the server, time every read. Endpoints not served
    yet (another part of the API) are left out of the figures and reported as pending."""
    import httpx

    from slipstream.api.server import start_in_thread
    from slipstream.services import users
    from slipstream.services.context import ServiceContext

    figures: dict[str, float] = {}
    with _temp_home() as home:
        t0 = time.perf_counter()
        store = build_store(home, sizes, database_url)
        figures["build_store_s"] = time.perf_counter() - t0
        ctx = ServiceContext(settings=store.settings, db=store.db)
        server = start_in_thread(ctx)
        try:
            users.create_user(ctx, username="bench", password=PASSWORD, role="Viewer")
            token = httpx.post(f"{server.url}/auth/token", json={"username": "bench", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.raise_for_status().json()['access_token']}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                figures.update(_measure_all(client, store, sizes))
        finally:
            server.stop()
            store.db.dispose()
    return figures


def _measure_all(client: Any, store: Store, sizes: Sizes) -> dict[str, float]:
    figures: dict[str, float] = {}
    n = sizes.requests
    all_dags = sizes.dags + 2

    first = client.get("/api/v2/dags", params={"limit": 100})
    if _route_missing(first):
        print("  api: GET /api/v2/dags is not served yet: dags_list rows pending", flush=True)
    else:
        ms, answer = _timed(lambda: client.get("/api/v2/dags", params={"limit": 100}), n)
        body = _ok(answer, "GET /api/v2/dags?limit=100")
        if body["total_entries"] != all_dags or len(body["dags"]) != min(100, all_dags):
            raise BenchError(f"GET /api/v2/dags?limit=100: {len(body['dags'])} of {body['total_entries']} DAGs")
        figures["dags_list_100_ms"] = ms
        ms, listed = _timed(lambda: _all_dags(client, all_dags), n)
        if len(listed) != all_dags:
            raise BenchError(f"GET /api/v2/dags: {len(listed)} DAGs listed, expected {all_dags}")
        figures["dags_list_all_ms"] = ms

    ms, answer = _timed(lambda: client.get(f"/ui/grid/{store.wide_dag}", params={"limit": sizes.runs}), n)
    body = _ok(answer, "GET /ui/grid")
    if len(body["runs"]) != sizes.runs or len(body["rows"]) != sizes.tasks + sizes.groups:
        raise BenchError(f"GET /ui/grid: {len(body['runs'])} runs and {len(body['rows'])} rows")
    figures["grid_ms"] = ms
    figures["grid_kb"] = len(answer.content) / 1024

    ms, answer = _timed(lambda: client.get(f"/ui/structure/{store.wide_dag}"), n)
    _ok(answer, "GET /ui/structure")
    figures["structure_ms"] = ms

    figures.update(_mapped_page(client, store, sizes))

    ms, answer = _timed(lambda: client.get("/ui/dashboard"), n)
    if _ok(answer, "GET /ui/dashboard")["dags"]["total"] != all_dags:
        raise BenchError("GET /ui/dashboard: wrong DAG count")
    figures["dashboard_ms"] = ms
    return figures


def _all_dags(client: Any, expected: int) -> list[Any]:
    """Every DAG, in as few pages as the server allows (it may cap ``limit``)."""
    found: list[Any] = []
    while len(found) < expected:
        body = _ok(client.get("/api/v2/dags", params={"limit": expected, "offset": len(found)}), "GET /api/v2/dags")
        if not body["dags"]:
            break
        found.extend(body["dags"])
    return found


def _mapped_page(client: Any, store: Store, sizes: Sizes) -> dict[str, float]:
    """A page of 100 in the middle of the mapped task's instances: ``listMapped`` if served, else
    the run's task-instance list filtered on the task, else pending."""
    offset = sizes.mapped // 2
    base = f"/api/v2/dags/{store.mapped_dag}/dagRuns/{store.mapped_run}/taskInstances"
    candidates = [
        (f"{base}/work/listMapped", {"limit": 100, "offset": offset}),
        (base, {"task_id": "work", "limit": 100, "offset": offset}),
    ]
    for path, params in candidates:
        first = client.get(path, params=params)
        if _route_missing(first) or first.status_code == 501:
            continue
        ms, answer = _timed(lambda path=path, params=params: client.get(path, params=params), sizes.requests)
        body = _ok(answer, f"GET {path}")
        instances = body.get("task_instances", [])
        if len(instances) != 100 or body["total_entries"] < sizes.mapped:
            raise BenchError(f"GET {path}: {len(instances)} instances of {body.get('total_entries')}")
        if instances[0].get("map_index") != offset:
            raise BenchError(f"GET {path}: the page starts at map_index {instances[0].get('map_index')}, not {offset}")
        print(f"  api: mapped page timed through GET {path}", flush=True)
        return {"mapped_page_ms": ms}
    print("  api: neither listMapped nor the task-instance list is served yet: mapped_page row pending", flush=True)
    return {}


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="bench/api.py", description="API reads on a big store (one repetition)")
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database to use instead of SQLite")
    parser.add_argument("--requests", type=int, default=FULL.requests, help="timed requests per endpoint")
    args = parser.parse_args()
    figures = run_api(Sizes(requests=args.requests), args.postgres)
    for name, value in figures.items():
        print(f"{name:20} {value:10.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
