"""BashOperator run for real through the task runner: output, exit codes, env, cwd, templates."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slipstream.operators.bash import BashOperator
from slipstream.runner.context import DagRunInfo
from slipstream.runner.task_runner import TryResult, execute_task
from slipstream.sdk import DAG

LOGICAL = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def run(dag: DAG, task_id: str, *, try_number: int = 1, max_tries: int = 0, conf: dict | None = None) -> TryResult:
    info = DagRunInfo(
        id=1, dag_id=dag.dag_id, run_id="manual__2024-01-02", run_type="manual", logical_date=LOGICAL,
        data_interval_start=LOGICAL, data_interval_end=LOGICAL, conf=conf or {},
    )
    return execute_task(dag, task_id, info, store=None, map_index=-1, try_number=try_number, max_tries=max_tries)


def one_task(tmp_path: Path, **kwargs: object) -> DAG:
    dag = DAG("bash_dag", fileloc=str(tmp_path / "bash_dag.py"))
    BashOperator(task_id="t", dag=dag, **kwargs)
    return dag


def test_echo_output_goes_to_stdout_and_last_line_is_the_xcom(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dag = one_task(tmp_path, bash_command='echo "Extracting sales data..."; echo "Sales data extracted!"')
    result = run(dag, "t")
    assert result.state == "success"
    assert result.error is None
    out = capsys.readouterr().out
    assert "Extracting sales data...\nSales data extracted!\n" in out
    assert result.xcoms == (("return_value", "Sales data extracted!"),)


def test_stderr_is_captured_too(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dag = one_task(tmp_path, bash_command="echo to-stderr >&2")
    assert run(dag, "t").state == "success"
    assert "to-stderr" in capsys.readouterr().out


def test_do_xcom_push_false_pushes_nothing(tmp_path: Path) -> None:
    dag = one_task(tmp_path, bash_command="echo hi", do_xcom_push=False)
    result = run(dag, "t")
    assert result.state == "success"
    assert result.xcoms == ()


def test_non_zero_exit_fails_the_task(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dag = one_task(tmp_path, bash_command="echo before; exit 3")
    result = run(dag, "t")
    assert result.state == "failed"
    assert "non-zero exit code 3" in (result.error or "")
    assert result.next_try_at is None
    assert "before" in capsys.readouterr().out


def test_non_zero_exit_with_tries_left_is_up_for_retry(tmp_path: Path) -> None:
    dag = one_task(tmp_path, bash_command="false", retry_delay=60)
    before = datetime.now(UTC)
    result = run(dag, "t", try_number=1, max_tries=1)
    assert result.state == "up_for_retry"
    assert result.next_try_at is not None
    assert 55 <= (result.next_try_at - before).total_seconds() <= 65
    assert run(dag, "t", try_number=2, max_tries=1).state == "failed"


def test_exit_99_skips_the_task(tmp_path: Path) -> None:
    dag = one_task(tmp_path, bash_command="exit 99")
    result = run(dag, "t")
    assert result.state == "skipped"
    assert "exit code 99" in (result.error or "")


def test_custom_skip_exit_codes(tmp_path: Path) -> None:
    dag = DAG("skip_codes", fileloc=str(tmp_path / "d.py"))
    BashOperator(task_id="list", bash_command="exit 7", skip_on_exit_code=[7, 8], dag=dag)
    BashOperator(task_id="none", bash_command="exit 99", skip_on_exit_code=None, dag=dag)
    assert run(dag, "list").state == "skipped"
    assert run(dag, "none").state == "failed"


def test_env_replaces_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLIPSTREAM_TEST_OUTER", "outer")
    dag = one_task(tmp_path, bash_command='echo "$GREETING|${SLIPSTREAM_TEST_OUTER:-unset}"', env={"GREETING": "hi"})
    result = run(dag, "t")
    assert dict(result.xcoms)["return_value"] == "hi|unset"


def test_append_env_keeps_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLIPSTREAM_TEST_OUTER", "outer")
    dag = one_task(
        tmp_path, bash_command='echo "$GREETING|$SLIPSTREAM_TEST_OUTER"', env={"GREETING": "hi"}, append_env=True
    )
    assert dict(run(dag, "t").xcoms)["return_value"] == "hi|outer"


def test_without_env_the_environment_is_inherited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLIPSTREAM_TEST_OUTER", "outer")
    dag = one_task(tmp_path, bash_command='echo "$SLIPSTREAM_TEST_OUTER"')
    assert dict(run(dag, "t").xcoms)["return_value"] == "outer"


def test_airflow_context_variables(tmp_path: Path) -> None:
    dag = one_task(
        tmp_path, bash_command='echo "$AIRFLOW_CTX_DAG_ID $AIRFLOW_CTX_TASK_ID $AIRFLOW_CTX_DAG_RUN_ID"', env={}
    )
    assert dict(run(dag, "t").xcoms)["return_value"] == "bash_dag t manual__2024-01-02"


def test_cwd(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    dag = one_task(tmp_path, bash_command="pwd; echo made > out.txt", cwd=str(work))
    result = run(dag, "t")
    assert result.state == "success"
    assert os.path.realpath(dict(result.xcoms)["return_value"]) == os.path.realpath(work)
    assert (work / "out.txt").read_text() == "made\n"


def test_missing_cwd_fails_with_a_clear_error(tmp_path: Path) -> None:
    dag = one_task(tmp_path, bash_command="true", cwd=str(tmp_path / "nowhere"))
    result = run(dag, "t")
    assert result.state == "failed"
    assert "does not exist" in (result.error or "")
    (tmp_path / "a_file").write_text("")
    result = run(one_task(tmp_path, bash_command="true", cwd=str(tmp_path / "a_file")), "t")
    assert result.state == "failed" and "must be a folder" in (result.error or "")


def test_output_processor_turns_the_last_line_into_the_return_value(tmp_path: Path) -> None:
    import json

    dag = DAG("bash_json", fileloc=str(tmp_path / "d.py"))
    BashOperator(
        task_id="t", dag=dag, bash_command="""echo starting; echo '{"files": 3, "ok": true}'""",
        output_processor=json.loads, multiple_outputs=True,
    )
    result = run(dag, "t")
    assert result.state == "success", result.error
    assert dict(result.xcoms) == {"return_value": {"files": 3, "ok": True}, "files": 3, "ok": True}


def test_output_processor_must_be_callable(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="Task 't': output_processor must be a function"):
        one_task(tmp_path, bash_command="true", output_processor="json")


def test_without_cwd_the_command_runs_in_a_temporary_folder_removed_afterwards(tmp_path: Path) -> None:
    result = run(one_task(tmp_path, bash_command="touch left_behind; pwd"), "t")
    folder = dict(result.xcoms)["return_value"]
    assert os.path.basename(folder).startswith("slipstreamtmp")
    assert os.path.realpath(folder) != os.path.realpath(os.getcwd())
    assert not os.path.exists(folder)


def test_a_command_without_output_returns_an_empty_string(tmp_path: Path) -> None:
    result = run(one_task(tmp_path, bash_command="true"), "t")
    assert result.state == "success" and result.xcoms == (("return_value", ""),)


def test_get_env_and_skip_on_exit_code_as_airflow_takes_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FROM_WORKER", "yes")
    replaced = BashOperator(task_id="replaced", bash_command="true", env={"ONLY": "1"})
    appended = BashOperator(task_id="appended", bash_command="true", env={"ONLY": "1"}, append_env=True)
    context = {"ts": "2024-01-02T03:04:05+00:00", "task": replaced}
    assert replaced.get_env(context) == {"ONLY": "1", "AIRFLOW_CTX_LOGICAL_DATE": context["ts"], "AIRFLOW_CTX_DAG_OWNER": "airflow"}
    assert appended.get_env(context)["FROM_WORKER"] == "yes" and appended.get_env(context)["ONLY"] == "1"
    assert BashOperator(task_id="a", bash_command="true", skip_on_exit_code=None).skip_on_exit_code == ()
    assert BashOperator(task_id="b", bash_command="true", skip_on_exit_code=[3, 4]).skip_on_exit_code == (3, 4)
    result = run(one_task(tmp_path, bash_command="exit 4", skip_on_exit_code=[3, 4]), "t")
    assert result.state == "skipped"


def test_templated_command_env_and_cwd(tmp_path: Path) -> None:
    (tmp_path / "2024-01-02").mkdir()
    dag = DAG("templated", fileloc=str(tmp_path / "d.py"), params={"who": "Ada"})
    BashOperator(
        task_id="t",
        bash_command='echo "{{ ds }} {{ ds_nodash }} {{ params.who }} {{ task.task_id }} $DAY $(basename $PWD)"',
        env={"DAY": "{{ tomorrow_ds }}"},
        cwd=str(tmp_path) + "/{{ ds }}",
        dag=dag,
    )
    result = run(dag, "t")
    assert result.state == "success", result.error
    assert dict(result.xcoms)["return_value"] == "2024-01-02 20240102 Ada t 2024-01-03 2024-01-02"


def test_params_from_run_conf_override_defaults(tmp_path: Path) -> None:
    dag = DAG("conf", fileloc=str(tmp_path / "d.py"), params={"who": "Ada"})
    BashOperator(task_id="t", bash_command="echo {{ params.who }}", dag=dag)
    assert dict(run(dag, "t", conf={"who": "Grace"}).xcoms)["return_value"] == "Grace"


def test_undefined_template_variable_fails_the_task(tmp_path: Path) -> None:
    dag = one_task(tmp_path, bash_command="echo {{ not_a_variable }}")
    result = run(dag, "t")
    assert result.state == "failed"
    assert "not_a_variable" in (result.error or "")


def test_command_from_a_script_file_next_to_the_dag_file(tmp_path: Path) -> None:
    (tmp_path / "script.sh").write_text('echo "from script on {{ ds }}"\n')
    dag = one_task(tmp_path, bash_command="script.sh")
    result = run(dag, "t")
    assert result.state == "success", result.error
    assert dict(result.xcoms)["return_value"] == "from script on 2024-01-02"
