"""The fork server: children run the target, exits are reported with their code, kills reach
them; a zygote or the server itself may die (SIGKILL, for real) and nothing is lost."""

from __future__ import annotations

import ast
import os
import queue
import signal
import sys
import time

import pytest

from slipstream.processes.client import ForkServer


def write_pid_and_sleep(path: str, seconds: float) -> None:
    with open(path, "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(seconds)


def exit_with(code: int) -> None:
    raise SystemExit(code)


def boom() -> None:
    raise RuntimeError("boom")


def remember(path: str) -> None:
    global REMEMBERED
    REMEMBERED = path


def write_remembered(target: str) -> None:
    with open(target, "w") as handle:
        handle.write(REMEMBERED)


REMEMBERED = ""


@pytest.fixture(autouse=True)
def importable_here(monkeypatch):
    """The fork server is a fresh interpreter: let it import this test module by name."""
    monkeypatch.setenv("PYTHONPATH", os.path.dirname(__file__))


def test_spawn_reports_exit_codes_and_kills(tmp_path):
    exits: queue.Queue[tuple[int, int]] = queue.Queue()
    server = ForkServer([__name__], lambda request_id, code: exits.put((request_id, code)))
    try:
        ok = server.spawn(f"{__name__}:write_pid_and_sleep", (str(tmp_path / "ok"), 0))
        three = server.spawn(f"{__name__}:exit_with", (3,))
        crash = server.spawn(f"{__name__}:boom", ())
        sleeper = server.spawn(f"{__name__}:write_pid_and_sleep", (str(tmp_path / "sleeper"), 60))
        results = dict(exits.get(timeout=30) for _ in range(3))
        assert results == {ok: 0, three: 3, crash: 1}
        deadline = time.monotonic() + 30
        while not (tmp_path / "sleeper").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill(sleeper, signal.SIGKILL)
        assert exits.get(timeout=30) == (sleeper, -signal.SIGKILL)
        assert int((tmp_path / "ok").read_text()) != os.getpid()
    finally:
        server.close()


def test_call_runs_in_the_server_and_children_inherit_it(tmp_path):
    exits: queue.Queue[tuple[int, int]] = queue.Queue()
    server = ForkServer([__name__], lambda request_id, code: exits.put((request_id, code)))
    try:
        server.call(f"{__name__}:remember", ("warmed",))
        server.spawn(f"{__name__}:write_remembered", (str(tmp_path / "out"),))
        assert exits.get(timeout=30)[1] == 0
        assert (tmp_path / "out").read_text() == "warmed"
        assert REMEMBERED == "", "the call ran in the server, not here"
    finally:
        server.close()


def load_zygote(value: str) -> None:
    remember(value)


class Answering:
    """A channel service: says what it was asked, and which process answered."""

    def answer(self, channel: int, message: tuple[str, int]) -> tuple[str, int, int]:
        word, number = message
        return (word, number * 2, os.getpid())

    def closed(self, channel: int) -> None:
        pass

    def tick(self) -> None:
        return None


def ask_the_service(path: str, number: int) -> None:
    from slipstream.processes import forkserver
    from slipstream.processes.wire import request

    assert forkserver.PARENT_CHANNEL is not None
    for _ in range(3):
        reply = request(forkserver.PARENT_CHANNEL, (f"hello:{REMEMBERED}", number))
    with open(path, "w") as handle:
        handle.write(repr((reply, os.getppid())))


def test_children_of_the_server_and_its_zygotes_are_answered_by_the_channel_server(tmp_path):
    """With a channel server, every child gets a channel to it (not to the zygote, which only
    forks); many children at once are all answered, and the server ends when the forking
    processes are gone."""
    import socket
    import threading

    from slipstream.processes.channel_server import serve_channels

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    answering = threading.Thread(target=serve_channels, args=(theirs, Answering()), daemon=True)
    answering.start()
    exits: queue.Queue[tuple[int, int]] = queue.Queue()
    server = ForkServer([__name__], lambda request_id, code: exits.put((request_id, code)), ours)
    zygote = ("key", f"{__name__}:load_zygote", ("loaded",))
    try:
        server.start()
        ours.close()
        ids = [server.spawn(f"{__name__}:ask_the_service", (str(tmp_path / f"out{i}"), i), zygote) for i in range(12)]
        ids.append(server.spawn(f"{__name__}:ask_the_service", (str(tmp_path / "out12"), 12)))
        assert sorted(exits.get(timeout=30) for _ in ids) == [(i, 0) for i in sorted(ids)]
        replies = [ast.literal_eval((tmp_path / f"out{i}").read_text()) for i in range(13)]
        assert [reply[:2] for reply, _ in replies[:12]] == [("hello:loaded", 2 * i) for i in range(12)]
        assert replies[12][0][:2] == ("hello:", 24), "a child of the server itself has loaded nothing"
        assert {reply[2] for reply, _ in replies} == {os.getpid()}, "the channel server answered them all"
        assert len({parent for _, parent in replies[:12]}) == 1, "one zygote forked them"
    finally:
        server.close()
    answering.join(10)
    assert not answering.is_alive(), "the channel server ends with the processes that hand it channels"


def _wait_for(path, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path} never written"
        time.sleep(0.02)
    return path.read_text()


def _gone(pid: int) -> bool:
    """Ended (a zombie waiting for init to reap it counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _parent_of(pid: int) -> int | None:
    try:
        return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
    except FileNotFoundError:
        return None  # gone


def _until(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {check}")


def wait_for_file_then_exit(path: str, go: str, code: int) -> None:
    with open(path, "w") as handle:
        handle.write(str(os.getpid()))
    while not os.path.exists(go):
        time.sleep(0.01)
    raise SystemExit(code)


def load_slowly(pid_path: str) -> None:
    with open(pid_path, "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(60)


class Reports:
    """What a fork server reported: exits and lost requests, in one queue."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[str, int, object]] = queue.Queue()

    def server(self, *args, **kwargs) -> ForkServer:
        return ForkServer(
            [__name__], lambda rid, code: self.queue.put(("exited", rid, code)), *args,
            on_lost=lambda rid, reason: self.queue.put(("lost", rid, reason)), **kwargs,
        )

    def next(self, timeout: float = 30.0) -> tuple[str, int, object]:
        return self.queue.get(timeout=timeout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper is Linux only")
def test_a_dead_zygotes_task_process_goes_on_and_its_real_exit_is_reported(tmp_path):
    """SIGKILL a zygote while its task process runs: the fork server lives, adopts the task
    process (a subreaper), reports its own exit code when it ends, forwards kills to it, and a
    new zygote serves the same key."""
    reports = Reports()
    server = reports.server()
    zygote = ("key", f"{__name__}:load_zygote", ("loaded",))
    try:
        first = server.spawn(f"{__name__}:wait_for_file_then_exit", (str(tmp_path / "a"), str(tmp_path / "go"), 7), zygote)
        second = server.spawn(f"{__name__}:write_pid_and_sleep", (str(tmp_path / "b"), 60), zygote)
        child_a, child_b = int(_wait_for(tmp_path / "a")), int(_wait_for(tmp_path / "b"))
        zygote_pid = _parent_of(child_a)
        assert zygote_pid != server.pid
        os.kill(zygote_pid, signal.SIGKILL)
        _until(lambda: _parent_of(child_a) == server.pid and _parent_of(child_b) == server.pid)
        assert reports.queue.empty(), "nothing is reported while the task processes run"
        (tmp_path / "go").write_text("")
        assert reports.next() == ("exited", first, 7)
        server.kill(second, signal.SIGTERM)
        assert reports.next() == ("exited", second, -signal.SIGTERM)
        again = server.spawn(f"{__name__}:write_remembered", (str(tmp_path / "c"),), zygote)
        assert reports.next() == ("exited", again, 0)
        assert (tmp_path / "c").read_text() == "loaded"
        assert _alive(server.pid)
    finally:
        server.close()


def test_a_request_whose_zygote_dies_before_starting_it_is_reported_lost(tmp_path):
    reports = Reports()
    server = reports.server()
    try:
        slow = ("slow", f"{__name__}:load_slowly", (str(tmp_path / "zygote"),))
        waiting = server.spawn(f"{__name__}:write_pid_and_sleep", (str(tmp_path / "never"), 0), slow)
        os.kill(int(_wait_for(tmp_path / "zygote")), signal.SIGKILL)
        kind, request_id, reason = reports.next()
        assert (kind, request_id) == ("lost", waiting)
        assert "zygote" in str(reason) and "before starting it" in str(reason)
        assert not (tmp_path / "never").exists()
        other = ("other", f"{__name__}:load_zygote", ("fine",))
        after = server.spawn(f"{__name__}:write_remembered", (str(tmp_path / "after"),), other)
        assert reports.next() == ("exited", after, 0)
        assert (tmp_path / "after").read_text() == "fine"
    finally:
        server.close()


def test_a_dead_fork_server_is_noticed_at_once_and_replaced_on_the_next_spawn(tmp_path):
    """SIGKILL the fork server: every request it had not reported is lost at once (its child
    goes on), and the next spawn starts a new server that has run the same warm-up calls."""
    reports = Reports()
    server = reports.server()
    try:
        server.call(f"{__name__}:remember", ("warmed",))
        running = server.spawn(f"{__name__}:write_pid_and_sleep", (str(tmp_path / "a"), 60))
        child = int(_wait_for(tmp_path / "a"))
        first_pid = server.pid
        os.kill(first_pid, signal.SIGKILL)
        kind, request_id, reason = reports.next()
        assert (kind, request_id) == ("lost", running)
        assert f"pid {first_pid}" in str(reason)
        assert _alive(child), "the dead server's child goes on"
        again = server.spawn(f"{__name__}:write_remembered", (str(tmp_path / "b"),))
        assert reports.next() == ("exited", again, 0)
        assert server.pid != first_pid
        assert (tmp_path / "b").read_text() == "warmed"
        assert _alive(child)
    finally:
        server.close()
    assert _alive(child), "closing the handle leaves the dead server's children alone"
    server.kill_lost_children()
    _until(lambda: _gone(child))


def load_for(pid_path: str, seconds: float) -> None:
    with open(pid_path, "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(seconds)


def test_a_zygote_whose_server_died_while_it_loaded_starts_nothing(tmp_path):
    """The request waits in a zygote that is still loading its DAG file when the fork server is
    killed: it is reported lost at once, and the zygote, done loading, does not start it (it
    runs elsewhere) but ends."""
    reports = Reports()
    server = reports.server()
    try:
        slow = ("slow", f"{__name__}:load_for", (str(tmp_path / "zygote"), 1.5))
        waiting = server.spawn(f"{__name__}:write_pid_and_sleep", (str(tmp_path / "never"), 0), slow)
        zygote = int(_wait_for(tmp_path / "zygote"))
        os.kill(server.pid, signal.SIGKILL)
        assert reports.next()[:2] == ("lost", waiting)
        _until(lambda: _gone(zygote))
        time.sleep(0.5)  # what a child would have written by now
        assert not (tmp_path / "never").exists()
    finally:
        server.close()


DAEMON = "import os, sys; os.setsid(); os.fork() and os._exit(0); open(sys.argv[1], 'w').write(str(os.getpid())); os.execvp('sleep', ['sleep', '300'])"


def start_a_daemon_and_sleep(path: str) -> None:
    import subprocess

    subprocess.run([sys.executable, "-c", DAEMON, path], check=True)
    time.sleep(60)


def test_close_kills_running_children_and_what_they_left_behind(tmp_path):
    """A clean stop: the running child is killed and reported, and a daemon it started in a
    session of its own (a double fork) is not left behind."""
    reports = Reports()
    server = reports.server()
    zygote = ("key", f"{__name__}:load_zygote", ("loaded",))
    try:
        running = server.spawn(f"{__name__}:start_a_daemon_and_sleep", (str(tmp_path / "daemon"),), zygote)
        daemon = int(_wait_for(tmp_path / "daemon"))
        assert _alive(daemon)
        server_pid = server.pid
    finally:
        server.close()
    assert reports.next() == ("exited", running, -signal.SIGKILL)
    assert not _alive(server_pid)
    _until(lambda: not _alive(daemon))


PARENT = """
import os, sys, time
sys.path.insert(0, {here!r})
from slipstream.processes.client import ForkServer
server = ForkServer([{name!r}], lambda *_: None)
server.spawn({name!r} + ":write_pid_and_sleep", ({path!r}, 60), ("key", {name!r} + ":load_zygote", ("x",)))
server.spawn({name!r} + ":write_pid_and_sleep", ({idle!r}, 0), ("idle", {name!r} + ":load_zygote", ("y",)))
print(server.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_parent_leaves_no_server_nor_zygote_and_its_task_process_goes_on(tmp_path):
    import subprocess

    code = PARENT.format(
        here=os.path.dirname(__file__), name=__name__, path=str(tmp_path / "task"), idle=str(tmp_path / "idle")
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    task = None
    try:
        assert parent.stdout is not None
        server_pid = int(parent.stdout.readline())
        task = int(_wait_for(tmp_path / "task"))
        _wait_for(tmp_path / "idle")
        zygotes = {_parent_of(task)} | {
            int(p) for p in open(f"/proc/{server_pid}/task/{server_pid}/children").read().split()
        }
        assert len(zygotes) == 2, "a busy and an idle zygote"
        parent.kill()
        parent.wait()
        _until(lambda: not any(_alive(pid) for pid in (server_pid, *zygotes)))
        assert _alive(task), "the task process goes on (it records its own result)"
    finally:
        if parent.poll() is None:
            parent.kill()
        if task is not None and _alive(task):
            os.kill(task, signal.SIGKILL)
