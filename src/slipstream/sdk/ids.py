"""The rules for dag_id, task_id, task group ids and run_id, as Airflow 3.3 has them.

- dag_id and task_id (a task's full id, its groups' prefix included): letters, digits, ``_``,
  ``-`` and ``.``, at most 250 characters;
- a task group's own id: letters, digits, ``_`` and ``-`` (no dot: the dot joins it to its
  tasks' ids), at most 200 characters;
- run_id: ``..`` nowhere (unless ``[core] allow_double_dot_in_ids``), and either the shape the
  scheduler gives (``manual__<date>``...) or ``[scheduler] allowed_run_id_pattern``
  (by default letters, digits and ``_ . ~ : + -``); a manual run may not take an id shaped like
  another kind of run's.

Beyond Airflow, an id that is ``.`` or ``..`` alone is refused everywhere: a name for "this
folder" or "the folder above" is never meant as an id. (Log paths are safe whatever an id holds,
see store/log_paths.py; these rules give the clear message at parse and trigger time.)
"""

from __future__ import annotations

import re
from typing import Any

KEY_PATTERN = re.compile(r"^[\w.-]+$")
GROUP_KEY_PATTERN = re.compile(r"^[\w-]+$")
MAX_ID_LENGTH = 250
MAX_GROUP_ID_LENGTH = 200
DEFAULT_RUN_ID_PATTERN = r"^[A-Za-z0-9_.~:+-]+$"
GENERATED_RUN_ID = re.compile(r"^(?:manual|scheduled|asset_triggered)__\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
RUN_TYPE_PREFIXES = ("scheduled", "backfill", "asset_triggered", "manual")
_DOTS_ALONE = (".", "..")


def _checked_string(kind: str, value: Any, max_length: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"The {kind} must be a string, got {type(value).__name__}: {value!r}")
    if not value:
        raise ValueError(f"The {kind} must not be empty")
    if len(value) > max_length:
        raise ValueError(f"The {kind} {value[:40]!r}... has {len(value)} characters; at most {max_length} are allowed")
    if value in _DOTS_ALONE:
        raise ValueError(f"The {kind} {value!r} is not allowed: an id cannot be '.' or '..'")
    return value


def validate_key(kind: str, key: Any) -> str:
    """Check a dag_id or task_id: letters, digits, ``_``, ``-`` and ``.``, at most 250 characters."""
    _checked_string(kind, key, MAX_ID_LENGTH)
    if not KEY_PATTERN.match(key):
        raise ValueError(
            f"The {kind} {key!r} has characters that are not allowed: use only letters, digits, "
            "underscores, dashes and dots"
        )
    return key


def validate_group_key(key: Any) -> str:
    """Check a task group's own id: letters, digits, ``_`` and ``-``, at most 200 characters."""
    _checked_string("group_id", key, MAX_GROUP_ID_LENGTH)
    if not GROUP_KEY_PATTERN.match(key):
        raise ValueError(
            f"The group_id {key!r} has characters that are not allowed: use only letters, digits, "
            "underscores and dashes (a dot joins a group's id to its tasks' ids)"
        )
    return key


def validate_run_id(
    run_id: Any,
    *,
    pattern: str = DEFAULT_RUN_ID_PATTERN,
    allow_double_dot: bool = False,
    run_type: str | None = None,
) -> str:
    """Check a run_id a user gives (``dags trigger --run-id``, ``trigger_run_id``), as Airflow 3.3
    checks it; with ``run_type`` "manual", an id another kind of run would have is refused too."""
    if not isinstance(run_id, str):
        raise TypeError(f"The run_id must be a string, got {type(run_id).__name__}: {run_id!r}")
    if not run_id:
        raise ValueError("The run_id must not be empty")
    if run_id in _DOTS_ALONE:
        raise ValueError(f"The run_id {run_id!r} is not allowed: a run_id cannot be '.' or '..'")
    if ".." in run_id and not allow_double_dot:
        raise ValueError(
            f"The run_id {run_id!r} is not allowed: it must not contain '..' (a path could leave its folder; "
            "[core] allow_double_dot_in_ids allows '..' inside a longer id)"
        )
    if not GENERATED_RUN_ID.match(run_id) and not (pattern.strip() and re.match(pattern.strip(), run_id)):
        raise ValueError(
            f"The run_id {run_id!r} does not match the allowed pattern {pattern.strip()!r} "
            "([scheduler] allowed_run_id_pattern): by default use only letters, digits and _ . ~ : + -"
        )
    if run_type == "manual":
        prefix = run_id.split("__", 1)[0] if "__" in run_id else ""
        if prefix in RUN_TYPE_PREFIXES and prefix != "manual":
            raise ValueError(
                f"A manual DAG run cannot use the run_id {run_id!r}: the prefix {prefix}__ is kept for {prefix} runs"
            )
    return run_id
