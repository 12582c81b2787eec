"""``slipstream standalone`` and ``slipstream scheduler`` as real, long-running processes."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pytest
from cli_helpers import SLIPSTREAM, add_seeds, no_traceback, run


def _group_gone(server, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.group_alive():
            return True
        time.sleep(0.05)
    return False


def test_standalone_runs_a_triggered_dag_and_stops_on_sigint(server, home, dags_dir, seed_dags):
    add_seeds(dags_dir, seed_dags, "seed001_parallel_dependencies.py")
    standalone = server("standalone")
    standalone.wait_for(r"^Slipstream home:\s+" + re.escape(str(home)))
    standalone.wait_for(r"^Database:\s+" + re.escape(f"sqlite:///{home}/slipstream.db") + "$")  # the URL, not a repr
    standalone.wait_for(r"^Loaded DAG parallel_dependencies \(3 tasks\) from .*seed001_parallel_dependencies\.py")

    created = json.loads(run("dags", "trigger", "parallel_dependencies", "-o", "json").stdout)
    run_id = created[0]["run_id"]
    run_pattern = re.escape(run_id)
    standalone.wait_for(rf"DAG run parallel_dependencies {run_pattern}: running")
    for task in ("task_a", "task_b", "task_c"):
        standalone.wait_for(rf"parallel_dependencies\.{task} {run_pattern}: success")
    standalone.wait_for(rf"DAG run parallel_dependencies {run_pattern}: success")

    runs = json.loads(run("dags", "list-runs", "parallel_dependencies", "-o", "json").stdout)
    assert [(r["run_id"], r["state"]) for r in runs] == [(run_id, "success")]
    states = json.loads(run("tasks", "states-for-dag-run", "parallel_dependencies", run_id, "-o", "json").stdout)
    by_id = {r["task_id"]: r for r in states}
    assert {r["state"] for r in states} == {"success"}
    # task_c starts only after task_a and task_b ended.
    assert by_id["task_c"]["start_date"] >= max(by_id["task_a"]["end_date"], by_id["task_b"]["end_date"]), states

    started = time.monotonic()
    code = standalone.stop(signal.SIGINT)
    assert code == 0, standalone.output
    assert time.monotonic() - started < 10
    assert standalone.lines[-1] == "Scheduler stopped.", standalone.output
    assert no_traceback(standalone.output)
    assert _group_gone(standalone), "processes of the standalone process group are still running"


def test_scheduler_reports_import_errors_and_stops_on_sigterm(server, dags_dir, seed_dags):
    add_seeds(dags_dir, seed_dags, "seed001_parallel_dependencies.py", "seed004_parallel_dag.py")
    scheduler = server("scheduler")
    scheduler.wait_for(r"^Scheduler started")
    scheduler.wait_for(r"^Import error .*seed004_parallel_dag\.py:31: NameError: name 'task1' is not defined")
    scheduler.wait_for(r"^Loaded DAG parallel_dependencies")
    code = scheduler.stop(signal.SIGTERM)
    assert code == 0, scheduler.output
    assert scheduler.lines[-1] == "Scheduler stopped."
    assert no_traceback(scheduler.output)
    assert _group_gone(scheduler)


def test_standalone_creates_its_dags_folder(server, home, tmp_path):
    folder = tmp_path / "new" / "dags"
    standalone = server("standalone", "-S", str(folder))
    standalone.wait_for(r"^DAG folders:\s+" + re.escape(str(folder)))
    standalone.wait_for(r"^Scheduler started")
    assert folder.is_dir()
    assert standalone.stop(signal.SIGINT) == 0


SLOW = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("slow", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="first", bash_command="echo started; sleep 2; echo finished") >> BashOperator(
        task_id="second", bash_command="echo second"
    )
"""


def test_first_stop_lets_running_tasks_finish_and_starts_nothing_new(server, dags_dir):
    (dags_dir / "slow.py").write_text(SLOW)
    standalone = server("standalone")
    standalone.wait_for(r"^Loaded DAG slow")
    run_id = json.loads(run("dags", "trigger", "slow", "-o", "json").stdout)[0]["run_id"]
    standalone.wait_for(rf"slow\.first {re.escape(run_id)}: queued")
    time.sleep(0.5)
    code = standalone.stop(signal.SIGTERM)
    assert code == 0, standalone.output
    assert "waiting for 1 running task(s) to finish" in standalone.output
    states = {r["task_id"]: r["state"] for r in json.loads(run("tasks", "states-for-dag-run", "slow", run_id, "-o", "json").stdout)}
    assert states["first"] == "success"
    assert states["second"] in ("none", "scheduled"), "nothing new is started while stopping"


