"""``slipstream celery worker|flower|stop``: the processes of a CeleryExecutor installation."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

import click

from slipstream.cli.environment import load_settings


def _celery_settings(dags_folder: str | None = None):  # noqa: ANN202 - Settings, imported lazily
    settings = load_settings(dags_folder)
    try:
        from slipstream.executors.celery.app import CeleryConfigError, check_settings
    except ImportError as err:
        raise click.ClickException(
            f"Celery is not installed ({err.name}): pip install 'slipstream[celery]' (or make dev)"
        ) from None
    try:
        check_settings(settings)
    except CeleryConfigError as err:
        raise click.ClickException(str(err)) from None
    return settings


def _pid_file(settings, name: str, given: str | None) -> Path:  # noqa: ANN001
    return Path(given) if given else settings.home / f"slipstream-celery-{name}.pid"


def _warn_without_fernet_key() -> None:
    """Each machine without ``[core] fernet_key`` makes a key of its own: a secret stored from
    another machine would not decrypt on this worker."""
    from slipstream.config.settings import Config

    if not Config.load().get("core", "fernet_key"):
        click.echo(
            "Warning: [core] fernet_key is not set: this worker uses the key in its home, and secrets (connections, "
            "variables) stored from another machine will not decrypt here. Set the same fernet_key on every machine.",
            err=True,
        )


@click.group()
def celery() -> None:
    """Celery workers and Flower, for [core] executor = CeleryExecutor."""


@celery.command()
@click.option("-q", "--queues", default=None, help="Comma-separated queues to take tasks from ([celery] default_queue).")
@click.option("-c", "--concurrency", type=int, default=None, help="Tries run at once ([celery] worker_concurrency).")
@click.option(
    "-H", "--celery-hostname", default=None,
    help="The worker's name in Celery (default: slipstream@HOST; %h is the host name, %n its first part).",
)
@click.option("--pid", "pid_path", default=None, help="PID file (default: $SLIPSTREAM_HOME/slipstream-celery-worker.pid).")
@click.option("-S", "--subdir", "dags_folder", default=None, help="This worker's copy of the DAG folder.")
@click.option("-l", "--loglevel", default="INFO", show_default=True, help="Celery's log level.")
@click.option(
    "-s", "--skip-serve-logs", is_flag=True,
    help="Do not serve this worker's task logs to the API servers ([logging] worker_log_server_port).",
)
def worker(queues: str | None, concurrency: int | None, celery_hostname: str | None, pid_path: str | None,
           dags_folder: str | None, loglevel: str, skip_serve_logs: bool) -> None:
    """Run tasks sent by the schedulers, each try in its own process (as the local executor)."""
    settings = _celery_settings(dags_folder)
    from slipstream.executors.celery.app import make_app
    from slipstream.executors.celery.worker import WorkerRuntime, register

    concurrency = concurrency or settings.celery_worker_concurrency
    queue_names = [q.strip() for q in (queues or settings.celery_default_queue).split(",") if q.strip()]
    from celery.utils.nodenames import host_format

    app = make_app(settings, "slipstream-worker")
    runtime = WorkerRuntime(settings, concurrency)
    register(app, runtime)
    log_server = None if skip_serve_logs else _serve_logs(settings)
    pid_file = _pid_file(settings, "worker", pid_path)  # written once nothing can stop the start any more
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{os.getpid()}\n")
    runtime.start()
    click.echo(
        f"Celery worker: queues {', '.join(queue_names)}, concurrency {concurrency}, DAG folder {settings.dags_folder}",
        err=True,
    )
    _warn_without_fernet_key()
    try:
        celery_worker = app.Worker(
            hostname=host_format(celery_hostname) if celery_hostname else f"slipstream@{socket.gethostname()}",
            queues=queue_names,
            concurrency=concurrency,
            pool="threads",
            loglevel=loglevel,
            optimization="fair",
            without_mingle=True,  # nothing to sync between workers: a second saved at start
            without_gossip=True,
        )
        celery_worker.start()
        code = celery_worker.exitcode
    finally:
        runtime.stop()
        if log_server is not None:
            log_server.stop()
        pid_file.unlink(missing_ok=True)
    sys.exit(code or 0)


def _serve_logs(settings):  # noqa: ANN001, ANN202 - Settings -> LogServer, imported lazily
    from slipstream.config.jwt_secret import signing_secret
    from slipstream.store.worker_logs import LogServer

    settings.base_log_folder.mkdir(parents=True, exist_ok=True)
    try:
        server = LogServer(settings.base_log_folder, signing_secret(settings), port=settings.worker_log_server_port)
    except OSError as err:
        raise click.ClickException(
            f"Cannot serve task logs on port {settings.worker_log_server_port} ([logging] worker_log_server_port): "
            f"{err.strerror or err}. Choose another port, or --skip-serve-logs"
        ) from None
    click.echo(f"Serving task logs on port {server.port}", err=True)
    return server.start()


@celery.command()
@click.option("--pid", "pid_path", default=None, help="PID file of the worker to stop.")
def stop(pid_path: str | None) -> None:
    """Stop the worker of this home (warm shutdown: running tries finish first)."""
    settings = load_settings()
    pid_file = _pid_file(settings, "worker", pid_path)
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        raise click.ClickException(f"No worker PID file at {pid_file}: is a worker running with this home?") from None
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        raise click.ClickException(f"The worker (pid {pid}) is not running; removed {pid_file}") from None
    click.echo(f"Asked the worker (pid {pid}) to stop; its running tries finish first")


@celery.command()
@click.option("-H", "--hostname", default=None, help="Address to listen on ([celery] flower_host).")
@click.option("-p", "--port", type=int, default=None, help="Port ([celery] flower_port).")
@click.option("-u", "--url-prefix", default="", help="URL prefix, behind a proxy.")
@click.option(
    "-A", "--basic-auth", default=None,
    help="user:password[,user:password] to log in to Flower ([celery] flower_basic_auth).",
)
def flower(hostname: str | None, port: int | None, url_prefix: str, basic_auth: str | None) -> None:
    """Start Flower, the web UI of the Celery workers."""
    settings = _celery_settings()
    try:
        import flower as _flower  # noqa: F401
    except ImportError:
        raise click.ClickException("Flower is not installed: pip install 'slipstream[celery]'") from None
    argv = [
        sys.executable, "-m", "celery", "--app", "slipstream.executors.celery.flower_app:app", "flower",
        f"--address={hostname or settings.celery_flower_host}", f"--port={port or settings.celery_flower_port}",
    ]
    if url_prefix:
        argv.append(f"--url_prefix={url_prefix}")
    env = dict(os.environ)
    basic_auth = basic_auth if basic_auth is not None else settings.celery_flower_basic_auth
    if basic_auth:
        env["FLOWER_BASIC_AUTH"] = basic_auth  # not in the arguments, which `ps` shows
    click.echo(f"Flower: http://{hostname or settings.celery_flower_host}:{port or settings.celery_flower_port}", err=True)
    sys.stdout.flush()
    os.execve(sys.executable, argv, env)
