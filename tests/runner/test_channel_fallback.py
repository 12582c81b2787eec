"""A task process whose channel to the store service breaks records its calls directly in the
database: the try's result is never lost, and a call the service ran just before the channel
broke is safe to run again."""

from __future__ import annotations

import os
import socket
import threading

from slipstream.processes.wire import recv, send
from slipstream.runner.direct_store import DirectTryStore, serve_request
from slipstream.runner.try_store import ChannelTryStore
from slipstream.store import dag_runs, task_instances, xcoms
from slipstream.store.clock import utcnow
from slipstream.store.states import TaskInstanceState as TI

KEY = ("d", "r", "a", -1)


def _queued_try(db, max_tries: int = 0) -> tuple[int, int]:
    specs = [dag_runs.TaskSpec("a", "PythonOperator", max_tries, "default_pool", 1, "default", 1)]
    with db.write() as session:
        run = dag_runs.create(session, dag_id="d", run_id="r", run_type="manual", tasks=specs, now=utcnow())
        ti_id = task_instances.for_run(session, "d", "r")[0].id
        task_instances.set_state(session, ti_id, TI.NONE, TI.SCHEDULED)
        task_instances.queue_tries(session, [ti_id], utcnow())
    return run.id, ti_id


def _service(db, answers: int, then_run_without_reply: bool) -> tuple[socket.socket, threading.Thread]:
    """A store service on a real socket pair: it answers ``answers`` calls, then (optionally) runs
    one more call without replying, and closes the channel, as a service that was killed."""
    ours, theirs = socket.socketpair()
    store = DirectTryStore(db)

    def serve() -> None:
        for _ in range(answers):
            send(theirs, serve_request(store, recv(theirs)))
        if then_run_without_reply:
            serve_request(store, recv(theirs))
        theirs.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return ours, thread


def _claim(store: ChannelTryStore, ti_id: int):
    return store.claim(ti_id=ti_id, try_number=1, hostname=socket.gethostname(), pid=os.getpid(), now=utcnow(),
                       key=KEY, log_path="/dev/null")


def _finish(store: ChannelTryStore, run_id: int, ti_id: int) -> bool:
    return store.finish(
        ti_id=ti_id, try_number=1, dag_run_id=run_id, key=KEY, state="success",
        xcom_values=(("return_value", 42),), next_try_at=None, reason=None, started_at=utcnow(),
    )


def _row(db, ti_id: int):
    with db.read() as session:
        return task_instances.get(session, ti_id)


def test_a_finish_after_the_service_died_is_recorded_directly_with_a_heartbeat_meanwhile(db, settings, capsys):
    run_id, ti_id = _queued_try(db)
    channel, service = _service(db, answers=1, then_run_without_reply=False)
    store = ChannelTryStore(channel, settings.sql_alchemy_conn, heartbeat_sec=0.05)
    assert _claim(store, ti_id) is not None
    service.join(5)
    # The next call finds the channel closed: from then on the store is the database itself.
    store.xcom_push(dag_run_id=run_id, key=KEY, name="early", value=1)
    assert store._heartbeat is not None and store._heartbeat.is_alive()
    with db.write() as session:  # the beat keeps the try alive though no service keeps it any more
        session.execute(task_instances.TABLE.update().values(last_heartbeat_at=None))
    for _ in range(200):
        if _row(db, ti_id).last_heartbeat_at is not None:
            break
        threading.Event().wait(0.02)
    assert _row(db, ti_id).last_heartbeat_at is not None
    assert _finish(store, run_id, ti_id) is True
    assert not store._heartbeat.is_alive() or store._heartbeat.stopped.is_set()
    row = _row(db, ti_id)
    assert (row.state, row.try_number) == ("success", 1)
    with db.read() as session:
        assert xcoms.pull(session, dag_id="d", run_id="r", task_id="a", key="return_value") == 42
        assert xcoms.pull(session, dag_id="d", run_id="r", task_id="a", key="early") == 1
    assert "records its calls directly in the database" in capsys.readouterr().out


def test_a_finish_the_service_ran_before_dying_is_not_reported_lost(db, settings, capsys):
    run_id, ti_id = _queued_try(db)
    channel, service = _service(db, answers=1, then_run_without_reply=True)
    store = ChannelTryStore(channel, settings.sql_alchemy_conn)
    assert _claim(store, ti_id) is not None
    assert _finish(store, run_id, ti_id) is True  # recorded by the service; the repeat changes nothing
    service.join(5)
    row = _row(db, ti_id)
    assert (row.state, row.try_number) == ("success", 1)
    out = capsys.readouterr().out
    assert "lost" not in out and "dropped" not in out


