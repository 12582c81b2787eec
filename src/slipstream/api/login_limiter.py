"""Failed logins per client address and username in a sliding minute; past the limit the caller
waits. Kept in the server process: with several ``--workers`` each counts its own."""

from __future__ import annotations

import threading
import time
from collections import deque

WINDOW_SECONDS = 60.0


class LoginLimiter:
    def __init__(self, attempts_per_minute: int, clock=time.monotonic) -> None:
        self.attempts = attempts_per_minute
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str, username: str) -> int:
        """Seconds to wait before trying again; 0: go ahead."""
        if self.attempts <= 0:
            return 0
        now = self._clock()
        with self._lock:
            failures = self._failures.get((client, username))
            if not failures:
                return 0
            while failures and now - failures[0] >= WINDOW_SECONDS:
                failures.popleft()
            if len(failures) < self.attempts:
                return 0
            return max(1, int(WINDOW_SECONDS - (now - failures[0])) + 1)

    def failed(self, client: str, username: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # a flood of usernames must not grow memory without end
                self._failures.clear()
            self._failures.setdefault((client, username), deque()).append(self._clock())

    def succeeded(self, client: str, username: str) -> None:
        with self._lock:
            self._failures.pop((client, username), None)
