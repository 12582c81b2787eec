"""BashOperator: run a bash command; its output goes to the task log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.context import determine_kwargs
from slipstream.sdk.exceptions import AirflowException, AirflowSkipException


def exit_codes(skip_on_exit_code: int | Sequence[int] | None) -> tuple[int, ...]:
    """``skip_on_exit_code`` as Airflow takes it (none, one code, or several) as a tuple."""
    if skip_on_exit_code is None:
        return ()
    if isinstance(skip_on_exit_code, int):
        return (skip_on_exit_code,)
    return tuple(skip_on_exit_code)


class BashOperator(BaseOperator):
    """Run ``bash_command`` with bash; a non-zero exit fails the task and ``skip_on_exit_code`` skips it."""

    template_fields: Sequence[str] = ("bash_command", "env", "cwd")
    template_ext: Sequence[str] = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: str,
        env: dict[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_on_exit_code: int | Sequence[int] | None = 99,
        cwd: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.append_env = append_env
        self.output_encoding = output_encoding
        self.skip_on_exit_code = exit_codes(skip_on_exit_code)
        self.cwd = cwd

    def execute(self, context: Mapping[str, Any]) -> str | None:
        if self.cwd is not None and not os.path.isdir(self.cwd):
            raise AirflowException(f"The cwd {self.cwd!r} of task {self.task_id!r} is not a folder")
        env = dict(os.environ) if self.env is None or self.append_env else {}
        env.update(self.env or {})
        env.update(_context_env(context))
        self.log.info("Running command: %s", self.bash_command)
        sys.stdout.flush()
        process = subprocess.Popen(
            ["bash", "-c", self.bash_command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.cwd,
            restore_signals=True,
            start_new_session=False,
        )
        last_line = None
        assert process.stdout is not None
        try:
            for raw in process.stdout:
                last_line = raw.decode(self.output_encoding, errors="replace").rstrip("\n")
                sys.stdout.write(last_line + "\n")
                sys.stdout.flush()
            code = process.wait()
        except BaseException:
            process.send_signal(signal.SIGTERM)
            process.wait()
            raise
        self.log.info("Command exited with return code %s", code)
        if code in self.skip_on_exit_code:
            raise AirflowSkipException(f"Bash command returned exit code {code}: skipping")
        if code != 0:
            raise AirflowException(f"Bash command failed: the command returned a non-zero exit code {code}")
        return last_line


class DecoratedBashOperator(BashOperator):
    """``@task.bash``: the function returns the bash command, which is rendered as a template and run.

    The function is called at run time, with its arguments and the context values it names.
    """

    template_fields: Sequence[str] = ("op_args", "op_kwargs", "env", "cwd")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(bash_command="", **kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})

    @property
    def operator_name(self) -> str:
        return "@task.bash"

    def execute(self, context: Mapping[str, Any]) -> str | None:
        kwargs = determine_kwargs(self.python_callable, self.op_args, self.op_kwargs, context)
        command = self.python_callable(*self.op_args, **kwargs)
        if not isinstance(command, str) or not command.strip():
            raise TypeError(
                f"The function of @task.bash task {self.task_id!r} must return the bash command as a non-empty "
                f"string; it returned {command!r}"
            )
        self.bash_command = command
        self.template_fields = ("bash_command",)  # the command is rendered like BashOperator's, once it exists
        try:
            self.render_template_fields(context)
        finally:
            del self.template_fields
        return super().execute(context)


def _context_env(context: Mapping[str, Any]) -> dict[str, str]:
    """The AIRFLOW_CTX_* variables Airflow gives a bash command."""
    names = {"dag_id": "AIRFLOW_CTX_DAG_ID", "task_id": "AIRFLOW_CTX_TASK_ID", "run_id": "AIRFLOW_CTX_DAG_RUN_ID"}
    ti = context.get("ti")
    env = {var: str(getattr(ti, attr)) for attr, var in names.items() if ti is not None}
    if context.get("ts"):
        env["AIRFLOW_CTX_LOGICAL_DATE"] = str(context["ts"])
    return env
