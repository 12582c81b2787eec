"""Several schedulers on one PostgreSQL store, stepped side by side in threads: whatever their
passes' interleaving, the slots they hand out together stay within the pool, max_active_tasks
and parallelism, and each try is queued once."""

from __future__ import annotations

import threading
from collections import Counter

from scheduler_helpers import RecordingExecutor

from slipstream.dagfiles.processor import DagFileProcessor
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import migrate, pools, task_instances
from slipstream.store.db import Database

WIDE = """
from datetime import datetime
from slipstream import DAG, EmptyOperator, PythonOperator

with DAG("wide", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=8):
    for i in range(40):
        PythonOperator(task_id=f"t{i}", python_callable=print, pool="four" if i % 2 else "default_pool")
"""


def test_two_schedulers_keep_every_limit_together(settings, postgres_url, write_dag):
    settings = settings.replace(sql_alchemy_conn=postgres_url, parallelism=10)
    db = Database(postgres_url)
    migrate.migrate(db)
    with db.write() as session:
        pools.set_pool(session, "four", 4)
    write_dag("wide.py", WIDE)
    processor = DagFileProcessor(settings, db)
    processor.process()
    processor.close()
    for _ in range(3):
        trigger_dag(db, "wide")
    executors = [RecordingExecutor(), RecordingExecutor()]
    schedulers = [Scheduler(settings, db, executor) for executor in executors]
    for scheduler in schedulers:
        scheduler.job.register(scheduler.clock())

    most: Counter[str] = Counter()
    queued_by: Counter[tuple[int, int]] = Counter()
    lock = threading.Lock()

    def step(scheduler: Scheduler, executor: RecordingExecutor) -> None:
        for _ in range(15):
            result = scheduler.run_once()
            with lock:
                with db.read() as session:
                    active = task_instances.active_rows(session)
                most["all"] = max(most["all"], len(active))
                most["four"] = max(most["four"], sum(1 for r in active if r.pool == "four"))
                for workload in result.dispatched:
                    queued_by[(workload.ti_id, workload.try_number)] += 1
                executor.succeed_first(db, 2, scheduler.clock())  # two of its tries end: slots free up for both

    threads = [threading.Thread(target=step, args=pair) for pair in zip(schedulers, executors, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.dispose()

    assert most["four"] == 4  # reached, never passed
    assert most["all"] == 8  # the DAG's max_active_tasks (parallelism is 10)
    assert len(queued_by) >= 40  # both dispatched, many tries
    assert all(count == 1 for count in queued_by.values()), [k for k, n in queued_by.items() if n > 1]
