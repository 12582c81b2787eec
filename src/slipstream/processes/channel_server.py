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
import select
import socket
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


def serve_channels(ctrl: socket.socket, service: ChannelService) -> None:
    """Answer every child's requests until the control socket and every channel have closed."""
    channels: list[socket.socket] = []
    accepting = True
    gc.freeze()
    while accepting or channels:
        readable, _, _ = select.select([ctrl, *channels] if accepting else channels, [], [], service.tick())
        if accepting and ctrl in readable:
            data, fds, _, _ = socket.recv_fds(ctrl, 16, 64)
            if not data:
                accepting = False
            channels.extend(socket.socket(fileno=fd) for fd in fds)
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
