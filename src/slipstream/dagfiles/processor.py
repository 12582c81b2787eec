"""The DAG file processor: find DAG files, parse the changed ones, record the results."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from slipstream.config import Settings
from slipstream.config.settings import EXAMPLE_DAGS
from slipstream.dagfiles.parsing import FileParser, ParsedFile
from slipstream.store import dags as dag_store
from slipstream.store import row_locks
from slipstream.store.clock import utcnow
from slipstream.store.db import Database

log = logging.getLogger("slipstream.dagfiles")


def find_dag_files(folders: Iterable[Path]) -> list[str]:
    """Python files under the folders that mention 'dag' (like Airflow's safe mode), sorted."""
    found: list[str] = []
    for folder in folders:
        if folder.is_file():
            found.append(os.path.abspath(folder))  # as a file found in a folder: links not resolved
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


def _both_spellings(paths: Iterable[str]) -> set[str]:
    """The paths as listed and with symbolic links resolved: a file is recorded under either
    (a command parsing one file records its resolved path)."""
    listed = set(paths)
    return listed | {os.path.realpath(path) for path in listed}


@dataclass
class ProcessorPass:
    parsed: list[ParsedFile] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


RecordedCallback = Callable[[ParsedFile], None]
TIMEOUT_PREFIX = "DagFileTimeout"


class DagFileProcessor:
    """Re-parses a file when its modification time changes; ``process(force=True)`` parses all.

    Each file's result is recorded as soon as that file is parsed (``on_recorded`` is then
    called with it), so a slow or hanging file delays no other file's DAGs.

    A processor of the configured DAG folders (no ``folders`` given) holds them to be the whole
    truth: at once when it is made, and after each pass, it deactivates every DAG whose file is
    gone or lies outside them (recorded by a command run with ``-S``), so none is scheduled."""

    def __init__(
        self, settings: Settings, db: Database, folders: list[Path] | None = None,
        on_recorded: RecordedCallback | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.whole = folders is None
        self.folders = folders if folders is not None else settings.dag_folders()
        self.on_recorded = on_recorded
        self._mtimes: dict[str, float] = {}
        # Files refused a dag_id another file owns: parsed again once that file lets it go.
        self._refused: dict[str, list[str]] = {}
        self._slow: set[str] | None = None
        # dag_id -> (file, its result) for the dag_ids a file took in this pass that no file had
        self._claimed: dict[str, tuple[str, ParsedFile]] = {}
        self._parser = FileParser(
            timeout=settings.dagbag_import_timeout,
            default_timezone=settings.default_timezone,
            processes=settings.parsing_processes,
            data_intervals=(settings.create_cron_data_intervals, settings.create_delta_data_intervals),
            memory_limit=settings.dag_file_memory_limit,
        )
        if self.whole:
            with db.write() as session:
                dag_store.forget_missing_files(session, _both_spellings(find_dag_files(self.folders)), None)

    def launch(self) -> None:
        """Start the parsing process now, without waiting for it (the first pass waits)."""
        self._parser.launch()

    def close(self) -> None:
        """Stop parsing (a parse in progress ends, what its file started is killed)."""
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
        self._claimed = {}
        if changed:
            result.parsed = self._parser.parse(self._slow_last(changed), on_result=self._record)
        # Listed again now: a file written while this pass parsed is not missing (another
        # processor, `dags list --local` or a test, may already have recorded its DAGs).
        existing = _both_spellings([*files, *find_dag_files(self.folders)])
        with self.db.write() as session:
            row_locks.hold_dag_files(session)
            scope = None if self.whole else [str(f.resolve()) for f in self.folders if f.is_dir()]
            result.removed = dag_store.forget_missing_files(session, existing, scope)
            for path, dag_ids in list(self._refused.items()):
                if path in result.removed or dag_store.unowned(session, dag_ids):
                    del self._refused[path]
                    self._mtimes.pop(path, None)
        for path in result.removed:
            self._mtimes.pop(path, None)
        return result

    def _slow_last(self, paths: list[str]) -> list[str]:
        """Files whose last parse timed out go after the others, so that hanging files do not take
        every parsing process while good files wait (the store remembers them across restarts)."""
        if self._slow is None:
            with self.db.read() as session:
                self._slow = dag_store.files_with_error(session, TIMEOUT_PREFIX)
        slow = self._slow
        return [p for p in paths if p not in slow] + [p for p in paths if p in slow]

    def _sync(self, session: Any, parsed: ParsedFile, now: datetime) -> None:
        """``sync_file``, with ties inside one pass going to the file first in order, as if the
        files had been recorded one after the other: files end in any order when parsed in
        parallel, and a dag_id two new files define must not go to whichever was quicker."""
        new = dag_store.unowned(session, [data["dag_id"] for data, _ in parsed.dags])
        taken_later = {
            self._claimed[dag_id][0] for dag_id in {data["dag_id"] for data, _ in parsed.dags}
            if dag_id in self._claimed and self._claimed[dag_id][0] > parsed.path
        }
        for path in taken_later:
            dag_store.sync_file(session, path, [], [], now)  # hand back what it took in this pass
        refused = dag_store.sync_file(
            session, parsed.path, parsed.dags, parsed.errors, now, catchup_by_default=self.settings.catchup_by_default,
            paused_at_creation=self._paused_at_creation(parsed.path),
        )
        for dag_id in new - set(refused):
            self._claimed[dag_id] = (parsed.path, parsed)
        self._refused.pop(parsed.path, None)
        if refused:
            self._refused[parsed.path] = refused
        for path in sorted(taken_later):
            later = next(p for f, p in self._claimed.values() if f == path)
            self._sync(session, later, now)

    def _paused_at_creation(self, path: str) -> bool:
        """[core] dags_are_paused_at_creation, except for the shipped examples: they start unpaused, as a demo."""
        if path.startswith(str(EXAMPLE_DAGS) + os.sep):
            return False
        return self.settings.dags_are_paused_at_creation

    def _record(self, parsed: ParsedFile) -> None:
        """Write one file's result in its own transaction, then tell ``on_recorded``."""
        assert self._slow is not None
        now = utcnow()
        if any(e["exception"].startswith(TIMEOUT_PREFIX) for e in parsed.errors):
            self._slow.add(parsed.path)
        else:
            self._slow.discard(parsed.path)
        try:
            with self.db.write() as session:
                row_locks.hold_dag_files(session)  # another scheduler's processor may record it now too
                self._sync(session, parsed, now)
        except Exception as error:  # noqa: BLE001 - one file's bad data must not stop the others
            log.exception("Recording %s failed", parsed.path)
            message = f"{type(error).__name__}: the parse result could not be stored: {error}"
            failed = {"filename": parsed.path, "line": None, "exception": message, "stacktrace": message}
            with self.db.write() as session:
                dag_store.sync_file(session, parsed.path, [], [failed], now)
        for error in parsed.errors:
            log.info("Import error in %s: %s", parsed.path, error["exception"])
        if self.on_recorded is not None:
            self.on_recorded(parsed)
