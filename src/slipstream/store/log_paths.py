"""Where the log of each try is written (no database access: task processes use it).

Every id becomes one path component that cannot leave its folder, whatever the id holds (ids
are validated when a DAG is parsed or a run is created, but a row of an older database, or one
written by hand, may hold anything): the characters of Airflow's run_id rule (letters, digits,
``_ . - ~ : +``) and other letters and digits stay as they are; any other character is written
as ``%XX`` per UTF-8 byte (``%`` itself too), ``.`` and ``..`` alone become ``%2E`` and
``%2E%2E``, and a name too long for the file system keeps its start and ends with ``%%`` and a
hash of the whole id. The mapping is one-to-one, so two ids never share a folder, and the
names of valid ids are the ids themselves.

Names with a literal ``=`` (``map_index=3``, ``callbacks=dag.log``) can never be an id's name
(``=`` is always ``%3D`` there): they live beside tasks' folders without clashing with them.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

_PLAIN = re.compile(r"[A-Za-z0-9_.~:+-]{1,200}")
_KEPT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~:+-")
MAX_NAME_BYTES = 200  # below NAME_MAX (255) with room for a suffix
_HASHED_PREFIX_BYTES = 120


def path_component(value: str) -> str:
    """The file name standing for the id ``value``: never empty, ``.``, ``..``, never holding
    ``/`` or NUL, at most ``MAX_NAME_BYTES`` bytes, and different for different ids."""
    if _PLAIN.fullmatch(value) and value not in (".", ".."):
        return value
    if value in (".", ".."):
        return "%2E" * len(value)
    parts = []
    for ch in value:
        if ch in _KEPT or (ch.isalnum() and not ch.isascii()):
            parts.append(ch)
        else:
            parts.extend(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))
    name = "".join(parts) or "%%"
    encoded = name.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        name = encoded[:_HASHED_PREFIX_BYTES].decode("utf-8", "ignore") + "%%" + digest
    return name


def log_path(base: Path, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int) -> Path:
    """``<base>/<dag>/<run>/<task>/<try>.log``; a mapped instance adds ``map_index=<n>/``."""
    return Path(log_file(os.fspath(base), dag_id, run_id, task_id, map_index, try_number))


def log_file(base: str, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int) -> str:
    """``log_path`` as a string, without pathlib (what a task process uses: it is forked, and
    pays for every page it writes)."""
    mapped = (f"map_index={int(map_index)}",) if map_index >= 0 else ()
    return os.path.join(
        base, path_component(dag_id), path_component(run_id), path_component(task_id), *mapped, f"{int(try_number)}.log"
    )


def run_folder(base: str | Path, dag_id: str, run_id: str | None = None) -> Path:
    """The folder of a DAG's logs, or of one of its runs."""
    folder = Path(base) / path_component(dag_id)
    return folder / path_component(run_id) if run_id is not None else folder


def callback_log_file(base: str | Path, dag_id: str, run_id: str, kind: str) -> Path:
    """The log of a run's callbacks of one ``kind`` (``dag``, ``deadline``): ``<run folder>/callbacks=<kind>.log``."""
    return run_folder(base, dag_id, run_id) / f"callbacks={path_component(kind)}.log"
