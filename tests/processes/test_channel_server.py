"""The channel server's listening socket: a child whose channel broke connects again; only
processes of the same user are answered."""

from __future__ import annotations

import os
import secrets
import socket
import threading

import pytest

from slipstream.processes.channel_server import serve_channels
from slipstream.processes.wire import recv, request, send


class Echo:
    def answer(self, channel: int, message):
        return ("echo", message)

    def closed(self, channel: int) -> None:
        return None

    def tick(self):
        return None


@pytest.fixture
def server():
    address = f"\0slipstream-test-{secrets.token_hex(6)}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(4)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    thread = threading.Thread(target=serve_channels, args=(theirs, Echo(), listener), daemon=True)
    thread.start()
    yield address
    ours.close()
    thread.join(5)
    listener.close()


def test_a_process_of_the_same_user_is_answered_on_a_connection(server):
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(server)
    assert request(connection, "hello") == ("echo", "hello")
    connection.close()


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to connect as another user")
def test_a_process_of_another_user_is_refused(server):
    pid = os.fork()
    if pid == 0:  # the child connects as nobody and reports what it got
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.connect(server)
            connection.settimeout(10)
            send(connection, "hello")
            code = 0 if recv(connection) is None else 2
        except OSError:
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "another user's connection must be closed unanswered"
