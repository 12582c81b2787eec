"""ObjectStoragePath for local files: a pathlib path that also takes ``file://`` addresses.

Airflow's ObjectStoragePath reaches cloud stores through fsspec; Slipstream offers the local
file system only (plain paths and ``file://``). Any other scheme is refused with an error that
says so, when the path is made.
"""

from __future__ import annotations

import pathlib
import shutil
from typing import Any
from urllib.parse import unquote, urlsplit

from slipstream.sdk.unsupported import UnsupportedFeatureError

_Local: Any = type(pathlib.Path())


def _local_path(address: Any) -> Any:
    if isinstance(address, str) and "://" in address:
        parts = urlsplit(address)
        if parts.scheme not in ("file", "local"):
            raise UnsupportedFeatureError(
                f"ObjectStoragePath({address!r}): the {parts.scheme!r} object store is an Airflow feature that "
                "Slipstream does not support (only local paths and file:// addresses). Use a hook of that "
                "service in a task instead."
            )
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"ObjectStoragePath({address!r}): a file:// address names no host (file:///path)")
        return unquote(parts.path)
    return address


class ObjectStoragePath(_Local):
    """A local path: ``read_text``, ``write_text``, ``open``, ``/``, ``exists``, ``iterdir``, ``mkdir``,
    ``unlink``... as pathlib has them; ``protocol`` is ``"file"``."""

    conn_id: str | None = None

    def __new__(cls, *args: Any, conn_id: str | None = None, **kwargs: Any) -> ObjectStoragePath:
        path = super().__new__(cls, *(_local_path(a) for a in args))
        path.conn_id = conn_id
        return path

    def __init__(self, *args: Any, conn_id: str | None = None, **kwargs: Any) -> None:
        # Python 3.12's pathlib takes the parts in __init__; 3.11's takes them in __new__ only.
        if _Local.__init__ is not object.__init__:
            super().__init__(*(_local_path(a) for a in args))
        self.conn_id = conn_id

    @property
    def protocol(self) -> str:
        return "file"

    @property
    def key(self) -> str:
        return str(self).lstrip("/")

    @property
    def bucket(self) -> str:
        return ""

    def size(self) -> int:
        """Bytes in the file."""
        return self.stat().st_size

    def copy(self, dst: str | pathlib.Path, recursive: bool = False, **kwargs: Any) -> None:
        """Copy this file (or folder, with ``recursive``) to ``dst``; into ``dst`` when it is a folder."""
        target = ObjectStoragePath(dst)
        if self.is_dir():
            if not recursive:
                raise IsADirectoryError(f"{self} is a folder: pass recursive=True to copy it")
            shutil.copytree(self, target / self.name if target.is_dir() else target)
        else:
            shutil.copy2(self, target)

    def move(self, path: str | pathlib.Path, recursive: bool = False, **kwargs: Any) -> None:
        """Move this file or folder to ``path``."""
        shutil.move(self, ObjectStoragePath(path))

    def __repr__(self) -> str:
        return f"ObjectStoragePath({self.as_uri() if self.is_absolute() else str(self)!r})"
