"""``slipstream tasks render``, and rendered fields stored per try by a real run (scheduler,
local executor, task processes forked from a zygote)."""

from __future__ import annotations

from datetime import UTC, datetime

from cli_helpers import invoke

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import rendered_fields

TEMPLATED = '''
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

def show(day, prev, templates_dict):
    print(day, prev, templates_dict)

with DAG("templated", start_date=datetime(2024, 1, 1), schedule=None, params={"who": "Ada"},
         user_defined_macros={"team": "data"}) as dag:
    flaky = BashOperator(task_id="flaky", bash_command="flaky.sh", env={"TEAM": "{{ team }}"},
                         retries=1, retry_delay=timedelta(seconds=0))
    report = PythonOperator(
        task_id="report", python_callable=show,
        op_kwargs={"day": "{{ ds }}", "prev": "{{ prev_data_interval_end_success }}"},
        templates_dict={"who": "{{ params.who }}"},
    )
    broken = BashOperator(task_id="broken", bash_command="echo ok\\necho {{ nope }}", trigger_rule="all_done")
    flaky >> report >> broken
'''
FLAKY_SH = 'echo "try {{ ti.try_number }} on {{ ds }} for {{ params.who }}"\nexit $(( {{ ti.try_number }} < 2 ))\n'
FIRST = datetime(2024, 5, 1, tzinfo=UTC)
SECOND = datetime(2024, 5, 2, tzinfo=UTC)


def test_each_try_stores_its_rendered_fields_and_tasks_render_shows_them(
    runner, settings, db, write_dag, parse, dags_dir
) -> None:
    write_dag("templated.py", TEMPLATED)
    (dags_dir / "flaky.sh").write_text(FLAKY_SH)
    parse()
    first = run_dag_to_end(settings, db, "templated", logical_date=FIRST, run_id="first", timeout=90)
    assert first.state == "failed"  # 'broken' is a leaf and its template is wrong
    with db.read() as session:
        tries = [
            rendered_fields.get(session, dag_id="templated", run_id="first", task_id="flaky", try_number=n)
            for n in (1, 2)
        ]
        report = rendered_fields.get(session, dag_id="templated", run_id="first", task_id="report")
        broken = rendered_fields.get(session, dag_id="templated", run_id="first", task_id="broken")
    assert [t.rendered_fields["bash_command"] for t in tries] == [
        'echo "try 1 on 2024-05-01 for Ada"\nexit $(( 1 < 2 ))',
        'echo "try 2 on 2024-05-01 for Ada"\nexit $(( 2 < 2 ))',
    ]
    assert tries[0].rendered_fields["env"] == {"TEAM": "data"}
    assert report.rendered_fields == {
        "templates_dict": {"who": "Ada"}, "op_args": [], "op_kwargs": {"day": "2024-05-01", "prev": "None"},
    }
    assert broken is None

    shown = invoke(runner, "tasks", "render", "templated", "flaky", "first", "--try-number", "1").stdout
    assert shown.startswith("# templated.flaky first map_index -1: stored by try 1 at ")
    assert '# ---- bash_command ----\necho "try 1 on 2024-05-01 for Ada"\nexit $(( 1 < 2 ))\n' in shown
    assert '# ---- env ----\n{\n  "TEAM": "data"\n}\n' in shown
    latest = invoke(runner, "tasks", "render", "templated", "flaky", "2024-05-01").stdout
    assert "stored by try 2" in latest and "try 2 on 2024-05-01" in latest

    # The previous successful run: none of the first (it failed), so run once more after a success.
    with db.write() as session:
        from slipstream.store import dag_runs

        dag_runs.set_state(session, first.id, "failed", "success")
    run_dag_to_end(settings, db, "templated", logical_date=SECOND, run_id="second", timeout=90)
    with db.read() as session:
        report = rendered_fields.get(session, dag_id="templated", run_id="second", task_id="report")
    assert report.rendered_fields["op_kwargs"] == {"day": "2024-05-02", "prev": str(first.data_interval_end)}

    # Nothing stored (the template error happened while rendering): rendered now, with the same error.
    failed = invoke(runner, "tasks", "render", "templated", "broken", "first", code=1)
    assert "Template error in bash_command of task 'broken' (line 2): 'nope' is undefined" in failed.stderr


def test_without_a_run_the_fields_are_rendered_now(runner, write_dag, dags_dir) -> None:
    write_dag("templated.py", TEMPLATED)
    (dags_dir / "flaky.sh").write_text(FLAKY_SH)
    shown = invoke(runner, "tasks", "render", "templated", "flaky", "2024-06-01T00:00:00+00:00", "-t", "2").stdout
    assert shown.startswith("# templated.flaky map_index -1 try 2: rendered now (no run of templated at 2024-06-01")
    assert 'echo "try 2 on 2024-06-01 for Ada"\nexit $(( 2 < 2 ))' in shown
    report = invoke(runner, "tasks", "render", "templated", "report", "2024-06-01").stdout
    assert '# ---- op_kwargs ----\n{\n  "day": "2024-06-01",\n  "prev": "None"\n}' in report


def test_unknown_task_and_bad_run_are_errors(runner, write_dag, dags_dir) -> None:
    write_dag("templated.py", TEMPLATED)
    (dags_dir / "flaky.sh").write_text(FLAKY_SH)
    bad_run = invoke(runner, "tasks", "render", "templated", "flaky", "not-a-run", code=1)
    assert "'not-a-run' is neither a run id of DAG 'templated' nor an ISO logical date" in bad_run.stderr
    bad_task = invoke(runner, "tasks", "render", "templated", "nope", "2024-06-01", code=1)
    assert "Task 'nope' not found in DAG 'templated'" in bad_task.stderr
