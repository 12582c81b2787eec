"""ObjectStoragePath on the local file system (plain paths and file://)."""

from __future__ import annotations

from pathlib import Path

import pytest

from slipstream.sdk.object_storage import ObjectStoragePath
from slipstream.sdk.unsupported import UnsupportedFeatureError


def test_file_addresses_behave_as_paths(tmp_path: Path) -> None:
    root = ObjectStoragePath(f"file://{tmp_path}/data", conn_id="ignored")
    assert root.protocol == "file" and root.conn_id == "ignored" and str(root) == f"{tmp_path}/data"
    root.mkdir(parents=True)
    (root / "a.txt").write_text("one")
    with (root / "b.bin").open("wb") as out:
        out.write(b"\x00\x01")
    child = root / "a.txt"
    assert isinstance(child, ObjectStoragePath) and child.exists() and child.read_text() == "one"
    assert sorted(p.name for p in root.iterdir()) == ["a.txt", "b.bin"]
    assert (tmp_path / "data" / "b.bin").read_bytes() == b"\x00\x01"
    child.unlink()
    assert not child.exists()
    assert repr(root) == f"ObjectStoragePath('file://{tmp_path}/data')"


def test_a_plain_path_works_too(tmp_path: Path) -> None:
    path = ObjectStoragePath(tmp_path) / "x"
    path.write_text("x")
    assert ObjectStoragePath(str(tmp_path), "x").read_text() == "x"


def test_other_stores_are_refused_by_name() -> None:
    with pytest.raises(UnsupportedFeatureError, match="the 's3' object store .* Slipstream does not support"):
        ObjectStoragePath("s3://bucket/key", conn_id="aws_default")
    with pytest.raises(ValueError, match="names no host"):
        ObjectStoragePath("file://server/share")


def test_size_copy_and_move(tmp_path: Path) -> None:
    source = ObjectStoragePath(f"file://{tmp_path}/a.txt")
    source.write_text("12345")
    assert source.size() == 5
    folder = ObjectStoragePath(tmp_path / "copies")
    folder.mkdir()
    source.copy(folder)
    assert (folder / "a.txt").read_text() == "12345"
    with pytest.raises(IsADirectoryError, match="recursive=True"):
        folder.copy(tmp_path / "copies2")
    folder.copy(f"file://{tmp_path}/copies2", recursive=True)
    assert (tmp_path / "copies2" / "a.txt").exists()
    source.move(f"file://{tmp_path}/b.txt")
    assert not source.exists() and (tmp_path / "b.txt").read_text() == "12345"
