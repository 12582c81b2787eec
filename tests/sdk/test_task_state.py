"""The task state store and ResumableJobMixin in a real run: the retry reattaches to the job the
first try submitted, instead of submitting another."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from slipstream.sdk.task_state import TaskStateStore

RESUMABLE_DAG = '''
import json
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import DAG, NEVER_EXPIRE, BaseOperator, ResumableJobMixin, task

JOBS = Path("{jobs}")  # the "external system": one file per submitted job


class FileJobOperator(ResumableJobMixin, BaseOperator):
    external_id_key = "file_job"

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context):
        JOBS.mkdir(exist_ok=True)
        job_id = f"job-{{len(list(JOBS.iterdir()))}}"
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
            raise RuntimeError("the worker died while the job ran")
        (JOBS / external_id).write_text("SUCCEEDED")
        (JOBS.parent / "outcome").write_text(f"try {{context['ti'].try_number}} reattached to {{external_id}}")
        return f"polled {{external_id}}"

    def get_job_result(self, external_id, context):
        return f"result of {{external_id}}"


with DAG("resumable", start_date=datetime(2024, 1, 1), schedule=None,
         default_args={{"retries": 2, "retry_delay": timedelta(0)}}):

    @task
    def remember(task_state_store=None, ti=None):
        seen = task_state_store.get("tries", default=[])
        task_state_store.set("tries", seen + [ti.try_number], retention=NEVER_EXPIRE)
        task_state_store.set("scratch", "x")
        task_state_store.delete("scratch")
        if ti.try_number < 3:
            raise RuntimeError("not yet")
        kept = {{"tries": task_state_store.get("tries"), "scratch": task_state_store.get("scratch", "gone")}}
        (JOBS.parent / "kept.json").write_text(json.dumps(kept))

    remember()
    FileJobOperator(task_id="job")
'''


def test_state_survives_retries_and_the_job_is_reattached(home: Path, slipstream) -> None:
    jobs = home / "jobs"
    (home / "dags" / "resumable.py").write_text(textwrap.dedent(RESUMABLE_DAG.format(jobs=jobs)))
    done = slipstream("dags", "test", "resumable")
    assert re.search(r"remember\s.*\ssuccess\s+.*\s3\s", done.stdout), done.stdout
    assert re.search(r"job\s.*\ssuccess\s+.*\s2\s", done.stdout), done.stdout
    # Try 1 submitted job-0, kept its id and died while polling; try 2 reattached to it.
    assert sorted(p.name for p in jobs.iterdir()) == ["job-0"]
    assert (jobs / "job-0").read_text() == "SUCCEEDED"
    assert (home / "outcome").read_text() == "try 2 reattached to job-0"
    assert json.loads((home / "kept.json").read_text()) == {"tries": [1, 2, 3], "scratch": "gone"}


class _Ti:
    task_id, map_index = "t", -1

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def xcom_push(self, key: str, value: object) -> None:
        self.values[key] = value

    def xcom_pull(self, task_ids: str, key: str, map_indexes: object) -> object:
        return self.values.get(key)


def test_values_must_be_json_and_keys_named() -> None:
    store = TaskStateStore(_Ti())
    with pytest.raises(TypeError, match="must be JSON"):
        store.set("when", object())
    with pytest.raises(ValueError, match="non-empty string"):
        store.get("")
    store.set("n", 1)
    assert store.get("n") == 1 and store.get("missing", "default") == "default"
