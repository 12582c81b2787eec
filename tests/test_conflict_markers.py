"""No merge left half done: no tracked text file holds a conflict marker line (one once reached
the README through a merge that every other test passed)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MARKER = re.compile(rb"^(<{7}|>{7})( |$)|^={7}$", re.MULTILINE)


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return [REPO / name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_holds_a_conflict_marker() -> None:
    found = []
    for path in tracked_files():
        if path.suffix in {".png", ".gz", ".ico", ".woff", ".woff2"} or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        for match in MARKER.finditer(data):
            line = data.count(b"\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(REPO)}:{line}")
    assert not found, "merge conflict markers left in: " + ", ".join(found)
