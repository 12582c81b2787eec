"""``make scale``: the distributed path at full size. A DAG of 1,000 tasks, each inserting one row
with a unique key into PostgreSQL, on 2 schedulers and 2 Celery workers: on Redis, on RabbitMQ,
and on Redis with a worker and a scheduler SIGKILLed mid-run. Prints what each run did and fails
(exit 1) if a row is missing or doubled, a task failed, or the pool or max_active_tasks was exceeded.

    .venv/bin/python scale/run.py [--tasks N] [--only redis|rabbitmq|redis-kill]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scale.cluster import FanOut, Options, Outcome

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SCENARIOS = {
    "redis": {"broker": "redis"},
    "rabbitmq": {"broker": "rabbitmq"},
    "redis-kill": {"broker": "redis", "kill": True},
}


def problems(outcome: Outcome, options: Options) -> list[str]:
    """What the run got wrong (empty: everything held)."""
    found = []
    if outcome.run_state != "success":
        found.append(f"the run ended {outcome.run_state}")
    if outcome.ti_states != {"success": options.tasks}:
        found.append(f"task instance states {outcome.ti_states}, expected {options.tasks} success")
    if outcome.rows != options.tasks:
        found.append(f"{outcome.rows} rows, expected {options.tasks}")
    if outcome.max_executions_per_task > 1:
        found.append(f"a task's body ran {outcome.max_executions_per_task} times")
    if outcome.max_pool_overlap > options.pool_slots:
        found.append(f"{outcome.max_pool_overlap} pool tasks at once, pool has {options.pool_slots} slots")
    if outcome.max_overlap > options.max_active_tasks:
        found.append(f"{outcome.max_overlap} tasks at once, max_active_tasks is {options.max_active_tasks}")
    return found


def run_scenario(name: str, options: Options, workdir: Path) -> Outcome:
    database = f"slipstream_scale_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
        with FanOut(options, url, workdir / name, log=lambda line: print(f"  {line}", file=sys.stderr)) as fan_out:
            return fan_out.run()
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scale/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS))
    args = parser.parse_args(argv)
    failed = False
    workdir = Path(tempfile.mkdtemp(prefix="slipstream-scale-"))
    print(f"logs: {workdir}", file=sys.stderr)
    print(f"{'scenario':<12} {'run':<8} {'rows':>6} {'bodies':>7} {'max at once':>12} {'pool at once':>13} {'seconds':>8}  killed")
    for name in args.only or list(SCENARIOS):
        options = Options(tasks=args.tasks, **SCENARIOS[name])
        outcome = run_scenario(name, options, workdir)
        print(
            f"{name:<12} {outcome.run_state:<8} {outcome.rows:>6} {outcome.executions:>7} "
            f"{outcome.max_overlap:>5} / {options.max_active_tasks:<4} {outcome.max_pool_overlap:>6} / {options.pool_slots:<4} "
            f"{outcome.seconds:>8.1f}  {'; '.join(outcome.killed) or '-'}",
            flush=True,
        )
        for problem in problems(outcome, options):
            failed = True
            print(f"  PROBLEM: {problem}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
