"""``slipstream api-server``: the REST API (and, later, the web UI) on its own."""

from __future__ import annotations

import click

from slipstream.cli.environment import load_settings, open_store


@click.command("api-server")
@click.option("-H", "--host", default=None, help="Address to listen on (default: [api] host).")
@click.option("-p", "--port", type=int, default=None, help="Port (default: [api] port, 8080).")
@click.option("-w", "--workers", type=int, default=None, help="Worker processes (default: [api] workers).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def api_server(host: str | None, port: int | None, workers: int | None, log_level: str) -> None:
    """Serve the REST API (Airflow 3's /api/v2) until stopped."""
    from slipstream.api.server import display_url, serve
    from slipstream.config.jwt_secret import signing_secret

    settings = load_settings()
    open_store(settings).dispose()  # migrated once here, not by each worker
    signing_secret(settings)  # the workers share one secret: make it before they start
    host = host or settings.api_host
    port = port if port is not None else settings.api_port
    workers = workers if workers is not None else settings.api_workers
    if workers < 1:
        raise click.UsageError("--workers must be 1 or more")
    url = display_url(host, port)
    click.echo(f"Web UI: {url}")
    click.echo(f"REST API: {url}/api/v2 (docs at {url}/docs)")
    serve(host, port, workers, log_level=log_level)
