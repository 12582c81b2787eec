"""Messages between Slipstream's processes: length-prefixed pickles over a socket."""

from __future__ import annotations

import pickle
import socket
import struct
from typing import Any

_HEADER = struct.Struct("!I")


def send(sock: socket.socket, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = sock.recv(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def recv(sock: socket.socket) -> Any:
    """The next message, or None when the other side has closed the socket."""
    header = _recv_exact(sock, _HEADER.size)
    if header is None:
        return None
    body = _recv_exact(sock, _HEADER.unpack(header)[0])
    return None if body is None else pickle.loads(body)


def request(sock: socket.socket, message: Any) -> Any:
    """Send ``message`` on ``sock`` and wait for the answer (a task process asking its parent)."""
    send(sock, message)
    reply = recv(sock)
    if reply is None:
        raise ConnectionError("the parent process closed the channel")
    return reply
