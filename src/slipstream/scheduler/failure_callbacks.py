"""What the task's own code would have done after a failed try, when the scheduler fails it.

A try whose process died, stopped heartbeating or overran its timeout never reaches its
on_failure_callback / on_retry_callback nor its alert mail (``email_on_failure`` /
``email_on_retry``). As Airflow's scheduler does, the scheduler then asks for them: a
``TaskCallbackRequest`` the executor runs in a process of its own (user code never runs in the
scheduler), read only from the serialized DAG, so a task with neither costs nothing.
"""

from __future__ import annotations

from typing import Any

from slipstream.dagfiles.serialization import SerializedDag
from slipstream.executors.base import TaskCallbackRequest
from slipstream.store.states import TaskInstanceState as TI

_WANTS = {
    TI.FAILED.value: ("has_on_failure_callback", "email_on_failure"),
    TI.UP_FOR_RETRY.value: ("has_on_retry_callback", "email_on_retry"),
}


def failure_callback_request(dag: SerializedDag | None, row: Any, state: str, reason: str) -> TaskCallbackRequest | None:
    """The request for the callbacks and mail of the try ``row`` the scheduler moved to ``state``
    (failed or up_for_retry), or None when its task has neither."""
    wants = _WANTS.get(str(state))
    if dag is None or wants is None or row.task_id not in dag.tasks:
        return None
    task = dag.tasks[row.task_id].data
    callback, mail = wants
    if not task.get(callback) and not (task.get(mail) and task.get("email")):
        return None
    return TaskCallbackRequest(
        dag_id=row.dag_id, run_id=row.run_id, task_id=row.task_id, map_index=row.map_index,
        try_number=row.try_number, fileloc=dag.fileloc, state=str(state), reason=reason,
        hostname=getattr(row, "hostname", None) or "",
    )
