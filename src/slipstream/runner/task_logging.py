"""Task log format: one handler on the root logger that writes to the task's stdout, masking secrets."""

from __future__ import annotations

import logging
import sys

from slipstream.sdk.secrets_masker import redact_text
from slipstream.sdk.task_log import FORMAT


class _TaskHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is when it is (re)configured. The formatted record,
    traceback included, goes through the secrets masker (a no-op while none is registered): the
    handler keeps the stream it was given, which a secret registered later does not wrap."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


def configure_task_logging(level: int = logging.INFO) -> None:
    """Root logger -> sys.stdout in the task log format. Cheap when already set up (a forked
    task process only points the handler at its own stdout)."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _TaskHandler)]
    if ours and len(root.handlers) == 1:
        ours[0].setStream(sys.stdout)
    else:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        handler = _TaskHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    if root.level != level:
        root.setLevel(level)
