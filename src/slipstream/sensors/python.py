"""PythonSensor: wait until a Python function returns something true."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from slipstream.sdk.context import call_python, checked_callable
from slipstream.sensors.base import BaseSensorOperator, PokeReturnValue

__all__ = ["PythonSensor"]


class PythonSensor(BaseSensorOperator):
    """Each poke calls ``python_callable(*op_args, **op_kwargs)`` (plus the context keys it names);
    a true result, or a ``PokeReturnValue`` that is done, ends the wait."""

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.python_callable = checked_callable(self.task_id, python_callable)
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict

    def poke(self, context: Mapping[str, Any]) -> PokeReturnValue:
        self.log.info("Poking callable: %s", getattr(self.python_callable, "__name__", self.python_callable))
        result = call_python(self.python_callable, self.op_args, self.op_kwargs, self.templates_dict, context)
        return result if isinstance(result, PokeReturnValue) else PokeReturnValue(bool(result))
