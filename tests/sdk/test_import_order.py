"""Every authoring module imports on its own, first thing in a fresh interpreter, as a DAG file would."""

from __future__ import annotations

import subprocess
import sys

import pytest

FIRST_IMPORTS = [
    "from slipstream.operators.python import PythonOperator",
    "from slipstream.operators.bash import BashOperator",
    "from slipstream.operators.empty import EmptyOperator",
    "from slipstream.sdk.decorators import task",
    "from slipstream.sdk import dag, task",
    "from slipstream.sdk import *",
    "from slipstream import DAG, task, PythonOperator",
    "from slipstream import dag, task; import slipstream.sdk.dag; assert callable(dag) and hasattr(task, 'virtualenv')",
    "from slipstream.sdk import dag; assert callable(dag)",
]


@pytest.mark.parametrize("statement", FIRST_IMPORTS)
def test_module_imports_first(statement: str) -> None:
    done = subprocess.run([sys.executable, "-c", statement], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
