"""PythonOperator: call a Python function with its arguments and the context it asks for."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.context import (
    checked_callable,
    determine_kwargs,
    get_current_context,
    is_async_callable,
    run_to_completion,
)
from slipstream.sdk.task_log import write_line

__all__ = ["PythonOperator", "get_current_context"]


class PythonOperator(BaseOperator):
    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: Sequence[str] | None = None,
        show_return_value_in_logs: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.python_callable = checked_callable(self.task_id, python_callable)
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        if templates_exts:
            self.template_ext = tuple(templates_exts)
        self.show_return_value_in_logs = show_return_value_in_logs

    @property
    def is_async(self) -> bool:
        """True when ``python_callable`` is ``async def``: it is run to completion in an event loop."""
        return is_async_callable(self.python_callable)

    def execute(self, context: Mapping[str, Any]) -> Any:
        self.op_kwargs = self.determine_kwargs(context)
        result = self.execute_callable()
        if self.show_return_value_in_logs:
            write_line(f"Done. Returned value was: {result!r}")
        else:
            write_line("Done. Returned value not shown")
        return result

    def determine_kwargs(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """``op_kwargs`` plus the context values (and ``templates_dict``) the function names."""
        return determine_kwargs(
            self.python_callable, self.op_args, self.op_kwargs, {**context, "templates_dict": self.templates_dict}
        )

    def execute_callable(self) -> Any:
        """Call ``python_callable`` with ``op_args`` and the keyword arguments ``execute`` worked
        out; an ``async def`` one runs to completion in an event loop. Subclasses may override it."""
        if self.is_async:
            return run_to_completion(self.python_callable(*self.op_args, **self.op_kwargs))
        return self.python_callable(*self.op_args, **self.op_kwargs)


_ELSEWHERE = {
    "BranchPythonOperator": "branching",
    "ShortCircuitOperator": "branching",
    "PythonVirtualenvOperator": "python_virtualenv",
    "ExternalPythonOperator": "python_virtualenv",
    "BranchPythonVirtualenvOperator": "python_virtualenv",
    "BranchExternalPythonOperator": "python_virtualenv",
}


def __getattr__(name: str) -> Any:
    """Airflow keeps the branching and virtualenv operators in this module; they live in modules of their own."""
    if name in _ELSEWHERE:
        import importlib

        return getattr(importlib.import_module(f"slipstream.operators.{_ELSEWHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
