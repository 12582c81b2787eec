"""The fork server: children run the target, exits are reported with their code, kills reach them."""

from __future__ import annotations

import ast
import os
import queue
import signal
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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_dead_zygotes_children_are_killed_and_reported_killed(tmp_path):
    """A kill reaches a zygote's child; when the zygote dies, what it still ran is killed and
    reported killed, and a new zygote serves the same key."""
    exits: queue.Queue[tuple[int, int]] = queue.Queue()
    server = ForkServer([__name__], lambda request_id, code: exits.put((request_id, code)))
    zygote = ("key", f"{__name__}:load_zygote", ("loaded",))
    try:
        killed = server.spawn(f"{__name__}:write_pid_and_sleep", (str(tmp_path / "a"), 60), zygote)
        child = int(_wait_for(tmp_path / "a"))
        server.kill(killed, signal.SIGTERM)
        assert exits.get(timeout=30) == (killed, -signal.SIGTERM)
        orphaned = server.spawn(f"{__name__}:write_pid_and_sleep", (str(tmp_path / "b"), 60), zygote)
        child = int(_wait_for(tmp_path / "b"))
        zygote_pid = int(open(f"/proc/{child}/stat").read().rsplit(")", 1)[1].split()[1])
        os.kill(zygote_pid, signal.SIGKILL)
        assert exits.get(timeout=30) == (orphaned, -signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the dead zygote's child was killed too"
        again = server.spawn(f"{__name__}:write_remembered", (str(tmp_path / "c"),), zygote)
        assert exits.get(timeout=30) == (again, 0)
        assert (tmp_path / "c").read_text() == "loaded"
    finally:
        server.close()
