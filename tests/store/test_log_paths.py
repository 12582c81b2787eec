"""Where each try's log goes: never outside the logs folder, whatever the ids hold, and one file per try."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from slipstream.store.log_paths import callback_log_file, log_file, log_path, path_component

NASTY = [
    ".", "..", "...", "../../etc", "../x", "a/b", "/etc/passwd", "/", "//", "a\x00b", "\x00", "", " ", "~",
    "a:b", "a_b", "a%3Ab", "%", "%%", "%2E", "map_index=3", "callbacks=dag.log", "1.log", "x" * 250, "x" * 251,
    "é" * 250, "dàg", "日本", "a\nb", "a\\b", "\udcff", "-rf", ".hidden", "manual__2024-01-01T00:00:00+00:00",
]


def _inside(base: Path, path: Path | str) -> bool:
    resolved = os.path.realpath(path)
    return resolved.startswith(os.path.realpath(base) + os.sep)


def test_valid_ids_keep_their_names(tmp_path: Path) -> None:
    assert log_path(tmp_path, "d", "manual__2024-01-01T00:00:00+00:00", "g.t", -1, 2) == (
        tmp_path / "d" / "manual__2024-01-01T00:00:00+00:00" / "g.t" / "2.log"
    )
    assert log_path(tmp_path, "d", "r", "t", 3, 1) == tmp_path / "d" / "r" / "t" / "map_index=3" / "1.log"
    for map_index in (-1, 0, 7):
        assert log_file(str(tmp_path), "d", "r:1", "g.t", map_index, 1) == str(log_path(tmp_path, "d", "r:1", "g.t", map_index, 1))


@pytest.mark.parametrize("value", NASTY)
def test_every_id_is_one_harmless_file_name(value: str) -> None:
    name = path_component(value)
    assert name not in ("", ".", "..")
    assert "/" not in name and "\x00" not in name
    assert len(name.encode("utf-8")) <= 255
    name.encode("utf-8")  # a name the file system takes (a lone surrogate is escaped)


def test_distinct_ids_give_distinct_names() -> None:
    names = {value: path_component(value) for value in NASTY}
    assert len(set(names.values())) == len(NASTY), names
    assert path_component("a:b") != path_component("a_b")
    assert path_component("x" * 300 + "1") != path_component("x" * 300 + "2")


def test_no_combination_of_nasty_ids_leaves_the_logs_folder_or_shares_a_file(tmp_path: Path) -> None:
    base = tmp_path / "logs"
    seen: dict[str, tuple[str, ...]] = {}
    folders: set[str] = set()
    for dag_id, run_id, task_id in itertools.product(NASTY[:16], repeat=3):
        for map_index, try_number in ((-1, 1), (0, 1), (-1, 2)):
            path = log_file(str(base), dag_id, run_id, task_id, map_index, try_number)
            assert _inside(base, path), (dag_id, run_id, task_id, path)
            key = (dag_id, run_id, task_id, str(map_index), str(try_number))
            assert seen.setdefault(path, key) == key, f"{key} and {seen[path]} share {path}"
            folders.update(str(p) for p in Path(path).parents)
    for dag_id, run_id in itertools.product(NASTY[:16], repeat=2):
        for kind in ("dag", "deadline"):
            callbacks = str(callback_log_file(base, dag_id, run_id, kind))
            assert _inside(base, callbacks)
            assert callbacks not in seen and callbacks not in folders, callbacks
            seen[callbacks] = (dag_id, run_id, kind)


def test_a_nasty_path_can_be_created_and_written(tmp_path: Path) -> None:
    base = tmp_path / "logs"
    for value in NASTY:
        path = Path(log_file(str(base), value, value, value, -1, 1))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == len(NASTY)
    assert all(_inside(base, p) for p in written)
