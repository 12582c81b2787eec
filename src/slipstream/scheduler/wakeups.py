"""The scheduler's ear for wake-ups from other processes (a trigger or a clear through the API
server or the CLI): a thread that wakes the executor's event wait as each one arrives, so the
change is scheduled at once rather than at the next ``poll_interval``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slipstream.store import wakeups
from slipstream.store.db import Database

log = logging.getLogger("slipstream.scheduler")

RETRY_SECONDS = 5.0


class WakeListener:
    def __init__(self, db: Database, wake: Callable[[], None]) -> None:
        self.db = db
        self.wake = wake
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> WakeListener:
        self._thread = threading.Thread(target=self._run, name="scheduler-wake-listener", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wakeups.listen(self.db, self.wake, self._stop)
            except OSError as err:
                if self.db.is_sqlite:
                    # Another scheduler of this SQLite store holds the socket: it gets the wake-ups.
                    log.info("Not listening for wake-ups (%s): changes made elsewhere wait for the next poll", err)
                    return
                log.warning("Listening for wake-ups failed (%s); retrying in %.0f s", err, RETRY_SECONDS)
            except Exception:
                log.exception("Listening for wake-ups failed; retrying in %.0f s", RETRY_SECONDS)
            if self._stop.wait(RETRY_SECONDS):
                return
            self.wake()  # something may have changed while nobody listened
