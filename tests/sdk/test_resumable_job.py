"""ResumableJobMixin: submit once, reconnect on retry, resubmit after a failed job."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.task_state import TaskStateStore
from slipstream.sdk import DAG, BaseOperator
from slipstream.sdk.resumable_job import ResumableJobMixin
from slipstream.store import dag_runs


class RemoteJobs(ResumableJobMixin, BaseOperator):
    """Jobs live in a dict standing for the other system."""

    external_id_key = "job"

    def __init__(self, *, jobs: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jobs = jobs

    def execute(self, context: Any) -> Any:
        return self.execute_resumable(context)

    def submit_job(self, context: Any) -> str:
        job_id = f"job-{len(self.jobs) + 1}"
        self.jobs[job_id] = "RUNNING"
        return job_id

    def get_job_status(self, external_id: str, context: Any) -> str:
        return self.jobs[external_id]

    def is_job_active(self, status: str) -> bool:
        return status == "RUNNING"

    def is_job_succeeded(self, status: str) -> bool:
        return status == "DONE"

    def poll_until_complete(self, external_id: str, context: Any) -> None:
        self.jobs[external_id] = "DONE"

    def get_job_result(self, external_id: str, context: Any) -> str:
        return f"result of {external_id}"


@pytest.fixture
def context(db) -> dict[str, Any]:
    with db.write() as session:
        run = dag_runs.create(session, dag_id="d", run_id="r", run_type="manual", tasks=[], now=datetime.now(tz=UTC))
    return {"task_state_store": TaskStateStore(DirectTryStore(db), run.id, ("d", "r", "job", -1))}


def test_a_retry_takes_the_result_of_a_job_that_succeeded_and_resubmits_after_a_failed_one(context) -> None:
    jobs: dict[str, str] = {}
    with DAG("d", schedule=None):
        op = RemoteJobs(task_id="job", jobs=jobs)
    assert op.execute(context) == "result of job-1"
    assert context["task_state_store"].get("job") == "job-1"
    assert op.execute(context) == "result of job-1" and list(jobs) == ["job-1"]  # already succeeded
    jobs["job-1"] = "RUNNING"
    assert op.execute(context) is None and list(jobs) == ["job-1"]  # reconnected (Airflow returns poll's value)
    jobs["job-1"] = "FAILED"
    assert op.execute(context) == "result of job-2"
    assert context["task_state_store"].get("job") == "job-2"


def test_durable_comes_from_default_args_and_false_always_submits(context) -> None:
    jobs: dict[str, str] = {}
    with DAG("d", schedule=None, default_args={"durable": False, "retries": 2}):
        op = RemoteJobs(task_id="job", jobs=jobs)
    assert (op.durable, op.retries) == (False, 2)
    op.execute(context)
    op.execute(context)
    assert list(jobs) == ["job-1", "job-2"] and context["task_state_store"].get("job") is None


def test_without_a_task_state_store_it_warns_and_runs(caplog: pytest.LogCaptureFixture) -> None:
    jobs: dict[str, str] = {}
    with DAG("d", schedule=None):
        op = RemoteJobs(task_id="job", jobs=jobs)
    with caplog.at_level(logging.WARNING):
        assert op.execute({}) == "result of job-1"
    assert "crash recovery is disabled" in caplog.text


def test_an_operator_must_implement_the_job_methods() -> None:
    class Incomplete(ResumableJobMixin, BaseOperator):
        pass

    with pytest.raises(TypeError, match="abstract"):
        Incomplete(task_id="x")
