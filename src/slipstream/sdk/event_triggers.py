"""Event triggers, the objects an ``AssetWatcher`` holds (``airflow.triggers.base.BaseEventTrigger``
and ``airflow.providers.standard.triggers.file``).

In Airflow the triggerer runs a watcher's trigger and records an asset event when it fires.
Slipstream has no triggerer: these triggers can be made and keep their arguments (so a DAG file
that hands one to a watcher loads), but nothing ever runs them. A task that defers to one
(``self.defer(trigger=...)``) still fails with ``TaskDeferred``'s error.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BaseEventTrigger", "DirectoryFileDeleteTrigger", "FileDeleteTrigger"]


class BaseEventTrigger:
    """A trigger that may be handed to an ``AssetWatcher``; it keeps the arguments it was given."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """(class path, arguments), the form Airflow stores a trigger in."""
        return f"{type(self).__module__}.{type(self).__qualname__}", dict(self.kwargs)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.serialize()[1].items())
        return f"{type(self).__name__}({arguments})"


class FileDeleteTrigger(BaseEventTrigger):
    """Fires in Airflow when the file ``filepath`` appears (and deletes it)."""

    def __init__(self, filepath: str, poke_interval: float = 5.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.filepath, self.poke_interval = filepath, poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return "airflow.providers.standard.triggers.file.FileDeleteTrigger", {
            "filepath": self.filepath, "poke_interval": self.poke_interval}


class DirectoryFileDeleteTrigger(BaseEventTrigger):
    """Fires in Airflow when ``filename`` appears in ``directory`` (and deletes it)."""

    def __init__(self, *, directory: str, filename: str, poke_interval: float = 5.0) -> None:
        super().__init__()
        self.directory, self.filename, self.poke_interval = directory, filename, poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return "airflow.providers.standard.triggers.file.DirectoryFileDeleteTrigger", {
            "directory": self.directory, "filename": self.filename, "poke_interval": self.poke_interval}
