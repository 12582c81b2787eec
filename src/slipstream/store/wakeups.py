"""How a process that changed the store (the API server, a CLI command) wakes the scheduler of that
store at once instead of at its next poll. The wake-up carries no data: the store is the truth and
the woken scheduler reads it; a wake-up lost (no scheduler listening, a full socket buffer) only
delays the change until the next poll.

- PostgreSQL: ``NOTIFY slipstream_scheduler``; each scheduler ``LISTEN``s on its own connection.
- SQLite: one datagram to a Unix socket named from the database file (in Linux's abstract
  namespace: no file to clean up), which the scheduler of that file has bound.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

CHANNEL = "slipstream_scheduler"
_POLL_SECONDS = 1.0


def socket_address(db: Any) -> str | None:
    """The wake-up socket of a SQLite store (None for another database or an in-memory one)."""
    if not db.is_sqlite:
        return None
    database = make_url(db.url).database
    if not database or database == ":memory:":
        return None
    digest = hashlib.sha256(os.path.realpath(os.path.expanduser(database)).encode()).hexdigest()[:24]
    if sys.platform.startswith("linux"):
        return f"\0{CHANNEL}-{digest}"
    return os.path.join(tempfile.gettempdir(), f"{CHANNEL}-{digest}.sock")


def send(db: Any, reason: str) -> None:
    """Wake the schedulers of ``db``; raises on a failure the caller may ignore."""
    if db.is_postgres:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT pg_notify(:channel, :reason)"), {"channel": CHANNEL, "reason": reason[:100]})
            connection.commit()
        return
    address = socket_address(db)
    if address is None:
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        try:
            sender.sendto(reason.encode()[:100], address)
        except (FileNotFoundError, ConnectionRefusedError, BlockingIOError):
            pass  # no scheduler listening, or one already has wake-ups waiting: nothing to do


def listen(db: Any, wake: Callable[[], None], stop: threading.Event) -> None:
    """Call ``wake()`` for each wake-up sent to ``db`` until ``stop`` is set (checked every
    second). Raises OSError when the address is taken (another scheduler of a SQLite store
    listens) or the database refuses the connection; the caller decides whether to retry."""
    if db.is_postgres:
        _listen_postgres(db, wake, stop)
        return
    address = socket_address(db)
    if address is None:
        stop.wait()
        return
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        if not address.startswith("\0") and os.path.exists(address):
            os.unlink(address)  # left by a scheduler that died; a live one would have it bound
        receiver.bind(address)
        receiver.settimeout(_POLL_SECONDS)
        while not stop.is_set():
            try:
                receiver.recv(128)
            except TimeoutError:
                continue
            wake()
    finally:
        receiver.close()
        if not address.startswith("\0"):
            try:
                os.unlink(address)
            except FileNotFoundError:
                pass


def _listen_postgres(db: Any, wake: Callable[[], None], stop: threading.Event) -> None:
    import psycopg

    url = make_url(db.url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f"LISTEN {CHANNEL}")
        while not stop.is_set():
            if list(connection.notifies(timeout=_POLL_SECONDS, stop_after=1)):
                wake()
