"""Where the log of each try is written (no database access: task processes use it)."""

from __future__ import annotations

import os
from pathlib import Path


def log_path(base: Path, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int) -> Path:
    """``<base>/<dag>/<run>/<task>/<try>.log``; a mapped instance adds ``map_index=<n>/``."""
    return Path(log_file(os.fspath(base), dag_id, run_id, task_id, map_index, try_number))


def log_file(base: str, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int) -> str:
    """``log_path`` as a string, without pathlib (what a task process uses: it is forked, and
    pays for every page it writes)."""
    safe_run = run_id.replace("/", "_").replace(":", "_")
    mapped = (f"map_index={map_index}",) if map_index >= 0 else ()
    return os.path.join(base, dag_id, safe_run, task_id, *mapped, f"{try_number}.log")
