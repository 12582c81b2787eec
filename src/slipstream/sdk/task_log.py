"""The task log's line format, and a cheap way to write one line of it.

A task process is forked, so the first time it touches an object it copies the memory page the
object lives on. Going through ``logging`` (a logger, a record, a handler, a formatter) touches
about forty pages per record the first times, some 0.25 ms of a no-op task's few milliseconds.
The lines Slipstream itself writes in every try (running, returned value, final state) are
written with ``write_line`` instead, in the same format, to the same stream.
"""

from __future__ import annotations

import os
import sys
import time

from slipstream.sdk.secrets_masker import redact_text

FORMAT = "[%(asctime)s] {%(filename)s:%(lineno)d} %(levelname)s - %(message)s"


def write_line(message: str, level: str = "INFO") -> None:
    """One line on the task log (``sys.stdout``), as the task log handler would format a record
    logged from the caller's line; registered secrets are masked."""
    caller = sys._getframe(1)
    sys.stdout.write(format_line(message, level, f"{os.path.basename(caller.f_code.co_filename)}:{caller.f_lineno}"))


def format_line(message: str, level: str, where: str) -> str:
    """``message`` as a task log line written now from ``where`` (``file.py:line``), masked."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
    return f"[{stamp},{int((now - int(now)) * 1000):03d}] {{{where}}} {level} - {redact_text(message)}\n"
