"""One real API server per test module and backend: a migrated store (SQLite, and PostgreSQL on
127.0.0.1:5432), uvicorn on a free port of 127.0.0.1, a user and a token per role, and, when a
test asks for it, a real scheduler in a thread that the API wakes.

Tests of a module share the server and store: give each test its own DAG ids, pool names,
variable keys... (``api.unique("pool")``)."""

from __future__ import annotations

import contextlib
import os
import textwrap
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from slipstream.config import Settings
from slipstream.services.context import ServiceContext
from slipstream.store import migrate
from slipstream.store.db import Database

ROLES = ("Admin", "Op", "User", "Viewer")
PASSWORD = "correct horse battery"
ADMIN_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Api:
    """A running API server and what a test needs around it."""

    backend: str
    url: str
    settings: Settings
    db: Database
    ctx: ServiceContext
    tokens: dict[str, str] = field(default_factory=dict)
    _service: Any = None
    _service_thread: threading.Thread | None = None
    _clients: list[httpx.Client] = field(default_factory=list)

    def client(self, role: str | None = "Admin") -> httpx.Client:
        """An HTTP client logged in with ``role`` (None: anonymous)."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        self._clients.append(client)
        return client

    def unique(self, prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex[:8]}"

    def write_dag(self, name: str, source: str) -> Path:
        path = self.settings.dags_folder / name
        partial = path.with_name(f".{name}.partial")  # a running scheduler's parser never reads half a file
        partial.write_text(textwrap.dedent(source))
        os.replace(partial, path)
        return path

    def parse(self) -> Any:
        """Parse the DAG folder now (isolated child processes, as in production) and record it."""
        from slipstream.dagfiles.processor import DagFileProcessor

        processor = DagFileProcessor(self.settings, self.db)
        try:
            return processor.process(force=True)
        finally:
            processor.close()

    def start_scheduler(self) -> None:
        """A real scheduler (local executor, task processes) for the rest of the module; the
        API's ``notify`` wakes it."""
        if self._service is not None:
            return
        from slipstream.scheduler.service import SchedulerService

        # parse=False: DAG files are recorded by `parse()` only, never by two processors at once.
        self._service = SchedulerService(self.settings, self.db, parse=False)
        self._wake_target.append(self._service.executor.wake)
        self._service_thread = threading.Thread(target=self._service.run, name="test-scheduler", daemon=True)
        self._service_thread.start()

    def stop_scheduler(self) -> None:
        if self._service is None:
            return
        self._service.stop()
        self._service.stop()  # a second stop kills what still runs
        assert self._service_thread is not None
        self._service_thread.join(30)
        self._wake_target.clear()
        self._service = None

    _wake_target: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for client in self._clients:
            client.close()


def _postgres_database() -> Iterator[str]:
    import psycopg

    try:
        psycopg.connect(ADMIN_PG, connect_timeout=3).close()
    except psycopg.OperationalError:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true: start it (see .ci/run)")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = f"slipstream_api_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_PG, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_PG, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def running_api(backend: str, home: Path) -> Iterator[Api]:
    """A migrated store on ``backend`` in ``home``, the API serving it, and a user and token per role."""
    from slipstream.api.server import start_in_thread
    from slipstream.services import users

    (home / "dags").mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLIPSTREAM_HOME", str(home))
        for name in list(os.environ):
            if name.startswith(("SLIPSTREAM__", "AIRFLOW__")):
                patch.delenv(name)
        postgres = _postgres_database() if backend == "postgres" else None
        overrides: dict[str, Any] = {"load_examples": False, "task_heartbeat_sec": 1.0, "dag_dir_list_interval": 0.5,
                                     "login_attempts_per_minute": 1000, "dags_are_paused_at_creation": False}
        if postgres is not None:
            overrides["sql_alchemy_conn"] = next(postgres)
        settings = Settings.load(home, **overrides)
        db = Database(settings.sql_alchemy_conn)
        migrate.migrate(db)
        wake_target: list[Any] = []

        def notify(reason: str) -> None:
            for wake in wake_target:
                wake()

        ctx = ServiceContext(settings=settings, db=db, notify=notify)
        server = start_in_thread(ctx)
        state = Api(backend=backend, url=server.url, settings=settings, db=db, ctx=ctx)
        state._wake_target = wake_target
        for role in ROLES:
            users.create_user(ctx, username=role.lower(), password=PASSWORD, role=role)
            answer = httpx.post(f"{server.url}/auth/token", json={"username": role.lower(), "password": PASSWORD})
            answer.raise_for_status()
            state.tokens[role] = answer.json()["access_token"]
        try:
            yield state
        finally:
            state.stop_scheduler()
            state.close()
            server.stop()
            db.dispose()
            if postgres is not None:
                postgres.close()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with running_api(request.param, tmp_path_factory.mktemp(f"api-{request.param}")) as state:
        yield state


@pytest.fixture(scope="module")
def sqlite_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The API on SQLite only, for tests whose second backend would add nothing but time."""
    with running_api("sqlite", tmp_path_factory.mktemp("api-sqlite")) as state:
        yield state
