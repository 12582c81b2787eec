"""Creating a manual DAG run: check the DAG and its params, then write the run and its tasks.

The implementation lives in ``dagfiles/manual_runs.py``, where a running task
(``TriggerDagRunOperator``) reaches it too; this module keeps the names the scheduler and the CLI use.
"""

from __future__ import annotations

from slipstream.dagfiles.manual_runs import DagNotFound, load_serialized, task_specs, trigger_dag

__all__ = ["DagNotFound", "load_serialized", "task_specs", "trigger_dag"]
