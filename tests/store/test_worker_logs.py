"""A worker's log server, as an API server asks it: a signed request for one file under its
base_log_folder gets bytes and the size; anything else is refused, saying why."""

from __future__ import annotations

import pytest

from slipstream.store.worker_logs import LogServer, RemoteLogError, fetch

SECRET = "a secret as long as the 64 bytes HS512 asks for, shared by every machine!"


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "logs"
    (folder / "etl" / "run").mkdir(parents=True)
    (folder / "etl" / "run" / "1.log").write_bytes(b"line one\nline two\n")
    (tmp_path / "secret.txt").write_text("not a log")
    server = LogServer(folder, SECRET, host="127.0.0.1", port=0).start()
    yield folder, server
    server.stop()


def test_a_signed_request_reads_a_log_from_an_offset(served):
    folder, server = served
    path = str(folder / "etl" / "run" / "1.log")
    assert fetch("127.0.0.1", server.port, path, SECRET) == (b"line one\nline two\n", 18)
    assert fetch("127.0.0.1", server.port, path, SECRET, offset=9, max_bytes=4) == (b"line", 18)


def test_another_secret_a_path_outside_or_a_missing_file_is_refused(served, tmp_path):
    folder, server = served
    path = str(folder / "etl" / "run" / "1.log")
    with pytest.raises(RemoteLogError, match="need the same \\[api_auth\\] jwt_secret"):
        fetch("127.0.0.1", server.port, path, "a guess that is long enough for HS512 but is not the secret at all!!")
    with pytest.raises(RemoteLogError, match="is not under this worker's base_log_folder"):
        fetch("127.0.0.1", server.port, str(folder / ".." / "secret.txt"), SECRET)
    with pytest.raises(RemoteLogError, match="no log file at"):
        fetch("127.0.0.1", server.port, str(folder / "etl" / "run" / "2.log"), SECRET)
    with pytest.raises(RemoteLogError, match="cannot reach the log server of 127.0.0.1 on port 1"):
        fetch("127.0.0.1", 1, path, SECRET)


ONE = """
from datetime import datetime
from slipstream import DAG, EmptyOperator

with DAG("one", start_date=datetime(2024, 1, 1), schedule=None):
    EmptyOperator(task_id="only")
"""


def test_a_log_not_on_this_machine_is_asked_from_the_worker_it_ran_on(settings, db, write_dag, parse, served):
    from slipstream.config.jwt_secret import signing_secret
    from slipstream.scheduler.triggering import trigger_dag
    from slipstream.services.context import ServiceContext
    from slipstream.services.task_logs import read_log
    from slipstream.store import task_instances, task_logs
    from slipstream.store.clock import utcnow
    from slipstream.store.states import TaskInstanceState as TI

    folder, _ = served
    write_dag("one.py", ONE)
    parse()
    run = trigger_dag(db, "one")
    with db.write() as session:
        [ti] = task_instances.for_run(session, "one", run.run_id)
        task_instances.move(session, [ti.id], "none", TI.SCHEDULED)
        task_instances.queue_tries(session, [ti.id], utcnow())
        task_instances.finish_try(session, ti.id, 1, "success", utcnow(), expected=("queued",))
        task_logs.record(
            session, dag_id="one", run_id=run.run_id, task_id="only", map_index=-1, try_number=1,
            path=str(folder / "elsewhere" / "1.log"), hostname="127.0.0.1", now=utcnow(),
        )
    worker = LogServer(folder, signing_secret(settings), host="127.0.0.1", port=0).start()
    try:
        ctx = ServiceContext(settings=settings.replace(worker_log_server_port=worker.port), db=db)
        chunk = read_log(ctx, "one", run.run_id, "only", 1)
    finally:
        worker.stop()
    assert chunk.text == (
        f"*** The log of try 1 is on 127.0.0.1, which did not give it: no log file at {folder / 'elsewhere' / '1.log'} "
        "on this worker\n"
    )
    assert chunk.end_of_log
