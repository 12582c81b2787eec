"""BashSensor: done when a bash command exits 0."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from slipstream.sdk.exceptions import AirflowFailException
from slipstream.sensors.base import BaseSensorOperator

__all__ = ["BashSensor"]


class BashSensor(BaseSensorOperator):
    """Runs ``bash_command`` at each poke, in a temporary folder: exit code 0 ends the wait.
    Any other code pokes again later, unless ``retry_exit_code`` is set: then only that code
    pokes again and the others fail the task."""

    template_fields: Sequence[str] = ("bash_command", "env")

    def __init__(
        self,
        *,
        bash_command: str,
        env: dict[str, str] | None = None,
        output_encoding: str = "utf-8",
        retry_exit_code: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.output_encoding = output_encoding
        self.retry_exit_code = retry_exit_code

    def poke(self, context: Mapping[str, Any]) -> bool:
        self.log.info("Running command: %s", self.bash_command)
        with tempfile.TemporaryDirectory(prefix="slipstreamtmp") as folder:
            done = subprocess.run(
                ["bash", "-c", self.bash_command], cwd=folder, env=self.env, capture_output=True, check=False,
            )
        for line in (done.stdout + done.stderr).decode(self.output_encoding, errors="replace").splitlines():
            self.log.info("%s", line)
        self.log.info("Command exited with return code %s", done.returncode)
        if done.returncode == 0:
            return True
        if self.retry_exit_code is not None and done.returncode != self.retry_exit_code:
            raise AirflowFailException(
                f"Command exited with return code {done.returncode} (only {self.retry_exit_code} means: poke again)"
            )
        return False
