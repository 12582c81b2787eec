"""The database handle: an engine tuned per dialect, and transactions the caller owns.

On SQLite a write transaction (``write()``, ``write_connection()``) first queues on an ``flock``
of a file beside the database, then starts with ``BEGIN IMMEDIATE``, so it takes SQLite's write
lock up front instead of failing with "database is locked" when it later tries to upgrade a read
lock. The kernel hands the ``flock`` to a waiting writer the moment the previous one releases it,
where SQLite's own busy handler polls with sleeps of 1, 2, 5, ... 100 ms: a writer that waited
there would nearly never find the lock free while the scheduler and the store service pass it
from one to the other through the ``flock``, and would wait for seconds. So nothing takes SQLite's
write lock outside the queue: every other transaction (``read()``, a plain ``engine.connect()``)
starts with a deferred ``BEGIN`` and, in WAL mode, never blocks or waits for a writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

SQLITE_BUSY_TIMEOUT_SECONDS = 60.0


CONNECTION_CHECK_MS = 2000


class Database:
    """One engine per process; ``write()`` and ``read()`` give a session inside a transaction."""

    def __init__(self, url: str, *, pool: bool = True) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgres = parsed.get_backend_name() == "postgresql"
        if self.is_postgres and parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs: dict[str, Any] = {"future": True}
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
        if self.is_postgres:
            # A process killed mid-transaction (a scheduler, a worker) must not leave its locks
            # behind: its server backend checks every 2 s that it is still connected, even while
            # it waits for a lock (which it would otherwise wait for forever, holding its own).
            kwargs["connect_args"] = {"options": f"-c client_connection_check_interval={CONNECTION_CHECK_MS}"}
        if not pool:
            kwargs["poolclass"] = NullPool
        self.engine: Engine = create_engine(parsed, **kwargs)
        self._write_lock_path: str | None = None
        if self.is_sqlite:
            _tune_sqlite(self.engine)
            if parsed.database and parsed.database != ":memory:":
                self._write_lock_path = str(Path(parsed.database).expanduser()) + "-writelock"
        self._write_engine = self.engine.execution_options(slipstream_write=True)

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a write transaction, committed on success and rolled back on error."""
        with self._write_engine.connect() as connection, self._write_lock():
            with Session(bind=connection, expire_on_commit=False) as session, session.begin():
                yield session

    @contextlib.contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """Like ``write()`` but a plain connection: less work for hot paths that only run
        Core statements (the task runner). Store functions accept either."""
        with self._write_engine.connect() as connection, self._write_lock(), connection.begin():
            yield connection

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Queue for the write lock; the connection is opened before, so connecting (and its
        first-use costs in a fresh process) happens outside the lock."""
        if self._write_lock_path is None:
            yield
            return
        fd = os.open(self._write_lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only; nothing is committed."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextlib.contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """Like ``read()`` but a plain connection, for hot paths that only run Core statements."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        queued_writer = connection.get_execution_options().get("slipstream_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if queued_writer else "BEGIN")
