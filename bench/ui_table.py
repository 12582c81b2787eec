"""Print the web UI's speed figures that the browser tests recorded (`make bench-ui`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(path: str) -> None:
    figures = json.loads(Path(path).read_text())
    width = max(len(name) for name in figures)
    print(f"{'web UI, measured in Chromium':<{width}}  value")
    for name, figure in figures.items():
        print(f"{name:<{width}}  {figure['value']:>9,.1f} {figure['unit']}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ui-screenshots/speed.json")
