"""``slipstream jobs check``: whether a scheduler is alive (for health checks and probes)."""

from __future__ import annotations

import click

from slipstream.cli.environment import service_call, service_context


@click.group()
def jobs() -> None:
    """Jobs: the scheduler processes and their heartbeats."""


@jobs.command()
@click.option("--job-type", type=click.Choice(["SchedulerJob"]), default=None,
              help="Only jobs of this type (Slipstream's jobs are schedulers).")
@click.option("--hostname", default=None, help="Only jobs on this host.")
@click.option("--local", is_flag=True, help="Only jobs on this host (its hostname).")
@click.option("--limit", type=click.IntRange(min=1), default=1, show_default=True, help="How many alive jobs to look at.")
@click.option("--allow-multiple", is_flag=True, help="Succeed when more than one job is alive.")
def check(job_type: str | None, hostname: str | None, local: bool, limit: int, allow_multiple: bool) -> None:
    """Exit 0 when a job is alive (running, heartbeat within [scheduler] scheduler_health_check_threshold), else 1."""
    import socket

    from slipstream.services import jobs as job_service

    if local and hostname:
        raise click.UsageError("give --local or --hostname, not both")
    filters = {"job_type": job_type, "hostname": socket.gethostname() if local else hostname}
    alive = service_call(job_service.list_jobs, service_context(), is_alive=True, limit=limit,
                         **{k: v for k, v in filters.items() if v is not None}).items
    if not alive:
        click.echo("No alive jobs found.", err=True)
        raise SystemExit(1)
    if len(alive) > 1 and not allow_multiple:
        click.echo(f"Found {len(alive)} alive jobs, expected one (give --allow-multiple).", err=True)
        raise SystemExit(1)
    click.echo("Found one alive job." if len(alive) == 1 else f"Found {len(alive)} alive jobs.")
