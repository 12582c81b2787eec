"""context["task_state_store"] and ResumableJobMixin: a retry finds what an earlier try of the same
task instance stored, through the real scheduler, executor and task processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.task_state import TaskStateStore
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.sdk.context import NEVER_EXPIRE
from slipstream.store import dag_runs, task_state, xcoms
from slipstream.store.log_paths import log_file

RESUMABLE = """
from datetime import datetime, timedelta
from pathlib import Path
from airflow.sdk import DAG, BaseOperator, ResumableJobMixin

JOBS = Path({jobs!r})

class SubmitsOnce(ResumableJobMixin, BaseOperator):
    external_id_key = "job_id"

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context):
        submitted = sorted(JOBS.glob("job-*"))
        job_id = f"job-{{len(submitted) + 1}}"
        (JOBS / job_id).write_text("RUNNING")
        return job_id

    def get_job_status(self, external_id, context):
        return (JOBS / external_id).read_text()

    def is_job_active(self, status):
        return status == "RUNNING"

    def is_job_succeeded(self, status):
        return status == "SUCCEEDED"

    def poll_until_complete(self, external_id, context):
        if context["ti"].try_number == 1:
            raise RuntimeError("the worker was lost while the job ran")
        (JOBS / external_id).write_text("SUCCEEDED")

    def get_job_result(self, external_id, context):
        return {{"job": external_id, "try": context["ti"].try_number}}

with DAG("resumable", start_date=datetime(2024, 1, 1), schedule=None,
         default_args={{"retries": 1, "retry_delay": timedelta(seconds=0)}}) as dag:
    SubmitsOnce(task_id="job")
    SubmitsOnce(task_id="not_durable", durable=False)
"""


def test_a_retry_reconnects_to_the_job_the_first_try_submitted(settings, db, write_dag, parse, tmp_path):
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    write_dag("resumable.py", RESUMABLE.format(jobs=str(jobs)))
    parse()
    run = run_dag_to_end(settings, db, "resumable", timeout=60)
    assert run.state == "success"
    with db.read() as session:
        durable = xcoms.pull(session, dag_id="resumable", run_id=run.run_id, task_id="job", key="return_value")
        other = xcoms.pull(session, dag_id="resumable", run_id=run.run_id, task_id="not_durable", key="return_value")
        found, kept = task_state.get(session, run.id, ("resumable", run.run_id, "job", -1), "job_id",
                                     datetime.now(tz=UTC))
    # Each task submitted a job in its first try. In its retry the durable one reconnected to its job,
    # the other submitted a new one: three jobs in all. After reconnecting, Airflow 3.3 returns what
    # poll_until_complete returns (None here), not get_job_result.
    assert found and durable is None
    assert other["try"] == 2 and other["job"] != kept
    assert sorted(p.name for p in jobs.glob("job-*")) == ["job-1", "job-2", "job-3"]
    assert (jobs / kept).read_text() == "SUCCEEDED"
    retry_log = Path(log_file(str(settings.base_log_folder), "resumable", run.run_id, "job", -1, 2)).read_text()
    assert f"Reconnecting to existing job job_id={kept} (status RUNNING)" in retry_log


def make_run(db, run_id: str = "r") -> int:
    with db.write() as session:
        return dag_runs.create(session, dag_id="d", run_id=run_id, run_type="manual", tasks=[],
                               now=datetime.now(tz=UTC)).id


def test_keys_are_per_task_instance_and_shared_by_its_tries(db):
    run_id, other_run = make_run(db), make_run(db, "r2")
    store = DirectTryStore(db)
    first = TaskStateStore(store, run_id, ("d", "r", "t", -1))
    first.set("cursor", {"offset": 10})
    first.set("job", "j-1", retention=NEVER_EXPIRE)
    again = TaskStateStore(store, run_id, ("d", "r", "t", -1))  # a later try of the same instance
    assert again.get("cursor") == {"offset": 10} and again.get("job") == "j-1"
    assert TaskStateStore(store, run_id, ("d", "r", "t", 0)).get("cursor") is None  # another map index
    assert TaskStateStore(store, run_id, ("d", "r", "u", -1)).get("cursor", "none") == "none"
    assert TaskStateStore(store, other_run, ("d", "r2", "t", -1)).get("cursor") is None
    again.set("cursor", {"offset": 20})
    assert first.get("cursor") == {"offset": 20}
    again.delete("cursor")
    again.delete("never-there")
    assert first.get("cursor") is None and first.get("job") == "j-1"
    first.clear()
    assert first.get("job") is None


def test_an_expired_key_reads_as_absent(db):
    run_id = make_run(db)
    store = DirectTryStore(db)
    TaskStateStore(store, run_id, ("d", "r", "t", -1)).set("short", 1, retention=timedelta(seconds=-1))
    assert TaskStateStore(store, run_id, ("d", "r", "t", -1)).get("short", "gone") == "gone"
    with db.read() as session:
        assert task_state.get(session, run_id, ("d", "r", "t", -1), "short", datetime(2000, 1, 1, tzinfo=UTC)) == (
            True, 1,
        )


def test_bad_values_are_refused(db):
    accessor = TaskStateStore(DirectTryStore(db), make_run(db), ("d", "r", "t", -1))
    with pytest.raises(ValueError, match="Cannot set value as None"):
        accessor.set("k", None)
    with pytest.raises(TypeError, match="must be a JSON value"):
        accessor.set("k", datetime.now(tz=UTC))
    with pytest.raises(TypeError, match="retention must be a timedelta"):
        accessor.set("k", 1, retention=5)  # type: ignore[arg-type]
