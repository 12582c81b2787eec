"""The task's context: what a running task knows about its run (ds, params, ti, ...)."""

from __future__ import annotations

import contextlib
import contextvars
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

_current_context: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "slipstream_task_context", default=None
)


def get_current_context() -> Mapping[str, Any]:
    """The context of the task that is running now; only valid inside a running task."""
    context = _current_context.get()
    if context is None:
        raise RuntimeError(
            "get_current_context() was called outside a running task: call it inside a task's function"
        )
    return context


@contextlib.contextmanager
def set_current_context(context: Mapping[str, Any]) -> Iterator[None]:
    token = _current_context.set(context)
    try:
        yield
    finally:
        _current_context.reset(token)


def determine_kwargs(
    function: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Keyword arguments for ``function``: ``kwargs`` plus the context keys it names as parameters.

    A function with ``**kwargs`` gets the whole context.
    """
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return {**context, **kwargs}
    filled_by_position = {
        p.name for p in parameters[: len(args)] if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    }
    result = dict(kwargs)
    for p in parameters:
        if p.kind in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY) or p.name in filled_by_position or p.name in result:
            continue
        if p.name in context:
            result[p.name] = context[p.name]
    return result
