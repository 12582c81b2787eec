"""``slipstream scheduler`` and ``slipstream standalone``: the long-running processes.

They stop cleanly on SIGINT (Ctrl-C), SIGTERM and SIGHUP: the first lets running tasks finish,
the second kills them; either way their end is recorded and no process is left behind. The
console may go away first (``slipstream standalone | tee log`` and Ctrl-C: ``tee`` dies with
the same signal): printing then stops, and stopping goes on.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from datetime import datetime
from typing import Any

import click

from slipstream.cli.environment import dags_folder_option, load_settings, open_store, shown_url
from slipstream.cli.state_console import StateLines

STATE_COLOURS = {"success": "green", "failed": "red", "upstream_failed": "yellow", "up_for_retry": "yellow", "skipped": "magenta"}
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
API_HEAD_START = 2.0  # seconds the scheduler waits at most for the API to load


class Console:
    """Prints the service's lines until the terminal or pipe it writes to goes away; from then on
    stdout (and stderr, when it was the same pipe or terminal) go to /dev/null, so neither a
    later print, nor a log line, nor the interpreter's last flush fails."""

    def __init__(self) -> None:
        self.gone = False

    def echo(self, message: str, **style: Any) -> None:
        if self.gone:
            return
        try:
            if style:
                click.secho(message, **style)
            else:
                click.echo(message)
        except OSError:  # EPIPE from a pipe whose reader died, EIO from a closed terminal
            self.silence()

    def silence(self) -> None:
        self.gone = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            out = os.fstat(1)
            for fd in (1, 2):
                try:
                    same = fd == 1 or os.path.samestat(os.fstat(fd), out)
                except OSError:
                    same = True
                if same:
                    os.dup2(devnull, fd)
        finally:
            os.close(devnull)


def _serve(
    dags_folder: str | None, verbose: bool, *, with_api: bool = False, num_runs: int = -1, only_idle: bool = False
) -> None:
    import logging

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    console = Console()
    settings = load_settings(dags_folder)
    settings.dags_folder.mkdir(parents=True, exist_ok=True)
    db = open_store(settings)
    console.echo(f"Slipstream home:   {settings.home}")
    console.echo(f"Database:          {shown_url(db)}")
    console.echo(f"DAG folders:       {', '.join(str(f) for f in settings.dag_folders())}")
    console.echo(f"Parallelism:       {settings.parallelism} task processes")

    def on_parse(result: Any) -> None:
        for parsed in result.parsed:
            for data, _ in parsed.dags:
                console.echo(f"Loaded DAG {data['dag_id']} ({len(data['tasks'])} tasks) from {parsed.path}")
            for error in parsed.errors:
                where = f"{error['filename']}:{error['line']}" if error.get("line") else error["filename"]
                console.echo(f"Import error {where}: {error['exception']}", fg="red")
        for path in result.removed:
            console.echo(f"Removed DAG file {path}")

    def echo_state(line: str, state: str, is_run: bool, when: datetime | None) -> None:
        stamp = (when.astimezone() if when is not None else datetime.now()).strftime("%H:%M:%S.%f")[:-3]
        console.echo(f"{stamp} {line}", fg=STATE_COLOURS.get(state), bold=is_run)

    state_lines = StateLines(db, echo_state)

    if with_api:
        # Startup is mostly imports, which allocate much and free little: the collector would walk
        # them again and again (~15% of the time to the first page). The API thread turns it back
        # on once everything is loaded and frozen out of later collections (api.app.settle_heap).
        gc.disable()
    # The API first: it answers the web UI's files at once; the scheduler's imports wait (at most
    # API_HEAD_START s) until it is loaded and has answered the first page's requests, so a browser
    # opened now is not kept waiting by the two sharing one interpreter.
    early_stops: list[int] = []  # a Ctrl-C while the scheduler is still being built: a clean stop once it is
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda signum, _frame: early_stops.append(signum))
    api = _start_api(settings, db, console) if with_api else None
    if api is not None:
        api.loaded.wait(API_HEAD_START)
    from slipstream.scheduler.service import SchedulerCannotStart, SchedulerService

    try:
        service = SchedulerService(settings, db, on_change=state_lines.on_change, on_parse=on_parse)
        service.prepare()
    except SchedulerCannotStart as err:
        if api is not None:
            api.stop()
        raise click.ClickException(str(err)) from None
    if api is not None:
        api.service = service
    service.on_stopping = lambda running: console.echo(
        f"Stopping: waiting for {running} running task(s) to finish; press Ctrl-C again to kill them."
    )
    for sig in STOP_SIGNALS:
        signal.signal(sig, service.stop)
    for _ in early_stops:
        service.stop()
    console.echo("Scheduler started; press Ctrl-C to stop.")
    state_lines.start()
    try:
        service.run(num_runs=num_runs, only_idle=only_idle)
    finally:
        state_lines.stop()
        if api is not None:
            api.stop()
    console.echo("Scheduler stopped.")
    try:
        sys.stdout.flush()
    except OSError:
        console.silence()


