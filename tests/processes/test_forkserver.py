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


def answer(message: tuple[str, int]) -> tuple[str, int, int]:
    """The zygote's service: says what it was asked, what the zygote loaded, and which process answered."""
    word, number = message
    return (f"{word}:{REMEMBERED}", number * 2, os.getpid())


def ask_the_service(path: str, number: int) -> None:
    from slipstream.processes import forkserver
    from slipstream.processes.wire import request

    assert forkserver.PARENT_CHANNEL is not None
    for _ in range(3):
        reply = request(forkserver.PARENT_CHANNEL, ("hello", number))
    with open(path, "w") as handle:
        handle.write(repr((reply, os.getppid())))


def test_a_zygotes_children_are_answered_by_its_service_process(tmp_path):
    """Children forked from a zygote with a service get a channel to a process of their own
    (not the zygote, which only forks); many children at once are all answered."""
    exits: queue.Queue[tuple[int, int]] = queue.Queue()
    server = ForkServer([__name__], lambda request_id, code: exits.put((request_id, code)))
    zygote = ("key", f"{__name__}:load_zygote", ("loaded",), f"{__name__}:answer")
    try:
        ids = [server.spawn(f"{__name__}:ask_the_service", (str(tmp_path / f"out{i}"), i), zygote) for i in range(12)]
        assert sorted(exits.get(timeout=30) for _ in ids) == [(i, 0) for i in sorted(ids)]
        replies = [ast.literal_eval((tmp_path / f"out{i}").read_text()) for i in range(12)]
        zygote_pids = {parent for _, parent in replies}
        service_pids = {reply[2] for reply, _ in replies}
        assert [reply[:2] for reply, _ in replies] == [("hello:loaded", 2 * i) for i in range(12)]
        assert len(zygote_pids) == 1 and len(service_pids) == 1
        assert zygote_pids.isdisjoint(service_pids), "the zygote forks; another process answers"
    finally:
        server.close()
