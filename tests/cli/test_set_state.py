"""Operator control of a run: ``tasks set-state``, ``dags set-state`` and ``dags clear``."""

from __future__ import annotations

from cli_helpers import FAILING_DAG, invoke, invoke_json

from slipstream.store.clock import utcnow


def _store(dags_dir):
    from slipstream.cli.environment import load_settings, open_store

    settings = load_settings(str(dags_dir))
    return settings, open_store(settings)


def _states(runner, dag_id, run_id):
    return {r["task_id"]: r for r in invoke_json(runner, "tasks", "states-for-dag-run", dag_id, run_id)}


def _failed_run(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    invoke(runner, "dags", "test", "failing_dag", code=1)
    [run] = invoke_json(runner, "dags", "list-runs", "failing_dag")
    assert run["state"] == "failed"
    rows = _states(runner, "failing_dag", run["run_id"])
    assert {t: r["state"] for t, r in rows.items()} == {"ok": "success", "bad": "failed", "after": "upstream_failed"}
    return run["run_id"]


def test_mark_a_failed_task_success_then_the_downstream_runs(runner, dags_dir):
    from slipstream.scheduler.run_to_end import schedule_until_finished

    run_id = _failed_run(runner, dags_dir)
    result = invoke(runner, "tasks", "set-state", "failing_dag", run_id, "bad", "success")
    assert "Marked failing_dag.bad" in result.stdout and "Cleared 1 failed task instance(s)" in result.stdout
    rows = _states(runner, "failing_dag", run_id)
    assert (rows["bad"]["state"], rows["bad"]["reason"]) == ("success", "marked success by a user")
    assert rows["bad"]["end_date"] is not None
    assert rows["after"]["state"] == "none"
    assert invoke_json(runner, "dags", "list-runs", "failing_dag")[0]["state"] == "queued"

    settings, db = _store(dags_dir)
    final = schedule_until_finished(settings, db, "failing_dag", run_id, timeout=60)
    assert final.state == "success"
    rows = _states(runner, "failing_dag", run_id)
    assert {t: r["state"] for t, r in rows.items()} == {"ok": "success", "bad": "success", "after": "success"}
    assert rows["bad"]["try_number"] == 1  # marked, not run again


def test_mark_a_task_failed_and_unknown_ones_refused(runner, dags_dir):
    run_id = _failed_run(runner, dags_dir)
    invoke(runner, "tasks", "set-state", "failing_dag", run_id, "ok", "failed")
    rows = _states(runner, "failing_dag", run_id)
    assert (rows["ok"]["state"], rows["ok"]["reason"]) == ("failed", "marked failed by a user")
    assert "already failed" in invoke(runner, "tasks", "set-state", "failing_dag", run_id, "ok", "failed").stdout
    assert "not found" in invoke(runner, "tasks", "set-state", "failing_dag", run_id, "nope", "success", code=1).stderr
    assert "not found" in invoke(runner, "tasks", "set-state", "failing_dag", "no_run", "ok", "success", code=1).stderr
    invoke(runner, "tasks", "set-state", "failing_dag", run_id, "ok", "running", code=2)


def test_mark_a_run_failed(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    [created] = invoke_json(runner, "dags", "trigger", "failing_dag")
    result = invoke(runner, "dags", "set-state", "failing_dag", created["run_id"], "failed")
    assert "3 unfinished task instance(s) failed (queued and running) or skipped (the others)" in result.stdout
    [run] = invoke_json(runner, "dags", "list-runs", "failing_dag")
    assert run["state"] == "failed" and run["end_date"] is not None
    rows = _states(runner, "failing_dag", created["run_id"])
    assert {r["state"] for r in rows.values()} == {"skipped"}, "nothing was running: Airflow skips them"
    assert {r["reason"] for r in rows.values()} == {"marked failed by a user"}


def test_mark_a_run_success_keeps_finished_tasks(runner, dags_dir):
    run_id = _failed_run(runner, dags_dir)
    result = invoke(runner, "dags", "set-state", "failing_dag", run_id, "success")
    assert "0 unfinished task instance(s)" in result.stdout  # failed and upstream_failed are finished
    assert invoke_json(runner, "dags", "list-runs", "failing_dag")[0]["state"] == "success"
    assert "already success" in invoke(runner, "dags", "set-state", "failing_dag", run_id, "success").stdout


def test_a_running_try_loses_when_its_run_is_marked(runner, dags_dir):
    from slipstream.store import dag_runs, task_instances
    from slipstream.store.task_instances import TaskInstanceKey

    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    [created] = invoke_json(runner, "dags", "trigger", "failing_dag")
    _, db = _store(dags_dir)
    with db.write() as session:
        ti = task_instances.find(session, TaskInstanceKey("failing_dag", created["run_id"], "ok"))
        assert task_instances.set_state(session, ti.id, "none", "running", try_number=1, start_date=utcnow())
    invoke(runner, "dags", "set-state", "failing_dag", created["run_id"], "success")
    with db.write() as session:
        assert not task_instances.heartbeat(session, ti.id, 1, utcnow())  # the try stops itself
        assert not task_instances.finish_try(session, ti.id, 1, "failed", utcnow())  # its result is refused
        assert task_instances.get(session, ti.id).state == "success"
        assert dag_runs.get(session, "failing_dag", created["run_id"]).state == "success"


def test_clear_a_whole_run_and_it_runs_again(runner, dags_dir):
    from slipstream.scheduler.run_to_end import schedule_until_finished

    run_id = _failed_run(runner, dags_dir)
    result = invoke(runner, "dags", "clear", "failing_dag", run_id, "-y")
    assert "Cleared 3 task instance(s)" in result.stdout
    assert invoke_json(runner, "dags", "list-runs", "failing_dag")[0]["state"] == "queued"
    assert {r["state"] for r in _states(runner, "failing_dag", run_id).values()} == {"none"}

    settings, db = _store(dags_dir)
    final = schedule_until_finished(settings, db, "failing_dag", run_id, timeout=60)
    assert final.state == "failed"  # `bad` fails again: it ran again
    rows = _states(runner, "failing_dag", run_id)
    assert (rows["ok"]["state"], rows["ok"]["try_number"]) == ("success", 2)
    assert (rows["bad"]["state"], rows["bad"]["try_number"]) == ("failed", 2)


def test_clear_a_run_only_failed_and_asks_first(runner, dags_dir):
    run_id = _failed_run(runner, dags_dir)
    result = invoke(runner, "dags", "clear", "failing_dag", run_id, "--only-failed", input="n\n", code=1)
    assert "Clear the 2 task instance(s)" in result.output
    assert _states(runner, "failing_dag", run_id)["bad"]["state"] == "failed"
    assert "Cleared 2 task instance(s)" in invoke(runner, "dags", "clear", "failing_dag", run_id, "-f", input="y\n").stdout
    assert "not found" in invoke(runner, "dags", "clear", "failing_dag", "no_run", "-y", code=1).stderr
