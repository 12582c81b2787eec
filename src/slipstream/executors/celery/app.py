"""The Celery application both sides share: its configuration from ``[celery]``, and the names
of the two Celery tasks (the scheduler sends them by name: it never imports the worker's code).

Messages are JSON (``executors/workload_json.py``). Acknowledged late, one at a time per worker
thread: a worker that dies loses nothing it had taken; the message goes to another worker,
whose task process finds the try already claimed (or ended) and leaves it, so a try never runs
twice. The scheduler's liveness check fails or retries a try whose process died with its worker.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from sqlalchemy.engine import make_url

from slipstream.config import Settings
from slipstream.executors.base import ExecutorStartError

EXECUTE_WORKLOAD = "slipstream.execute_workload"
RUN_CALLBACK = "slipstream.run_callback"
KILL_COMMAND = "slipstream_kill"
RESULT_EXPIRES = 86400  # results nobody read (their scheduler died) are dropped after a day


class CeleryConfigError(ExecutorStartError):
    """``[celery]`` (or the metadata database) cannot carry a CeleryExecutor."""


def result_backend(settings: Settings) -> str:
    """``[celery] result_backend``, or: the broker for Redis, the metadata database otherwise."""
    if settings.celery_result_backend:
        return settings.celery_result_backend
    if settings.celery_broker_url.startswith(("redis://", "rediss://")):
        return settings.celery_broker_url
    url = make_url(settings.sql_alchemy_conn)
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # the driver Slipstream installs
    return "db+" + url.render_as_string(hide_password=False)


def check_settings(settings: Settings) -> None:
    """Refuse what cannot work across machines, saying what to change."""
    if make_url(settings.sql_alchemy_conn).get_backend_name() == "sqlite":
        raise CeleryConfigError(
            "The CeleryExecutor needs a metadata database that workers on other machines reach: set [database] "
            "sql_alchemy_conn to PostgreSQL (a SQLite file belongs to one machine), or use executor = LocalExecutor"
        )
    if not settings.celery_broker_url.startswith(("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")):
        raise CeleryConfigError(
            f"[celery] broker_url must be a Redis (redis://) or RabbitMQ (amqp://) URL, not "
            f"{make_url_safe(settings.celery_broker_url)}"
        )


def make_url_safe(url: str) -> str:
    """``url`` with its password hidden, for messages."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def make_app(settings: Settings, name: str = "slipstream") -> Celery:
    app = Celery(name, broker=settings.celery_broker_url, backend=result_backend(settings), set_as_current=False)
    config: dict[str, Any] = {
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": settings.celery_default_queue,
        "task_track_started": True,
        "result_expires": RESULT_EXPIRES,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": settings.celery_visibility_timeout},
        "worker_hijack_root_logger": False,
        "worker_send_task_events": True,  # Flower shows tasks as they run
        "task_send_sent_event": True,
        "database_engine_options": {"pool_pre_ping": True},
    }
    app.conf.update(config)
    return app
