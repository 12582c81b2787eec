"""The one reader of /proc/PID/stat, on real processes."""

import os
import subprocess
import sys
import time

import pytest

from slipstream.processes.proc_stat import stat_fields

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux's /proc")


def test_the_fields_of_a_process_whose_command_name_holds_spaces_and_parentheses():
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys, ctypes; ctypes.CDLL(None).prctl(15, b'a (b) c', 0, 0, 0); sys.stdin.read()"],
        stdin=subprocess.PIPE,
    )
    try:
        for _ in range(200):
            with open(f"/proc/{child.pid}/comm") as comm:
                if comm.read().strip() == "a (b) c":
                    break
            time.sleep(0.01)
        else:
            pytest.fail("the child did not rename itself")
        fields = stat_fields(child.pid)
        assert fields is not None
        assert fields[0] in "RS"
        assert int(fields[1]) == os.getpid()
        assert int(fields[3]) == os.getsid(0)
        assert int(fields[19]) > 0
    finally:
        child.communicate(b"")


def test_no_such_process_gives_none():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert stat_fields(child.pid) is None
