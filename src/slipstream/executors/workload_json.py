"""Workloads and callback requests as plain JSON, as they cross to another process or machine.

A workload names its DAG file by the folder it lies in and its path inside that folder
(``{"folder": "dags_folder", "path": "team/etl.py"}``), never by the scheduler's absolute path:
a worker resolves it under its own ``[core] dags_folder`` (a shared path, or a synced copy), or
among the example DAGs shipped in the package. ``file_hash`` is the version of the file the
scheduler saw; a worker whose copy differs says so in the task log (``file_version_note``).
Nothing is pickled: a worker of another Slipstream version, or a tool, can read what is sent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from slipstream.config import Settings
from slipstream.executors.base import CallbackRequest, DeadlineRequest, TaskCallbackRequest, Workload

DAGS_FOLDER = "dags_folder"
EXAMPLES = "example_dags"
ABSOLUTE = "absolute"  # a file outside every DAG folder (a `dags test` of a file given by path)

_REQUESTS: dict[str, type] = {cls.__name__: cls for cls in (CallbackRequest, DeadlineRequest, TaskCallbackRequest)}
_hash_cache: dict[str, tuple[int, int, str]] = {}


class WorkloadError(ValueError):
    """What was sent cannot be run here (its DAG file is missing, the JSON is not a workload)."""


def _folders(settings: Settings) -> dict[str, Path]:
    folders = {DAGS_FOLDER: settings.dags_folder.expanduser()}
    folders[EXAMPLES] = Path(__file__).resolve().parent.parent / "example_dags"
    return folders


def file_location(fileloc: str, settings: Settings) -> dict[str, str]:
    """``fileloc`` as {"folder", "path"}: relative to the DAG folder it lies in."""
    real = os.path.realpath(fileloc)
    for name, folder in _folders(settings).items():
        root = os.path.realpath(folder)
        if real.startswith(root + os.sep):
            return {"folder": name, "path": os.path.relpath(real, root)}
    return {"folder": ABSOLUTE, "path": real}


def resolve_location(location: dict[str, str], settings: Settings) -> str:
    """The absolute path of a file location on this machine; raises WorkloadError if it is not there."""
    folder, relative = location.get("folder"), location.get("path", "")
    folders = _folders(settings)
    if folder == ABSOLUTE:
        path = Path(relative)
    else:
        if folder not in folders:
            raise WorkloadError(f"unknown DAG folder {folder!r} (expected {', '.join(folders)})")
        if os.path.isabs(relative) or ".." in Path(relative).parts:
            raise WorkloadError(f"a DAG file's path must stay inside its folder: {relative!r}")
        path = folders[folder] / relative
    if not path.is_file():
        where = f"under [core] dags_folder {folders[folder]}" if folder == DAGS_FOLDER else "on this machine"
        raise WorkloadError(
            f"DAG file {relative} not found {where}: the workers need the scheduler's DAG folder, as a shared "
            "path or a synced copy (docs/deployment.md)"
        )
    return os.fspath(path)


def file_hash(path: str) -> str | None:
    """The SHA-256 of the file's bytes (16 hex digits), cached by size and modification time."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    cached = _hash_cache.get(path)
    if cached is not None and cached[:2] == (info.st_mtime_ns, info.st_size):
        return cached[2]
    try:
        with open(path, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:16]
    except OSError:
        return None
    _hash_cache[path] = (info.st_mtime_ns, info.st_size, digest)
    return digest


def dump_workload(workload: Workload, settings: Settings) -> str:
    data = dataclasses.asdict(workload)
    data["fileloc"] = file_location(workload.fileloc, settings)
    data["queued_at"] = workload.queued_at.isoformat() if workload.queued_at is not None else None
    return json.dumps(data)


def load_workload(text: str | bytes, settings: Settings) -> Workload:
    """The workload sent as ``text``, its DAG file resolved on this machine."""
    try:
        data = json.loads(text)
        data["fileloc"] = resolve_location(data["fileloc"], settings)
        if data.get("queued_at"):
            data["queued_at"] = datetime.fromisoformat(data["queued_at"])
        return Workload(**data)
    except WorkloadError:
        raise
    except (ValueError, KeyError, TypeError) as err:
        raise WorkloadError(f"not a workload: {err}") from err


def file_version_note(workload: Workload) -> str | None:
    """A line for the task log when this machine's copy of the DAG file is not the version the
    scheduler dispatched from; None when they match (or the scheduler sent no version)."""
    if workload.file_hash is None:
        return None
    here = file_hash(workload.fileloc)
    if here == workload.file_hash:
        return None
    return (
        f"The DAG file {workload.fileloc} on this worker (version {here}) differs from the scheduler's "
        f"(version {workload.file_hash}): the task runs this worker's copy; sync the DAG folder"
    )


def dump_request(request: CallbackRequest | DeadlineRequest | TaskCallbackRequest, settings: Settings) -> str:
    data: dict[str, Any] = dataclasses.asdict(request)
    data["fileloc"] = file_location(request.fileloc, settings)
    return json.dumps({"type": type(request).__name__, "request": data})


def load_request(text: str | bytes, settings: Settings) -> CallbackRequest | DeadlineRequest | TaskCallbackRequest:
    try:
        envelope = json.loads(text)
        cls = _REQUESTS[envelope["type"]]
        data = envelope["request"]
        data["fileloc"] = resolve_location(data["fileloc"], settings)
        return cls(**data)
    except WorkloadError:
        raise
    except (ValueError, KeyError, TypeError) as err:
        raise WorkloadError(f"not a callback request: {err}") from err
