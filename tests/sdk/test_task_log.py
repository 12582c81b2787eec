"""The runner's own log lines look exactly like records of the task log handler."""

from __future__ import annotations

import io
import logging
import re
import sys

from slipstream.sdk.task_log import FORMAT, write_line

SHAPE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] \{test_task_log\.py:\d+\} INFO - (.*)$")


def test_write_line_matches_a_record_formatted_by_the_task_handler(monkeypatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger = logging.getLogger("test_task_log")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        logger.info("Marking task as %s.", "SUCCESS")
        write_line("Marking task as SUCCESS.")
    finally:
        logger.removeHandler(handler)
    first, second = out.getvalue().splitlines()
    assert SHAPE.match(first) and SHAPE.match(second), (first, second)
    assert SHAPE.match(first).group(1) == SHAPE.match(second).group(1) == "Marking task as SUCCESS."
    assert second.split("} ")[0].split("{")[1] != "task_log.py:0", "the caller's file and line, not the helper's"
