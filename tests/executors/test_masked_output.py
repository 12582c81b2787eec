"""A task process's fds 1 and 2 go through the masker from its first secret on: output that child
processes write straight to the log is masked too, in order, partial lines included."""

from __future__ import annotations

import subprocess
import sys


def run_script(tmp_path, body: str) -> str:
    log = tmp_path / "1.log"
    script = f"""
import os, subprocess, sys, time
from slipstream.executors.masked_output import mask_descriptors_from_first_secret
from slipstream.executors.task_process import redirect_output
from slipstream.sdk.secrets_masker import mask_secret
redirect_output({str(log)!r})
output = mask_descriptors_from_first_secret()
{body}
output.stop()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return log.read_text()


def test_nothing_changes_before_the_first_secret(tmp_path):
    text = run_script(tmp_path, """
assert os.readlink("/proc/self/fd/1").endswith("1.log")
subprocess.run(["echo", "child: not-yet-a-secret"], check=True)
""")
    assert text == "child: not-yet-a-secret\n"


def test_children_writing_to_the_log_themselves_are_masked_in_order(tmp_path):
    text = run_script(tmp_path, """
print("before: fd-secret-1")
mask_secret("fd-secret-1")
assert os.readlink("/proc/self/fd/1").startswith("pipe:")
print("python: fd-secret-1")
os.system("echo 'os.system: fd-secret-1'")
subprocess.run(["sh", "-c", "echo 'stderr: fd-secret-1' >&2; printf 'partial fd-secret-1'"], check=True)
time.sleep(0.5)
os.write(1, b" then the end of the line\\n")
print("last: fd-secret-1")
""")
    assert text == (
        "before: fd-secret-1\npython: ***\nos.system: ***\nstderr: ***\n"
        "partial *** then the end of the line\nlast: ***\n"
    )


def test_a_secret_known_before_the_task_starts_masks_from_the_start(tmp_path):
    log = tmp_path / "1.log"
    script = f"""
import os
from slipstream.sdk.secrets_masker import mask_secret
mask_secret("zygote-secret-2")
from slipstream.executors.masked_output import mask_descriptors_from_first_secret
from slipstream.executors.task_process import redirect_output
redirect_output({str(log)!r})
output = mask_descriptors_from_first_secret()
os.system("echo 'child: zygote-secret-2'")
output.stop()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert log.read_text() == "child: ***\n"


def test_a_secret_registered_after_the_end_starts_nothing(tmp_path):
    text = run_script(tmp_path, """
output.stop()
mask_secret("late-secret-3")
assert os.readlink("/proc/self/fd/1").endswith("1.log")
os.system("echo 'child: late-secret-3'")
""")
    assert text == "child: late-secret-3\n"
