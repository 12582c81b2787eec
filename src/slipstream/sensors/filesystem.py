"""FileSensor: wait until a file (or a glob pattern, or a directory with files in it) exists."""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slipstream.hooks.base import BaseHook
from slipstream.sdk.exceptions import AirflowNotFoundException
from slipstream.sensors.base import BaseSensorOperator

__all__ = ["FileSensor"]

DEFAULT_CONN_ID = "fs_default"


class FileSensor(BaseSensorOperator):
    """Done when ``filepath`` matches a file, or a directory holding at least one file (at any
    depth). ``filepath`` is templated, may be a glob pattern (``**`` with ``recursive=True``),
    and is taken relative to the ``path`` in the extra of the connection ``fs_conn_id`` (a
    missing ``fs_default`` connection means no base path)."""

    template_fields: Sequence[str] = ("filepath",)
    ui_color = "#91818a"

    def __init__(
        self,
        *,
        filepath: str | os.PathLike[str],
        fs_conn_id: str = DEFAULT_CONN_ID,
        recursive: bool = False,
        deferrable: bool = False,
        start_from_trigger: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filepath = filepath
        self.fs_conn_id = fs_conn_id
        self.recursive = recursive
        self.start_from_trigger = start_from_trigger
        self.use_reschedule_for_deferral(deferrable)

    def base_path(self) -> str:
        try:
            connection = BaseHook.get_connection(self.fs_conn_id)
        except AirflowNotFoundException:
            if self.fs_conn_id == DEFAULT_CONN_ID:
                return ""
            raise
        return str(connection.extra_dejson.get("path", "") or "")

    def poke(self, context: Mapping[str, Any]) -> bool:
        full_path = os.path.join(self.base_path(), os.fspath(self.filepath))
        self.log.info("Poking for file %s", full_path)
        for path in glob.glob(full_path, recursive=self.recursive):
            if os.path.isfile(path):
                modified = datetime.fromtimestamp(os.path.getmtime(path), UTC)
                self.log.info("Found file %s, last modified %s", path, modified.isoformat())
                return True
            for folder, _, files in os.walk(path):
                if files:
                    self.log.info("Found %s in %s", files[0], folder)
                    return True
        return False