def test_a_claim_the_service_made_before_dying_is_found_again(db, settings):
    run_id, ti_id = _queued_try(db)
    channel, service = _service(db, answers=0, then_run_without_reply=True)
    store = ChannelTryStore(channel, settings.sql_alchemy_conn, heartbeat_sec=60)
    claim = _claim(store, ti_id)
    service.join(5)
    assert claim is not None and claim.dag_run["id"] == run_id
    assert store._heartbeat is not None, "the try claimed over the broken channel has a heartbeat"
    assert _finish(store, run_id, ti_id) is True
    assert _row(db, ti_id).state == "success"


def test_a_claim_for_another_process_is_not_taken_over(db, settings):
    _, ti_id = _queued_try(db)
    with db.write() as session:
        task_instances.start_try(session, ti_id, 1, socket.gethostname(), os.getpid() + 1, utcnow())
    channel, service = _service(db, answers=0, then_run_without_reply=False)
    store = ChannelTryStore(channel, settings.sql_alchemy_conn)
    assert _claim(store, ti_id) is None
    service.join(5)


def test_a_triggered_run_is_created_once_when_the_call_is_repeated(db, settings, write_dag, parse):
    write_dag("target.py", "from airflow.sdk import DAG\nfrom airflow.providers.standard.operators.empty import "
              "EmptyOperator\nwith DAG('target', schedule=None):\n    EmptyOperator(task_id='t')\n")
    parse()
    channel, service = _service(db, answers=0, then_run_without_reply=True)
    store = ChannelTryStore(channel, settings.sql_alchemy_conn)
    done = store.trigger_dag_run(dag_id="target", run_id=None, conf=None, logical_date=None, reset_dag_run=False,
                                 fail_when_dag_is_paused=False)
    service.join(5)
    assert done["error"] is None and done["outcome"] == "created"
    with db.read() as session:
        assert [r.run_id for r in dag_runs.list_runs(session, "target")] == [done["run_id"]]


def test_without_a_database_a_broken_channel_is_an_error(db):
    ours, theirs = socket.socketpair()
    theirs.close()
    store = ChannelTryStore(ours)
    try:
        store.get_variable(key="k")
    except ConnectionError as error:
        assert "no database is known" in str(error)
    else:
        raise AssertionError("a broken channel without a database must fail")


def test_a_task_whose_executor_lives_connects_to_the_new_store_service(db, settings):
    """The service died after recording the finish; the task connects to the one started again,
    says which try it runs (so that one keeps its heartbeat), and repeats the call there."""
    import secrets

    from slipstream.executors.store_service import StoreService

    run_id, ti_id = _queued_try(db)
    address = f"\0slipstream-test-{secrets.token_hex(6)}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(1)
    service = StoreService(DirectTryStore(db), heartbeat_sec=60)
    seen: list[str] = []

    def serve_new() -> None:
        connection = listener.accept()[0]
        while (message := recv(connection)) is not None:
            seen.append(message[0])
            send(connection, service.answer(connection.fileno(), message))
            if message[0] == "resume":
                assert service.live, "the new service keeps the try's heartbeat"

    new = threading.Thread(target=serve_new, daemon=True)
    new.start()
    channel, old = _service(db, answers=1, then_run_without_reply=True)
    store = ChannelTryStore(channel, settings.sql_alchemy_conn, service_address=address, executor_alive=lambda: True)
    assert _claim(store, ti_id) is not None
    assert _finish(store, run_id, ti_id) is True
    old.join(5)
    assert seen == ["resume", "again"]
    assert store._direct is None, "no database handle of its own: SQLAlchemy stays out of the task"
    assert service.live == {}, "the finish ended the try the new service kept"
    assert _row(db, ti_id).state == "success"
    listener.close()


def test_an_orphaned_task_does_not_wait_for_a_store_service(db, settings):
    """Its fork server is gone (the scheduler died): no service will come back, so it goes to the
    database at once, though an address is known (nothing listens there)."""
    run_id, ti_id = _queued_try(db)
    channel, service = _service(db, answers=1, then_run_without_reply=False)
    store = ChannelTryStore(channel, settings.sql_alchemy_conn, service_address="\0slipstream-test-nobody")
    assert _claim(store, ti_id) is not None
    service.join(5)
    assert _finish(store, run_id, ti_id) is True
    assert store._direct is not None
