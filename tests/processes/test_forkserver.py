"""The fork server: children run the target, exits are reported with their code, kills reach them."""

from __future__ import annotations

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
