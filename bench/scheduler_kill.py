"""Kill `slipstream scheduler` with SIGKILL while a 300-task fan-out runs, start it again, repeat;
then count the task bodies that ran twice and how long each restart took to move a task again.

    .venv/bin/python bench/scheduler_kill.py                 # SQLite, 3 kills, seed 1
    .venv/bin/python bench/scheduler_kill.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/DB
    .venv/bin/python bench/scheduler_kill.py --kills 5 --seed 7

The DAG is the one of issue 10: 300 tasks of 0.3 s, retries=3, max_active_tasks=16; each body
appends its task id to a ledger file with O_APPEND. A kill comes at a random moment (seeded)
while at least 8 tasks run; the next scheduler starts at once. Printed per kill: the tasks running
then, the seconds from the kill to the first task state change and to the first dispatch of the
new scheduler; at the end the run's state, the bodies that ran twice, the tries beyond the first.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from slipstream.store import dag_runs, migrate, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.db import Database

SLIPSTREAM = str(Path(sys.executable).parent / "slipstream")
DAG = '''
import os, time
from datetime import datetime
from airflow import DAG
from airflow.operators.python import PythonOperator

def body(name):
    time.sleep(0.3)
    fd = os.open({ledger!r}, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, (name + "\\n").encode())
    os.close(fd)

with DAG("fanout", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=16,
         default_args={{"retries": 3}}):
    for i in range(300):
        PythonOperator(task_id=f"t{{i:03d}}", python_callable=body, op_args=[f"t{{i:03d}}"])
'''


def _scheduler(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen([SLIPSTREAM, "scheduler"], env=env, stdout=out, stderr=subprocess.STDOUT)


def _rows(db: Database, run_id: str) -> list:
    with db.read() as session:
        return task_instances.for_run(session, "fanout", run_id)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", help="a PostgreSQL URL (an empty database) instead of SQLite")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    home = Path(tempfile.mkdtemp(prefix="slipstream-kill-"))
    (home / "dags").mkdir()
    ledger = home / "ledger.txt"
    (home / "dags" / "fanout.py").write_text(DAG.format(ledger=str(ledger)))
    url = args.postgres or f"sqlite:///{home / 'slipstream.db'}"
    env = dict(os.environ, SLIPSTREAM_HOME=str(home), SLIPSTREAM__CORE__LOAD_EXAMPLES="false",
               SLIPSTREAM__CORE__DAGS_ARE_PAUSED_AT_CREATION="false",
               SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN=url)
    db = Database(url)
    migrate.migrate(db)
    log = home / "scheduler.log"
    scheduler = _scheduler(env, log)
    while True:
        done = subprocess.run([SLIPSTREAM, "dags", "trigger", "fanout", "-o", "plain"], env=env, capture_output=True)
        if done.returncode == 0:
            break
        time.sleep(0.5)  # not parsed yet
    with db.read() as session:
        run_id = dag_runs.list_runs(session, "fanout")[0].run_id
    print(f"home {home}, database {url.split('@')[-1]}, run {run_id}")
    for kill in range(args.kills):
        time.sleep(rng.uniform(1.0, 6.0))
        while sum(r.state == "running" for r in _rows(db, run_id)) < 8:
            with db.read() as session:
                if dag_runs.state_of(session, "fanout", run_id) != "running":
                    break
            time.sleep(0.01)
        with db.read() as session:
            if dag_runs.state_of(session, "fanout", run_id) != "running":
                print(f"the run ended before kill {kill + 1}")
                break
        before = {r.id: (r.state, r.try_number) for r in _rows(db, run_id)}
        running = sum(s == "running" for s, _ in before.values())
        killed, killed_wall = time.monotonic(), utcnow()
        scheduler.send_signal(signal.SIGKILL)
        scheduler.wait()
        scheduler = _scheduler(env, log)
        change = dispatch = None
        while change is None or dispatch is None:
            rows = _rows(db, run_id)
            if change is None and any(before[r.id] != (r.state, r.try_number) for r in rows):
                change = time.monotonic() - killed
            if dispatch is None and any(r.queued_at is not None and r.queued_at > killed_wall for r in rows):
                dispatch = time.monotonic() - killed
            time.sleep(0.01)
        print(f"kill {kill + 1}: {running} running; first state change after {change:.2f} s, "
              f"first dispatch of the new scheduler after {dispatch:.2f} s")
    while True:
        with db.read() as session:
            state = dag_runs.state_of(session, "fanout", run_id)
        if state in ("success", "failed"):
            break
        time.sleep(0.2)
    scheduler.send_signal(signal.SIGTERM)
    scheduler.wait(60)
    rows = _rows(db, run_id)
    lines = ledger.read_text().splitlines()
    print(f"run {state}; bodies run: {len(lines)} for {len(set(lines))} tasks, ran twice: {len(lines) - len(set(lines))}; "
          f"tries beyond the first: {sum(max(r.try_number - 1, 0) for r in rows)}; "
          f"left queued or running: {sum(r.state in ('queued', 'running') for r in rows)}")
    db.dispose()
    return 0 if state == "success" and len(lines) == len(set(lines)) == 300 else 1


if __name__ == "__main__":
    sys.exit(main())