def test_second_stop_kills_running_tasks(server, dags_dir):
    (dags_dir / "slow.py").write_text(SLOW.replace("sleep 2", "sleep 60"))
    standalone = server("standalone")
    standalone.wait_for(r"^Loaded DAG slow")
    run_id = json.loads(run("dags", "trigger", "slow", "-o", "json").stdout)[0]["run_id"]
    standalone.wait_for(rf"slow\.first {re.escape(run_id)}: queued")
    time.sleep(0.5)
    standalone.process.send_signal(signal.SIGTERM)
    standalone.wait_for(r"waiting for 1 running task\(s\) to finish")
    started = time.monotonic()
    code = standalone.stop(signal.SIGTERM)
    assert code == 0, standalone.output
    assert time.monotonic() - started < 15
    states = {r["task_id"]: r["state"] for r in json.loads(run("tasks", "states-for-dag-run", "slow", run_id, "-o", "json").stdout)}
    assert states["first"] == "failed"
    assert _group_gone(standalone)


def _processes_of(home) -> dict[int, str]:
    """Every live process (not a zombie) started for this test's SLIPSTREAM_HOME: pid -> command line.
    Each process Slipstream starts inherits the environment, so this finds them all, wherever
    they were re-parented."""
    marker = f"SLIPSTREAM_HOME={home}".encode()
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if marker not in handle.read().split(b"\0"):
                    continue
            with open(f"/proc/{entry}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                found[int(entry)] = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
    return found


def _until_none_left(home, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while (left := _processes_of(home)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes left behind: {left}"


def _states(dag_id: str, run_id: str) -> dict[str, str]:
    rows = json.loads(run("tasks", "states-for-dag-run", dag_id, run_id, "-o", "json").stdout)
    return {r["task_id"]: r["state"] for r in rows}


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="walks /proc")


@needs_proc
def test_ctrl_c_with_the_console_piped_into_tee_stops_cleanly_and_leaves_no_process(home, dags_dir, tmp_path):
    """``slipstream standalone 2>&1 | tee log`` and Ctrl-C: SIGINT reaches the whole group, tee
    dies, the scheduler's prints meet a broken pipe; it still lets the running task finish,
    records it, and stops with nothing left running."""
    (dags_dir / "slow.py").write_text(SLOW)
    console = tmp_path / "console.log"
    command = f"{shlex.join(SLIPSTREAM)} standalone 2>&1 | tee {shlex.quote(str(console))} >/dev/null"
    shell = subprocess.Popen(["sh", "-c", command], start_new_session=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        _until_printed(console, r"^Loaded DAG slow")
        run_id = json.loads(run("dags", "trigger", "slow", "-o", "json").stdout)[0]["run_id"]
        _until_printed(console, rf"slow\.first {re.escape(run_id)}: queued")
        time.sleep(0.5)
        os.killpg(shell.pid, signal.SIGINT)
        shell.wait(10)
        _until_none_left(home)
        states = _states("slow", run_id)
        assert states["first"] == "success", states
        assert states["second"] in ("none", "scheduled"), states
        assert no_traceback(console.read_text())
    finally:
        _kill_all(home)
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)


def test_sighup_stops_the_scheduler_like_a_first_ctrl_c(server, home, dags_dir):
    """SIGHUP: the running task finishes, and nothing is left, not even the daemon the task
    started in a session of its own."""
    daemon = "setsid sleep 300 </dev/null >/dev/null 2>&1 &"
    (dags_dir / "slow.py").write_text(SLOW.replace("echo started;", f"echo started; {daemon}"))
    scheduler = server("scheduler")
    try:
        scheduler.wait_for(r"^Loaded DAG slow")
        run_id = json.loads(run("dags", "trigger", "slow", "-o", "json").stdout)[0]["run_id"]
        scheduler.wait_for(rf"slow\.first {re.escape(run_id)}: queued")
        time.sleep(0.5)
        assert scheduler.stop(signal.SIGHUP) == 0, scheduler.output
        assert "waiting for 1 running task(s) to finish" in scheduler.output
        assert scheduler.lines[-1] == "Scheduler stopped."
        assert _states("slow", run_id)["first"] == "success"
        if os.path.isdir("/proc/self"):
            _until_none_left(home, timeout=10)
    finally:
        _kill_all(home)  # a failure must not leave processes holding the output pipe open


@needs_proc
def test_a_killed_scheduler_leaves_no_fork_server_nor_store_service(server, home, dags_dir):
    """SIGKILL the scheduler while a task runs: its fork servers and zygotes end on their own
    (their parent's socket closed); the task process goes on until its body ends, its result
    recorded by the store service, which then ends too: nothing is left."""
    (dags_dir / "slow.py").write_text(SLOW.replace("sleep 2", "sleep 4"))
    standalone = server("standalone")
    standalone.wait_for(r"^Loaded DAG slow")
    run_id = json.loads(run("dags", "trigger", "slow", "-o", "json").stdout)[0]["run_id"]
    standalone.wait_for(rf"slow\.first {re.escape(run_id)}: queued")
    time.sleep(0.5)
    helpers = {
        pid for pid, command in _processes_of(home).items()
        if "slipstream.processes.forkserver" in command or "slipstream.executors.store_service" in command
    }
    assert len(helpers) >= 3, "fork servers (executor and parser) and the store service"
    try:
        standalone.process.kill()
        standalone.process.wait()
        deadline = time.monotonic() + 10
        while helpers & set(_processes_of(home)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not helpers & set(_processes_of(home)), _processes_of(home)
        _until_none_left(home)
        assert _states("slow", run_id)["first"] == "success"
    finally:
        _kill_all(home)


def _until_printed(path, pattern: str, timeout: float = 60.0) -> None:
    regex = re.compile(pattern, re.MULTILINE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and regex.search(path.read_text()):
            return
        time.sleep(0.05)
    raise AssertionError(f"/{pattern}/ not printed within {timeout} s:\n{path.read_text() if path.exists() else ''}")


def _kill_all(home) -> None:
    for pid in _processes_of(home):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


CONSOLE = """
import sys
from slipstream.cli.serve_commands import Console
console = Console()
sys.stdin.readline()  # the reader of stdout is gone by now
for _ in range(3):
    console.echo("x" * 100_000, fg="green")
print("after", file=sys.stderr)
print("and stdout still works", flush=True)
sys.exit(0 if console.gone else 5)
"""


def test_the_console_goes_quiet_when_its_pipe_breaks_and_nothing_fails():
    """stdout and stderr on one pipe whose reader died: printing stops, no exception, no
    'Exception ignored' at exit, exit code 0."""
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-c", CONSOLE], stdin=subprocess.PIPE, stdout=write_end, stderr=write_end, text=True
    )
    os.close(write_end)
    os.close(read_end)
    assert process.communicate("go\n", timeout=60) == (None, None)
    assert process.returncode == 0


def test_standalone_serves_the_rest_api_with_a_generated_admin_login(server, home):
    import httpx

    standalone = server("standalone")
    url = standalone.wait_for(r"^REST API:\s+(http://127\.0\.0\.1:\d+)/api/v2").group(1)
    login = standalone.wait_for(r"^Login:\s+admin / (\S+) \(created now; kept in (.+)\)")
    password, kept = login.group(1), login.group(2)
    assert kept == str(home / "standalone_admin_password.txt")
    assert (home / "standalone_admin_password.txt").read_text().strip() == password
    assert os.stat(kept).st_mode & 0o777 == 0o600
    standalone.wait_for(r"^Scheduler started")

    token = httpx.post(f"{url}/auth/token", json={"username": "admin", "password": password})
    assert token.status_code == 201, token.text
    me = httpx.get(f"{url}/auth/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.json()["role"] == "Admin"
    deadline = time.monotonic() + 15
    while httpx.get(f"{url}/api/v2/monitor/health").json()["scheduler"]["status"] != "healthy":
        assert time.monotonic() < deadline, "the scheduler never reported healthy"
        time.sleep(0.2)
    assert standalone.stop(signal.SIGINT) == 0, standalone.output

    again = server("standalone")
    again.wait_for(rf"^Login:\s+admin / {re.escape(password)} \(from {re.escape(kept)}\)")
    assert again.stop(signal.SIGINT) == 0, again.output
