"""A task process's output: Python's stdout and stderr and its child processes all go to the try's log."""

from __future__ import annotations

import os
import subprocess
import sys


def test_redirect_output_sends_prints_errors_and_subprocesses_to_the_log_in_order(tmp_path) -> None:
    log = tmp_path / "dag" / "run" / "task" / "1.log"
    script = f"""
import subprocess, sys
from slipstream.executors.task_process import redirect_output
print("before, on the terminal")
redirect_output({str(log)!r})
print("from print")
print("from stderr", file=sys.stderr)
subprocess.run(["echo", "from a child process"], check=True)
sys.stdout.write("no newline yet")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "before, on the terminal\n"
    assert log.read_text() == "from print\nfrom stderr\nfrom a child process\nno newline yet"
    assert os.stat(log).st_mode & 0o777 == 0o644


def test_secrets_registered_before_the_redirect_are_masked_in_the_log(tmp_path) -> None:
    """A zygote whose DAG file read a secret forks task processes that know it: their new
    streams mask it (and the terminal's stream, before, masked it too)."""
    log = tmp_path / "dag" / "run" / "task" / "1.log"
    script = f"""
import sys
from slipstream.executors.task_process import redirect_output
from slipstream.sdk.secrets_masker import MaskedStream, mask_secret
mask_secret("zygote-secret")
print("terminal: zygote-secret")
redirect_output({str(log)!r})
assert isinstance(sys.stdout, MaskedStream) and isinstance(sys.stderr, MaskedStream)
print("log: zygote-secret")
print("log err: zygote-secret", file=sys.stderr)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "terminal: ***\n"
    assert log.read_text() == "log: ***\nlog err: ***\n"
