"""The repository root on sys.path, for the ``scale`` harness."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
