"""Where each try's log goes: the same file whether asked as a Path or as a string."""

from __future__ import annotations

from pathlib import Path

from slipstream.store.log_paths import log_file, log_path


def test_a_try_log_is_under_dag_run_task_and_try_with_the_map_index_for_an_instance(tmp_path: Path) -> None:
    assert log_path(tmp_path, "d", "manual__2024-01-01T00:00:00+00:00", "t", -1, 2) == (
        tmp_path / "d" / "manual__2024-01-01T00_00_00+00_00" / "t" / "2.log"
    )
    assert log_path(tmp_path, "d", "r/x", "t", 3, 1) == tmp_path / "d" / "r_x" / "t" / "map_index=3" / "1.log"
    for map_index in (-1, 0, 7):
        assert log_file(str(tmp_path), "d", "r:1", "g.t", map_index, 1) == str(log_path(tmp_path, "d", "r:1", "g.t", map_index, 1))
