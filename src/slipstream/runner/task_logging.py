"""Task log format: one handler on the root logger that writes to the task's stdout."""

from __future__ import annotations

import logging
import sys

from slipstream.sdk.task_log import FORMAT


class _TaskHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is when it is (re)configured."""


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