def _start_api(settings: Any, db: Any, console: Console) -> Any:
    """The web UI and REST API in this process, beside the scheduler, so a run triggered through
    it wakes the scheduler at once; on first start, an ``admin`` user with a generated password.
    The port is taken now (in use: a clear error) and the URL printed: the UI's files are served
    at once, while the web framework loads in a thread beside the scheduler's start."""
    from slipstream.api.server import bind, display_url

    try:
        sock = bind(settings.api_host, settings.api_port)
    except OSError as err:
        raise click.ClickException(
            f"Cannot serve the REST API on {settings.api_host}:{settings.api_port}: {err.strerror or err}. "
            "Stop what uses that port or choose another with [api] port (SLIPSTREAM__API__PORT)."
        ) from None
    api = _ApiThread(settings, db, console, sock)
    api.start()
    url = display_url(*sock.getsockname()[:2])
    console.echo(f"Web UI:            {url}", bold=True)
    console.echo(f"REST API:          {url}/api/v2 (docs: {url}/docs)")
    return api


class _ApiThread(threading.Thread):
    def __init__(self, settings: Any, db: Any, console: Console, sock: Any) -> None:
        super().__init__(name="slipstream-api-start", daemon=True)
        self.settings, self.db, self.console, self.sock = settings, db, console, sock
        self.service: Any = None  # the scheduler service, once built: what the API's changes wake
        self.loaded = threading.Event()
        self.server: Any = None
        self._stopped = threading.Event()

    def run(self) -> None:
        from slipstream.api.server import start_in_thread
        from slipstream.services import users
        from slipstream.services.context import ServiceContext

        ctx = ServiceContext(settings=self.settings, db=self.db, notify=self._wake_scheduler)
        try:
            server = start_in_thread(ctx, sock=self.sock, staged=True)
            self.loaded.set()
            login = users.ensure_standalone_admin(ctx)
        except Exception as err:  # noqa: BLE001 - the scheduler goes on; the console says why the API is missing
            self.console.echo(f"The REST API could not start: {type(err).__name__}: {err}", fg="red")
            return
        finally:
            self.loaded.set()  # also when loading failed
            gc.enable()  # turned off by _serve for the start; the heap is settled (api.app.settle_heap)
        self.server = server
        if self._stopped.is_set():
            server.stop()
            return
        console = self.console
        if login.created:
            console.echo(f"Login:             {login.username} / {login.password} (created now; kept in "
                         f"{login.password_file})", bold=True)
        elif login.password is not None:
            console.echo(f"Login:             {login.username} / {login.password} (from {login.password_file})")
        else:
            console.echo("Login:             with a user of `slipstream users list` (`slipstream users create` adds one)")

    def _wake_scheduler(self, reason: str) -> None:
        if self.service is not None:  # before it exists, its first pass reads the store anyway
            self.service.executor.wake()

    def stop(self) -> None:
        self._stopped.set()
        self.join(30)
        if self.server is not None:
            self.server.stop()


@click.command()
@dags_folder_option
@click.option("-v", "--verbose", is_flag=True, help="Also print the scheduler's log.")
@click.option("-n", "--num-runs", type=int, default=-1, show_default=True,
              help="Stop by itself after this many scheduler passes (0 or less: run until stopped).")
@click.option("-i", "--only-idle", is_flag=True,
              help="With --num-runs: count only idle passes in a row (nothing dispatched, no task ended).")
def scheduler(dags_folder: str | None, verbose: bool, num_runs: int = -1, only_idle: bool = False) -> None:
    """Parse DAG files and schedule their runs until stopped."""
    _serve(dags_folder, verbose, num_runs=num_runs, only_idle=only_idle)


@click.command()
@dags_folder_option
@click.option("-v", "--verbose", is_flag=True, help="Also print the scheduler's log.")
def standalone(dags_folder: str | None, verbose: bool) -> None:
    """Everything in one command on the embedded SQLite store: parser, scheduler and REST API."""
    _serve(dags_folder, verbose, with_api=True)
