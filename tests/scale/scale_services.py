"""The services the distributed path needs: PostgreSQL (the ``postgres_url`` fixture checks it),
Redis and RabbitMQ. Without one, a test is skipped locally and fails when CI=true (.ci/run
starts them)."""

from __future__ import annotations

import os
import socket

import pytest

PORTS = {"redis": 6379, "rabbitmq": 5672}


def require(service: str) -> None:
    try:
        socket.create_connection(("127.0.0.1", PORTS[service]), timeout=2).close()
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{service} is not reachable on 127.0.0.1:{PORTS[service]} and CI=true: start it (see .ci/run)")
        pytest.skip(f"{service} is not reachable on 127.0.0.1:{PORTS[service]}")
