"""bench/compare.py: revisions measured in turn, medians side by side. No timing asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `bench`

from bench import compare

REPO = compare.REPO


def test_summary_gives_each_revisions_median_and_its_ratio_to_the_first() -> None:
    samples = {"a": {"fanout500.tasks_per_s": [100.0, 120.0, 110.0]}, "b": {"fanout500.tasks_per_s": [220.0, 200.0, 240.0]}}
    [line] = compare.summarize(["a", "b"], samples)
    assert line.startswith("fanout500.tasks_per_s")
    assert "a: 110 (1.00x) [100, 110, 120]" in line and "b: 220 (2.00x) [200, 220, 240]" in line


def test_compares_a_committed_revision_with_the_working_tree() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "compare.py"), "--rounds", "1", "--only", "chain50", "HEAD", "WORKTREE"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    [line] = [row for row in done.stdout.splitlines() if row.startswith("chain50.handoff_median_ms")]
    assert "HEAD: " in line and "WORKTREE: " in line and " -" not in line.split("HEAD: ")[1], line
    listed = subprocess.run(["git", "-C", str(REPO), "worktree", "list"], capture_output=True, text=True).stdout
    assert "slipstream-compare-" not in listed, "its worktrees are removed"
