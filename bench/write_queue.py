"""How long an occasional SQLite writer waits behind busy ones: ``.venv/bin/python bench/write_queue.py [--busy N]``.

N processes (default 2, as the scheduler and the store service under a fan-out) commit short
write transactions back to back through ``Database.write()``. Meanwhile an occasional writer
(a CLI command) takes the write lock, timed, in two ways in turn:

- ``outside the queue``: ``BEGIN IMMEDIATE`` on a plain connection, waiting in SQLite's busy
  handler, which polls with sleeps of up to 100 ms (what the CLI's schema check did, until it
  began its transaction deferred);
- ``queued``: ``Database.write()``, which queues on the ``flock`` first.

Prints median, p90 and max of the wait in ms, and how many of the busy writers' transactions it
waited for.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _busy_writer(path: str, writer: int, stop_file: str) -> None:
    from sqlalchemy import text

    from slipstream.store.db import Database

    db = Database(f"sqlite:///{path}")
    while not Path(stop_file).exists():
        with db.write() as session:
            session.execute(text("UPDATE commits SET n = n + 1 WHERE writer = :w"), {"w": writer})
            time.sleep(0.002)  # a transaction of a few ms, like a scheduler pass or a claim


def measure(busy: int, samples: int) -> dict[str, list[tuple[float, int]]]:
    from sqlalchemy import text

    from slipstream.store.db import Database

    with tempfile.TemporaryDirectory(prefix="slipstream-write-queue-") as folder:
        path, stop_file = str(Path(folder) / "queue.db"), str(Path(folder) / "stop")
        db = Database(f"sqlite:///{path}")
        with db.write() as session:
            session.execute(text("CREATE TABLE commits (writer INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
            for writer in range(busy):
                session.execute(text("INSERT INTO commits VALUES (:w, 0)"), {"w": writer})

        def commits() -> int:
            with db.read() as session:
                return session.execute(text("SELECT coalesce(sum(n), 0) FROM commits")).scalar()

        context = multiprocessing.get_context("spawn")
        writers = [context.Process(target=_busy_writer, args=(path, w, stop_file)) for w in range(busy)]
        for process in writers:
            process.start()
        waits: dict[str, list[tuple[float, int]]] = {"outside the queue": [], "queued": []}
        try:
            while commits() < 100 * busy:
                time.sleep(0.05)
            plain = sqlite3.connect(path, timeout=60, isolation_level=None)
            for _ in range(samples):
                before, started = commits(), time.perf_counter()
                plain.execute("BEGIN IMMEDIATE")
                waits["outside the queue"].append((time.perf_counter() - started, commits() - before))
                plain.execute("ROLLBACK")
                time.sleep(0.05)
                before, started = commits(), time.perf_counter()
                with db.write() as session:
                    waited = time.perf_counter() - started
                    waits["queued"].append((waited, session.execute(text("SELECT sum(n) FROM commits")).scalar() - before))
                time.sleep(0.05)
            plain.close()
        finally:
            Path(stop_file).touch()
            for process in writers:
                process.join(30)
            db.dispose()
    return waits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/write_queue.py", description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=2, metavar="N", help="busy writer processes (default 2)")
    parser.add_argument("--samples", type=int, default=15, metavar="N", help="timed writes each way (default 15)")
    args = parser.parse_args(argv)
    waits = measure(args.busy, args.samples)
    print(f"{'occasional writer':<18} {'median ms':>9} {'p90 ms':>8} {'max ms':>8}  busy writers' transactions waited for")
    for name, values in waits.items():
        seconds = sorted(v[0] for v in values)
        counts = [v[1] for v in values]
        p90 = seconds[min(len(seconds) - 1, round(0.9 * (len(seconds) - 1)))]
        print(f"{name:<18} {1000 * statistics.median(seconds):>9.1f} {1000 * p90:>8.1f} {1000 * seconds[-1]:>8.1f}"
              f"  median {statistics.median(counts):g}, max {max(counts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
