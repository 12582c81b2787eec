"""What a deadline alert calls when a DAG run misses its deadline (Airflow's ``SyncCallback`` and
``AsyncCallback``).

A callback is kept by its dotted path and its keyword arguments, so the serialized DAG holds it as
data; the scheduler hands it to a process of its own, which imports the path (after loading the DAG
file, so functions of the DAG file are found) and calls it with those arguments plus ``context``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

from slipstream.sdk.module_loading import is_valid_dotpath


class Callback:
    """A callable by path, with the keyword arguments it is called with (``context`` is added)."""

    kind = "callback"

    def __init__(self, callback_callable: Callable[..., Any] | str, kwargs: dict[str, Any] | None = None) -> None:
        self.path = self.get_callback_path(callback_callable)
        if kwargs is not None and not isinstance(kwargs, dict):
            raise TypeError(f"{type(self).__name__}: kwargs must be a dict, got {type(kwargs).__name__}")
        if kwargs and "context" in kwargs:
            raise ValueError(
                f"{type(self).__name__}: 'context' is a reserved keyword argument (the callback receives the "
                "context of the missed deadline under that name); rename it"
            )
        self.kwargs: dict[str, Any] = dict(kwargs or {})

    @classmethod
    def get_callback_path(cls, callback: Callable[..., Any] | str) -> str:
        """The dotted path the callback is imported by when it runs."""
        if callable(callback):
            cls.verify_callable(callback)
            qualname = getattr(callback, "__qualname__", None)
            if qualname is None:
                raise TypeError(
                    f"{cls.__name__}: {callback!r} is an object, not a function or class; give the function or "
                    "class itself (a notifier class is called with the kwargs, then with the context)"
                )
            if "<lambda>" in qualname or "<locals>" in qualname:
                raise ValueError(
                    f"{cls.__name__}: {qualname} cannot be imported by path when the deadline is missed; "
                    "use a function defined at the top level of a module or of the DAG file"
                )
            return f"{callback.__module__}.{qualname}"
        if not isinstance(callback, str) or not is_valid_dotpath(callback.strip()):
            raise ImportError(f"{cls.__name__}: `{callback}` doesn't look like a valid dot path.")
        return callback.strip()

    @classmethod
    def verify_callable(cls, callback: Callable[..., Any]) -> None:
        return None

    @classmethod
    def serialized_fields(cls) -> tuple[str, ...]:
        return ("path", "kwargs")

    def serialize(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.serialized_fields()}

    def to_json(self, where: str) -> dict[str, Any]:
        """The form kept in the serialized DAG and in each deadline row."""
        try:
            json.dumps(self.kwargs)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"{where}: the kwargs of {type(self).__name__}({self.path}) must be JSON values (strings, numbers, "
                f"lists, dicts) to be kept until the deadline: {error}"
            ) from None
        return {"kind": self.kind, **self.serialize()}

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return self.serialize() == other.serialize()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, json.dumps(self.serialize(), sort_keys=True, default=str)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r}, kwargs={self.kwargs!r})"


class AsyncCallback(Callback):
    """A coroutine function, run to completion in an event loop of the callback's process (Airflow
    runs it in the triggerer; Slipstream has none)."""

    kind = "async"

    def __init__(self, callback_callable: Callable[..., Any] | str, kwargs: dict[str, Any] | None = None) -> None:
        super().__init__(callback_callable, kwargs)

    @classmethod
    def verify_callable(cls, callback: Callable[..., Any]) -> None:
        if not (inspect.iscoroutinefunction(callback) or hasattr(callback, "__await__")):
            raise AttributeError(
                f"AsyncCallback: {callback!r} is not awaitable; give an `async def` function, or use SyncCallback"
            )


class SyncCallback(Callback):
    """A plain callable, run in a process of its own. ``executor`` is kept (Slipstream has one executor)."""

    kind = "sync"

    def __init__(
        self, callback_callable: Callable[..., Any] | str, kwargs: dict[str, Any] | None = None,
        executor: str | None = None,
    ) -> None:
        super().__init__(callback_callable, kwargs)
        self.executor = executor

    @classmethod
    def serialized_fields(cls) -> tuple[str, ...]:
        return (*super().serialized_fields(), "executor")
