"""The DAG file processor: find DAG files, parse the changed ones, record the results."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from slipstream.config import Settings
from slipstream.dagfiles.parsing import FileParser, ParsedFile
from slipstream.store import dags as dag_store
from slipstream.store.clock import utcnow
from slipstream.store.db import Database

log = logging.getLogger("slipstream.dagfiles")


def find_dag_files(folders: Iterable[Path]) -> list[str]:
    """Python files under the folders that mention 'dag' (like Airflow's safe mode), sorted."""
    found: list[str] = []
    for folder in folders:
        if folder.is_file():
            found.append(str(folder.resolve()))
            continue
        if not folder.is_dir():
            continue
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
            for name in sorted(files):
                if not name.endswith(".py") or name.startswith((".", "_")):
                    continue
                path = os.path.join(root, name)
                try:
                    with open(path, "rb") as handle:
                        if b"dag" not in handle.read().lower():
                            continue
                except OSError:
                    continue
                found.append(os.path.abspath(path))
    return found


@dataclass
class ProcessorPass:
    parsed: list[ParsedFile] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class DagFileProcessor:
    """Re-parses a file when its modification time changes; ``process(force=True)`` parses all."""

    def __init__(self, settings: Settings, db: Database, folders: list[Path] | None = None) -> None:
        self.settings = settings
        self.db = db
        self.folders = folders if folders is not None else settings.dag_folders()
        self._mtimes: dict[str, float] = {}
        # Files refused a dag_id another file owns: parsed again once that file lets it go.
        self._refused: dict[str, list[str]] = {}
        self._parser = FileParser(
            timeout=settings.dagbag_import_timeout,
            default_timezone=settings.default_timezone,
            processes=settings.parsing_processes,
            data_intervals=(settings.create_cron_data_intervals, settings.create_delta_data_intervals),
        )

    def close(self) -> None:
        self._parser.close()

    def process(self, force: bool = False) -> ProcessorPass:
        files = find_dag_files(self.folders)
        changed = []
        for path in files:
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                continue
            if force or self._mtimes.get(path) != mtime:
                changed.append(path)
                self._mtimes[path] = mtime
        result = ProcessorPass()
        if changed:
            result.parsed = self._parser.parse(changed)
        now = utcnow()
        with self.db.write() as session:
            for parsed in result.parsed:
                self._refused.pop(parsed.path, None)
                try:
                    with session.begin_nested():
                        refused = dag_store.sync_file(
                            session, parsed.path, parsed.dags, parsed.errors, now,
                            catchup_by_default=self.settings.catchup_by_default,
                        )
                    if refused:
                        self._refused[parsed.path] = refused
                except Exception as error:  # noqa: BLE001 - one file's bad data must not stop the others
                    log.exception("Recording %s failed", parsed.path)
                    message = f"{type(error).__name__}: the parse result could not be stored: {error}"
                    failed = {"filename": parsed.path, "line": None, "exception": message, "stacktrace": message}
                    with session.begin_nested():
                        dag_store.sync_file(session, parsed.path, [], [failed], now)
            result.removed = dag_store.forget_missing_files(
                session, set(files), [str(f.resolve()) for f in self.folders if f.is_dir()]
            )
            for path, dag_ids in list(self._refused.items()):
                if path in result.removed or dag_store.unowned(session, dag_ids):
                    del self._refused[path]
                    self._mtimes.pop(path, None)
        for path in result.removed:
            self._mtimes.pop(path, None)
        for parsed in result.parsed:
            for error in parsed.errors:
                log.info("Import error in %s: %s", parsed.path, error["exception"])
        return result
