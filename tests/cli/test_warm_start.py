"""Warm start (``cli/warm``): the first ``dags test`` runs as a fresh process and starts the
server; the next ones run in forks of it, with the caller's environment, folder and terminal,
end as the command ends, and stop with the caller. Real processes throughout."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import FAILING_DAG, SLIPSTREAM, WAIT

from slipstream.cli.warm import address, server

# t1 prints the value of MARK and the titles of the processes above it, up to the command.
WARM_DAG = '''
import os
from datetime import datetime
from airflow import DAG
from airflow.operators.python import PythonOperator


def ancestors():
    pid, titles = os.getpid(), []
    while pid > 1:
        with open(f"/proc/{pid}/stat") as stat:
            pid = int(stat.read().rsplit(")", 1)[1].split()[1])
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            titles.append(cmdline.read().replace(b"\\0", b" ").decode().strip())
    print("mark", os.environ.get("MARK"), "cwd", os.getcwd())
    for title in titles:
        print("above:", title)


def nap(seconds, pid_file):
    import time
    with open(pid_file, "w") as out:
        out.write(str(os.getpid()))
    time.sleep(seconds)


with DAG("warm_dag", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t1", python_callable=ancestors) >> PythonOperator(task_id="t2", python_callable=print,
                                                                             op_args=["second task"])

with DAG("sleepy_dag", start_date=datetime(2024, 1, 1), schedule=None) as sleepy:
    PythonOperator(task_id="sleeper", python_callable=nap, op_args=[120, os.environ.get("PID_FILE", "/dev/null")])
'''


@pytest.fixture
def warm_home(home: Path) -> Iterator[dict[str, str]]:
    """A home with warm start on and a runtime folder of its own; the server is gone after."""
    (home / "dags" / "warm_dag.py").write_text(WARM_DAG)
    (home / "dags" / "failing_dag.py").write_text(FAILING_DAG)
    runtime = tempfile.mkdtemp(prefix="ss-")  # short: a Unix socket's path has at most 107 bytes
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime, SLIPSTREAM__CLI__WARM_START="true", PYTHONUNBUFFERED="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    yield env
    for pid in _server_pids(home):
        os.kill(pid, signal.SIGTERM)
    shutil.rmtree(runtime, ignore_errors=True)


def _server_pids(home: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"slipstream warm start server (home " + str(home.resolve()).encode() + b")" in title:
                found.append(int(entry.name))
    return found


def _socket(env: dict[str, str], home: Path) -> Path:
    path = address.socket_path(str(home.resolve()), env)
    assert path is not None
    return Path(path)


def _wait_for(check, what: str, timeout: float = WAIT) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.1)


def _dags_test(env: dict[str, str], *args: str, cwd: Path | None = None, mark: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SLIPSTREAM, "dags", "test", *args], capture_output=True, text=True, timeout=WAIT,
        env=dict(env, MARK=mark), cwd=cwd,
    )


def test_later_commands_run_in_forks_of_the_warm_server(home: Path, warm_home: dict[str, str], tmp_path: Path) -> None:
    sock = _socket(warm_home, home)
    off = _dags_test(dict(warm_home, SLIPSTREAM__CLI__WARM_START="false"), "warm_dag", mark="off")
    assert off.returncode == 0, off.stdout + off.stderr
    time.sleep(1)
    assert not sock.exists(), "warm_start = false still started a server"

    cold = _dags_test(warm_home, "warm_dag", mark="one")
    assert cold.returncode == 0, cold.stdout + cold.stderr
    assert "[t1] mark one" in cold.stdout
    assert "slipstream warm start server" not in cold.stdout  # the first one runs as a fresh process
    _wait_for(sock.exists, "the warm start server listening")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    warm = _dags_test(warm_home, "warm_dag", cwd=elsewhere, mark="two")
    assert warm.returncode == 0, warm.stdout + warm.stderr
    assert f"[t1] mark two cwd {elsewhere}" in warm.stdout  # the caller's environment and folder
    assert "[t2] second task" in warm.stdout
    assert f"[t1] above: slipstream warm start server (home {home.resolve()})" in warm.stdout
    assert "[t1] above: slipstream dags test warm_dag" in warm.stdout
    assert "success" in warm.stdout and "Traceback" not in warm.stderr

    failed = _dags_test(warm_home, "failing_dag")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "boom on purpose" in failed.stdout
    assert "Traceback" not in failed.stderr

    unknown = _dags_test(warm_home, "warm_dagg")
    assert unknown.returncode != 0
    assert "warm_dag" in unknown.stderr  # did you mean, on the caller's stderr

    server_pids = _server_pids(home)
    assert len(server_pids) == 1
    shutil.rmtree(home)  # the server ends with its home, and takes its socket along
    _wait_for(lambda: not _server_pids(home) and not sock.exists(), "the server's end with its home", 15)


@pytest.mark.parametrize("how", ["ctrl-c", "caller killed"])
def test_the_command_stops_with_its_caller(home: Path, warm_home: dict[str, str], tmp_path: Path, how: str) -> None:
    sock = _socket(warm_home, home)
    assert _dags_test(warm_home, "warm_dag").returncode == 0
    _wait_for(sock.exists, "the warm start server listening")
    pid_file = tmp_path / "sleeper.pid"
    caller = subprocess.Popen(
        [*SLIPSTREAM, "dags", "test", "sleepy_dag"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(warm_home, PID_FILE=str(pid_file)),
    )
    _wait_for(lambda: pid_file.exists() and pid_file.read_text(), "the sleeping task's start")
    task_pid = int(pid_file.read_text())
    (server_pid,) = _server_pids(home)
    (command_pid,) = _children_titled(server_pid, "slipstream dags test sleepy_dag")
    try:
        if how == "ctrl-c":  # as in a fresh command: the run is stopped, its task killed
            caller.send_signal(signal.SIGINT)
            output, _ = caller.communicate(timeout=WAIT)
            assert caller.returncode != 0, output
            _wait_for(lambda: not _alive(task_pid), "the end of the task the stopped command ran", 30)
        else:  # as a fresh command whose terminal closed: it ends (a running task finishes and records its end)
            caller.kill()
            caller.wait(WAIT)
        _wait_for(lambda: not _alive(command_pid), "the end of the command of a stopped caller", 30)
        assert _server_pids(home) == [server_pid], "the server stopped with the command"
    finally:
        if _alive(task_pid):
            os.kill(task_pid, signal.SIGKILL)


def _children_titled(parent: int, title: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (entry / "cmdline").read_bytes()
            except (OSError, ValueError):
                continue
            if ppid == parent and cmdline.replace(b"\0", b" ").strip().decode() == title:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_changed_module_file_is_new_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = tmp_path / "warm_probe_module.py"
    module.write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("warm_probe_module")
    try:
        stamp = server.code_stamp()
        assert server.changed_since(stamp) is None
        os.utime(module, ns=(time.time_ns(), time.time_ns() + 10**9))
        assert server.changed_since(stamp) == str(module)
    finally:
        sys.modules.pop("warm_probe_module", None)


def test_which_commands_go_warm(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert address.eligible(["dags", "test", "x"]) and address.eligible(["tasks", "test", "d", "t"])
    assert not address.eligible(["dags", "test", "--help"]) and not address.eligible(["dags", "list"])
    assert address.enabled({}, str(home))
    assert not address.enabled({"SLIPSTREAM__CLI__WARM_START": "off"}, str(home))
    (home / "slipstream.toml").write_text("[cli]\nwarm_start = false\nwarm_start_idle_timeout = 30\n")
    assert not address.enabled({}, str(home))
    assert address.idle_timeout({}, str(home)) == 30.0
