"""[core] executor: Airflow's names and module paths, a dotted path, and clear errors."""

from __future__ import annotations

import pytest

from slipstream.executors.base import BaseExecutor, ExecutorStartError
from slipstream.executors.celery.executor import CeleryExecutor
from slipstream.executors.loader import ExecutorConfigError, executor_class, load_executor
from slipstream.executors.local import LocalExecutor


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("LocalExecutor", LocalExecutor),
        ("CeleryExecutor", CeleryExecutor),
        ("airflow.executors.local_executor.LocalExecutor", LocalExecutor),
        ("airflow.providers.celery.executors.celery_executor.CeleryExecutor", CeleryExecutor),
        ("slipstream.executors.local.LocalExecutor", LocalExecutor),
        ("slipstream.executors.local:LocalExecutor", LocalExecutor),
    ],
)
def test_names_and_paths(name, expected):
    assert executor_class(name) is expected


def test_the_setting_picks_the_executor_and_its_parallelism(settings):
    executor = load_executor(settings.replace(executor="CeleryExecutor"), parallelism=7)
    assert isinstance(executor, CeleryExecutor) and executor.parallelism == 7
    assert isinstance(load_executor(settings), LocalExecutor)  # the default


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("KubernetesExecutor", "not available yet: a pod per task is designed for later"),
        ("Local", "expected LocalExecutor or CeleryExecutor, or the dotted path of an executor class"),
        ("no.such.module.Executor", "cannot import no.such.module"),
        ("slipstream.executors.local.PRELOAD", "is not a subclass of BaseExecutor"),
        ("json.JSONDecoder", "is not a subclass of BaseExecutor"),
    ],
)
def test_a_name_that_loads_nothing_says_what_is_expected(name, message):
    with pytest.raises(ExecutorConfigError, match=message):
        executor_class(name)


def test_an_executor_must_say_what_each_method_does():
    class Partial(BaseExecutor):  # no kill, terminate, end...
        def start(self) -> None: ...

        def queue_workload(self, workload) -> None: ...

    with pytest.raises(TypeError, match="abstract"):
        Partial(1)


def test_the_celery_executor_refuses_a_sqlite_store(settings):
    executor = CeleryExecutor(settings.replace(executor="CeleryExecutor"))
    with pytest.raises(ExecutorStartError, match="needs a metadata database that workers on other machines reach"):
        executor.start()


def test_the_celery_executor_says_when_its_broker_cannot_be_reached(settings):
    unreachable = settings.replace(
        sql_alchemy_conn="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        celery_broker_url="redis://:secret@127.0.0.1:1/0",
    )
    with pytest.raises(ExecutorStartError, match=r"Cannot reach the Celery broker redis://:\*\*\*@127.0.0.1:1/0"):
        CeleryExecutor(unreachable).start()
