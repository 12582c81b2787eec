"""Two schedulers and two Celery workers on PostgreSQL run a fan-out of tasks that each insert one
row with a unique key: every row once, no task failed, the pool and max_active_tasks never
exceeded (from the start and end each task records), on Redis and on RabbitMQ, and with a worker
and a scheduler SIGKILLed mid-run. ``make scale`` runs the same with 1,000 tasks."""

from __future__ import annotations

import pytest
from scale.cluster import FanOut, Options
from scale.run import problems
from scale_services import require

TASKS = 40


def fan_out(postgres_url: str, tmp_path, **options) -> tuple:
    chosen = Options(tasks=TASKS, task_seconds=0.1, **options)
    with FanOut(chosen, postgres_url, tmp_path) as cluster:
        outcome = cluster.run()
    return chosen, outcome


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_two_schedulers_two_workers_every_row_once_within_the_limits(postgres_url, tmp_path, broker):
    require(broker)
    options, outcome = fan_out(postgres_url, tmp_path, broker=broker)
    assert problems(outcome, options) == [], outcome
    assert (outcome.rows, outcome.executions) == (TASKS, TASKS)
    assert 2 <= outcome.max_pool_overlap <= options.pool_slots  # the limits bound, and tasks did run side by side
    assert 2 <= outcome.max_overlap <= options.max_active_tasks


def test_a_worker_and_a_scheduler_killed_mid_run(postgres_url, tmp_path):
    require("redis")
    options, outcome = fan_out(postgres_url, tmp_path, broker="redis", kill=True)
    assert len(outcome.killed) == 2, outcome
    assert problems(outcome, options) == [], outcome
    assert (outcome.rows, outcome.executions) == (TASKS, TASKS)
