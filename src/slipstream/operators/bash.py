"""BashOperator: run a bash command; its output goes to the task log."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
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


def _unchanged(output: str) -> Any:
    return output


class BashOperator(BaseOperator):
    """Run ``bash_command`` with bash; a non-zero exit fails the task and ``skip_on_exit_code`` skips it.

    The last line the command writes, passed through ``output_processor``, is the task's
    return value. Without ``cwd`` the command runs in a temporary folder, removed afterwards.
    ``env`` replaces the environment (``append_env=True``: is added to it)."""

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
        output_processor: Callable[[str], Any] = _unchanged,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(output_processor):
            raise TypeError(
                f"Task {self.task_id!r}: output_processor must be a function of the command's last line, "
                f"got {output_processor!r}"
            )
        self.output_processor = output_processor
        self.bash_command = bash_command
        self.env = env
        self.append_env = append_env
        self.output_encoding = output_encoding
        self.skip_on_exit_code = exit_codes(skip_on_exit_code)
        self.cwd = cwd

    def get_env(self, context: Mapping[str, Any]) -> dict[str, str]:
        """The command's environment: ``env`` (with ``append_env``, over this process's own, which is
        also what it gets without ``env``), plus the AIRFLOW_CTX_* variables of the try."""
        env = dict(os.environ) if self.env is None or self.append_env else {}
        env.update(self.env or {})
        env.update(_context_env(context))
        return env

    def execute(self, context: Mapping[str, Any]) -> Any:
        if self.cwd is not None and not os.path.exists(self.cwd):
            raise AirflowException(f"The cwd {self.cwd!r} of task {self.task_id!r} does not exist")
        if self.cwd is not None and not os.path.isdir(self.cwd):
            raise AirflowException(f"The cwd {self.cwd!r} of task {self.task_id!r} must be a folder")
        env = self.get_env(context)
        self.log.info("Running command: %s", self.bash_command)
        sys.stdout.flush()
        with _working_folder(self.cwd) as cwd:
            code, last_line = self._run(env, cwd)
        self.log.info("Command exited with return code %s", code)
        if code in self.skip_on_exit_code:
            raise AirflowSkipException(f"Bash command returned exit code {code}: skipping")
        if code != 0:
            raise AirflowException(f"Bash command failed: the command returned a non-zero exit code {code}")
        return self.output_processor(last_line)

    def _run(self, env: dict[str, str], cwd: str) -> tuple[int, str]:
        """Run the command, its output copied to the log; its exit code and last line ("" without output)."""
        process = subprocess.Popen(
            ["bash", "-c", self.bash_command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            restore_signals=True,
            start_new_session=False,
        )
        last_line = ""
        assert process.stdout is not None
        try:
            for raw in process.stdout:
                last_line = raw.decode(self.output_encoding, errors="replace").rstrip()
                sys.stdout.write(last_line + "\n")
                sys.stdout.flush()
            code = process.wait()
        except BaseException:
            process.send_signal(signal.SIGTERM)
            process.wait()
            raise
        return code, last_line


@contextlib.contextmanager
def _working_folder(cwd: str | None) -> Iterator[str]:
    """``cwd``, or (as Airflow does) a temporary folder that is removed when the command ends."""
    if cwd is not None:
        yield cwd
        return
    with tempfile.TemporaryDirectory(prefix="slipstreamtmp") as folder:
        yield folder


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

    def execute(self, context: Mapping[str, Any]) -> Any:
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
    names = {
        "dag_id": "AIRFLOW_CTX_DAG_ID", "task_id": "AIRFLOW_CTX_TASK_ID", "run_id": "AIRFLOW_CTX_DAG_RUN_ID",
        "try_number": "AIRFLOW_CTX_TRY_NUMBER",
    }
    ti = context.get("ti")
    env = {var: str(getattr(ti, attr)) for attr, var in names.items() if ti is not None}
    if context.get("ts"):
        env["AIRFLOW_CTX_LOGICAL_DATE"] = str(context["ts"])
    owner = getattr(context.get("task"), "owner", None)
    if owner:
        env["AIRFLOW_CTX_DAG_OWNER"] = str(owner)
    return env
