"""BaseAsyncOperator: an operator whose work is a coroutine, ``aexecute(context)``, run to
completion in an event loop in the task process (not deferred: Slipstream has no triggerer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.context import run_to_completion


class BaseAsyncOperator(BaseOperator):
    """Subclasses implement ``async def aexecute(self, context)``; its result is the return value."""

    @property
    def is_async(self) -> bool:
        return True

    async def aexecute(self, context: Mapping[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement async def aexecute(context)")

    def execute(self, context: Mapping[str, Any]) -> Any:
        return run_to_completion(self.aexecute(context))
