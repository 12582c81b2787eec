"""BaseAsyncOperator: an operator whose work is ``async def aexecute(context)``, run in the task's
own process in an event loop (not deferred: there is no triggerer)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from slipstream.sdk.baseoperator import BaseOperator


class BaseAsyncOperator(BaseOperator):
    """Subclasses implement ``aexecute(context)``; ``execute`` runs it to completion, within
    ``execution_timeout`` when one is set."""

    @property
    def is_async(self) -> bool:
        return True

    async def aexecute(self, context: Mapping[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement async def aexecute(context)")

    def execute(self, context: Mapping[str, Any]) -> Any:
        work = self.aexecute(context)
        if self.execution_timeout is not None:
            work = asyncio.wait_for(work, timeout=self.execution_timeout.total_seconds())
        return asyncio.run(work)
