"""A process that answers many children, each on a channel (a socket) of its own.

Whoever forks a child makes a socket pair, keeps one end for the child and sends the other
here over the control socket (SCM_RIGHTS); this loop then answers the child's messages one at
a time. A channel closes when its child ends. When every holder of the control socket has
closed it (the forking processes ended, even killed), no new channel can come: the loop goes on
answering the children it has until their channels close too, then ends, so a child whose
parents died still finishes its work through it.
"""

from __future__ import annotations

import gc
import os
import select
import socket
import struct
from typing import Any, Protocol

from slipstream.processes.wire import recv as _recv
from slipstream.processes.wire import send as _send


class ChannelService(Protocol):
    """What the loop runs: it answers each child's messages on that child's channel, hears when
    a channel closes (its child ended), and does timed work in ``tick``."""

    def answer(self, channel: int, message: Any) -> Any: ...

    def closed(self, channel: int) -> None: ...

    def tick(self) -> float | None:
        """Timed work; the seconds until it is due again (None: only when a message comes)."""


def hand_over(ctrl: socket.socket, channel: socket.socket) -> None:
    """Give ``channel`` to the process serving ``ctrl`` (the caller may close its copy)."""
    socket.send_fds(ctrl, [b"c"], [channel.fileno()])


def _same_user(connection: socket.socket) -> bool:
    """Only a process of this user may connect (an abstract socket's name is visible to every
    local user in /proc/net/unix; the service answers with secrets)."""
    try:
        _, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    except (OSError, AttributeError):
        return False
    return uid == os.getuid()


def serve_channels(ctrl: socket.socket, service: ChannelService, listener: socket.socket | None = None) -> None:
    """Answer every child's requests until the control socket and every channel have closed. With
    ``listener`` (a listening Unix socket), a connection made to it is a channel too, while the
    control socket is open: a child whose channel to an earlier server broke connects again."""
    channels: list[socket.socket] = []
    accepting = True
    listening = [listener] if listener is not None else []
    gc.freeze()
    while accepting or channels:
        watched = ([ctrl, *listening] if accepting else []) + channels
        readable, _, _ = select.select(watched, [], [], service.tick())
        if accepting and ctrl in readable:
            data, fds, _, _ = socket.recv_fds(ctrl, 16, 64)
            if not data:
                accepting = False
            channels.extend(socket.socket(fileno=fd) for fd in fds)
        if accepting and listener is not None and listener in readable:
            try:
                connection = listener.accept()[0]
            except OSError:
                connection = None
            if connection is not None and _same_user(connection):
                channels.append(connection)
            elif connection is not None:
                connection.close()
        for channel in [c for c in channels if c in readable]:
            try:
                message = _recv(channel)
                if message is not None:
                    _send(channel, service.answer(channel.fileno(), message))
            except OSError:
                message = None
            if message is None:
                service.closed(channel.fileno())
                channels.remove(channel)
                channel.close()
