"""The floor of one process per try: ``.venv/bin/python bench/floor.py [N]``.

The map benchmark's DAG without its reducer, through the real scheduler, store service, fork
server and zygotes, but each mapped instance's process only makes its log file, claims its try
and finishes it (``claim_and_finish``): no DAG load, no context, no operator. What it reaches in
tasks per second is what no runner, however lean, could beat on this machine while every try
has a process of its own. It runs in a child interpreter, as ``bench/mapping.py`` does.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))


def claim_and_finish(payload: str) -> None:
    """A task process that does only what any try must: its log file, its claim, its end.
    Instances of the mapped task only; every other task runs as usual."""
    from slipstream.executors import task_process
    from slipstream.executors.task_process import redirect_output, task_process_main
    from slipstream.executors.workload_json import load_workload
    from slipstream.processes import forkserver
    from slipstream.runner.try_store import ChannelTryStore
    from slipstream.store.clock import utcnow
    from slipstream.store.log_paths import log_file

    settings: Any = task_process._settings
    workload = load_workload(payload, settings)
    if workload.map_index < 0 or forkserver.PARENT_CHANNEL is None:
        task_process_main(payload)
        return
    os.setpgrp()
    key = (workload.dag_id, workload.run_id, workload.task_id, workload.map_index)
    path = log_file(os.fspath(settings.base_log_folder), *key, workload.try_number)
    redirect_output(path)
    store = ChannelTryStore(forkserver.PARENT_CHANNEL)
    now = utcnow()
    claim = store.claim(
        ti_id=workload.ti_id, try_number=workload.try_number, hostname=socket.gethostname(), pid=os.getpid(),
        now=now, key=key, log_path=path,
    )
    if claim is not None:
        store.finish(
            ti_id=workload.ti_id, try_number=workload.try_number, dag_run_id=claim.dag_run["id"], key=key,
            state="success", xcom_values=(), next_try_at=None, reason=None, started_at=now,
        )


def _child(n: int) -> dict[str, float]:
    from bench.harness import run_dag_file
    from bench.mapping import map_source
    from slipstream.executors import local

    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    local.TARGET = "bench.floor:claim_and_finish"  # the fork server and zygotes import it by name,
    local.PRELOAD = [*local.PRELOAD, "bench.floor"]  # before they fork, as they do the real target
    dag_id = f"bench_floor{n}"
    result = run_dag_file(dag_id, source=map_source(n, dag_id, reduce=False), timeout=900.0)
    mapped = [r for r in result.tasks if r.task_id == "square"]
    if len(mapped) != n:
        raise RuntimeError(f"{dag_id}: expected {n} mapped instances, found {len(mapped)}")
    span = (max(r.end_date for r in mapped) - min(r.start_date for r in mapped)).total_seconds()
    durations = sorted(r.duration for r in mapped)
    return {
        "tasks_per_s": n / span if span > 0 else float("inf"),
        "mapped_span_s": span,
        "task_duration_median_ms": durations[len(durations) // 2] * 1000.0,  # claim to finish
    }


def run_floor(n: int = 10_000) -> dict[str, float]:
    from bench.mapping import run_in_child

    return run_in_child(__file__, n)


if __name__ == "__main__":
    from bench.mapping import script_main

    script_main(_child, run_floor)
