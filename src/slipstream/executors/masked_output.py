"""A task process's fds 1 and 2 through the secrets masker, from its first secret on.

Python's own writes are masked by the streams the masker wraps, but a process the task starts
without copying its output (``os.system``, ``subprocess.run`` in a Python task) writes to fds 1
and 2, the log file, directly. So when the first secret is registered in a task process, fds 1
and 2 become the write end of a pipe, and a thread copies what comes out of it to the log file,
line by line (a line that waits more than a moment is written as it is), masked. A try that
registers no secret never starts it: its output goes straight to the file, as before.
"""

from __future__ import annotations

import os
import select
import sys
import threading

from slipstream.sdk import secrets_masker

IDLE_FLUSH = 0.2  # seconds a partial line waits for its end before it is written as it is
LONGEST_LINE = 1 << 16
DRAIN_TIMEOUT = 2.0  # at the end, how long to wait for children that still hold the pipe


class MaskedDescriptors:
    """Started once, from the masker's first secret; ``stop`` puts the log file back on fds 1
    and 2 and waits for the copy to finish."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._log_fd: int | None = None
        self._stopped = False

    def start(self) -> None:
        if self._thread is not None or self._stopped:
            return
        _flush()
        self._log_fd = os.dup(1)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        os.close(write_end)
        self._thread = threading.Thread(
            target=_copy_masked, args=(read_end, self._log_fd), name="masked-output", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Idempotent; a secret registered afterwards no longer starts the copy."""
        self._stopped = True
        if self._thread is None or self._log_fd is None:
            return
        _flush()
        os.dup2(self._log_fd, 1)  # closes this process's write ends of the pipe
        os.dup2(self._log_fd, 2)
        self._thread.join(DRAIN_TIMEOUT)
        if not self._thread.is_alive():  # else a child still holds the pipe: the copy goes on with its fd
            os.close(self._log_fd)
        self._thread, self._log_fd = None, None


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


def _masked(data: bytes) -> bytes:
    return secrets_masker.redact_text(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _copy_masked(read_end: int, log_fd: int) -> None:
    pending = b""
    try:
        while True:
            ready, _, _ = select.select([read_end], [], [], IDLE_FLUSH if pending else None)
            if not ready:  # a partial line that waited long enough
                _write_all(log_fd, _masked(pending))
                pending = b""
                continue
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            pending += chunk
            head, newline, rest = pending.rpartition(b"\n")
            if newline:
                _write_all(log_fd, _masked(head + newline))
                pending = rest
            if len(pending) > LONGEST_LINE:
                _write_all(log_fd, _masked(pending))
                pending = b""
        if pending:
            _write_all(log_fd, _masked(pending))
    except OSError:
        pass
    finally:
        os.close(read_end)


def mask_descriptors_from_first_secret() -> MaskedDescriptors:
    """Arrange for fds 1 and 2 to be masked as soon as this process knows a secret (at once if
    it knows one already); call ``stop()`` on the result before the process exits."""
    descriptors = MaskedDescriptors()
    secrets_masker.when_active(descriptors.start)
    return descriptors
