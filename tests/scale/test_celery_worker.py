"""What a Celery worker does besides running tries: the operator's queue= routes a task to the
workers of that queue; a worker whose copy of the DAG file differs from the scheduler's says so
in the task log; the scheduler's kill reaches the worker that runs the try; a try whose worker
died with its processes is retried by the scheduler's liveness check."""

from __future__ import annotations

import time
from pathlib import Path

from scale.cluster import FanOut, Options, free_port
from scale_services import require

ROUTED = '''
import os
import signal
import time
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator

MARKS = {marks!r}


def where():
    print("DAG file:", __file__)


def ignore_the_timeout():
    signal.signal(signal.SIGALRM, signal.SIG_IGN)  # the try cannot stop itself: the scheduler kills it
    time.sleep(120)


def die_with_the_worker(ti):
    if ti.try_number == 1:
        with open(os.path.join(MARKS, "victim.pid"), "w") as out:
            out.write(str(os.getpid()))
        time.sleep(120)
    print("second try done")


with DAG("routed", start_date=datetime(2024, 1, 1), schedule=None):
    PythonOperator(task_id="anywhere", python_callable=where)
    PythonOperator(task_id="special", python_callable=where, queue={special!r})
    PythonOperator(task_id="stuck", python_callable=ignore_the_timeout, execution_timeout=timedelta(seconds=1))
    PythonOperator(task_id="victim", python_callable=die_with_the_worker, retries=1, retry_delay=timedelta(seconds=1))
'''


def wait_for(check, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise TimeoutError(what)


def test_routing_versions_kills_and_a_dead_workers_try(postgres_url, tmp_path):
    require("redis")
    with FanOut(Options(tasks=2, workers=2, schedulers=1), postgres_url, tmp_path) as cluster:
        special = f"special-{cluster.queue}"
        marks = tmp_path / "marks"
        marks.mkdir()
        source = ROUTED.format(marks=str(marks), special=special)
        copy = tmp_path / "special-worker-dags"
        copy.mkdir()
        (copy / "routed.py").write_text(source + "# this worker's copy was edited\n")
        (tmp_path / "dags" / "routed.py").write_text(source)
        cluster.spawn("special", "celery", "worker", "-q", special, "-S", str(copy), "-H", f"s-{cluster.queue}@%h",
                      "--skip-serve-logs")
        cluster.wait_for_line("special", "ready.")
        wait_for(lambda: cluster.query("SELECT 1 FROM serialized_dag WHERE dag_id = 'routed'"), "routed parsed")
        cluster.cli("dags", "unpause", "routed")
        cluster.cli("dags", "trigger", "routed", "--run-id", "r1")

        # The victim's first try runs: SIGKILL its worker and the try's process, as a machine lost.
        pid = int(wait_for(lambda: (marks / "victim.pid").exists() and (marks / "victim.pid").read_text(), "victim runs"))
        owner = next(name for name in ("worker0", "worker1") if _runs(cluster.processes[name].pid, pid))
        cluster.processes[owner].kill()
        cluster.processes[owner].wait()
        _kill(pid)

        state = wait_for(
            lambda: (cluster.query("SELECT state FROM dag_run WHERE run_id = 'r1'")[0][0] in ("success", "failed"))
            and cluster.query("SELECT state FROM dag_run WHERE run_id = 'r1'")[0][0],
            "the run ends", timeout=120,
        )
        states = dict(cluster.query("SELECT task_id, state || ' ' || try_number FROM task_instance WHERE run_id = 'r1'"))
        assert states == {"anywhere": "success 1", "special": "success 1", "stuck": "failed 1", "victim": "success 2"}
        assert state == "failed"  # stuck failed

        logs = tmp_path / "home" / "logs" / "routed" / "r1"
        anywhere = (logs / "anywhere" / "1.log").read_text()
        special_log = (logs / "special" / "1.log").read_text()
        assert f"DAG file: {tmp_path / 'dags' / 'routed.py'}" in anywhere and "differs" not in anywhere
        assert f"DAG file: {copy / 'routed.py'}" in special_log  # only the special worker listens on that queue
        assert f"The DAG file {copy / 'routed.py'} on this worker" in special_log
        assert "differs from the scheduler's" in special_log
        reason = cluster.query("SELECT state_reason FROM task_instance WHERE run_id = 'r1' AND task_id = 'stuck'")[0][0]
        assert "execution_timeout of 1 s exceeded" in reason
        assert "second try done" in (logs / "victim" / "2.log").read_text()


def _runs(worker_pid: int, pid: int) -> bool:
    """Whether ``pid`` descends from ``worker_pid``."""
    while pid > 1:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])
        if pid == worker_pid:
            return True
    return False


def _kill(pid: int) -> None:
    import os
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_flower_shows_the_workers(postgres_url, tmp_path):
    require("redis")
    import base64
    import json
    import urllib.request

    port = free_port()
    with FanOut(Options(tasks=1, workers=1, schedulers=0), postgres_url, tmp_path) as cluster:
        cluster.spawn("flower", "celery", "flower", "-H", "127.0.0.1", "-p", str(port), "-A", "admin:s3cret")
        cluster.wait_for_line("flower", "Visit me at")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/workers?refresh=1")
        request.add_header("Authorization", "Basic " + base64.b64encode(b"admin:s3cret").decode())
        workers = wait_for(lambda: json.loads(urllib.request.urlopen(request, timeout=10).read()), "Flower answers")
        assert f"w0-{cluster.queue}@" in " ".join(workers)
        refused = urllib.request.Request(f"http://127.0.0.1:{port}/api/workers")
        try:
            urllib.request.urlopen(refused, timeout=10)
            raise AssertionError("Flower answered without a login")
        except urllib.error.HTTPError as err:
            assert err.code == 401
