"""The task's context: what a running task knows about its run (ds, params, ti, ...)."""

from __future__ import annotations

import contextlib
import contextvars
import functools
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
    parameters = parameters_of(function)
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


def _parameters(function: Callable[..., Any]) -> tuple[inspect.Parameter, ...]:
    return tuple(inspect.signature(function).parameters.values())


_cached_parameters = functools.lru_cache(maxsize=4096)(_parameters)


def parameters_of(function: Callable[..., Any]) -> tuple[inspect.Parameter, ...]:
    """The parameters of ``function``, worked out once per function: a zygote works them out for
    its DAG's callables, so a task process forked from it only looks them up."""
    try:
        return _cached_parameters(function)
    except TypeError:  # unhashable (a bound method of an unhashable object)
        return _parameters(function)


def checked_callable(task_id: str, function: Any) -> Callable[..., Any]:
    """A task's ``python_callable``, refused when it cannot be called."""
    if not callable(function):
        from slipstream.sdk.exceptions import DagDefinitionError

        raise DagDefinitionError(
            f"Task {task_id!r}: python_callable must be a function, got {type(function).__name__}"
        )
    return function


def call_python(
    function: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any], templates_dict: Any,
    context: Mapping[str, Any],
) -> Any:
    """Call a task's function with its op_args, its op_kwargs and the context keys (and
    ``templates_dict``) it names as parameters."""
    named = determine_kwargs(function, args, kwargs, {**context, "templates_dict": templates_dict})
    if is_async_callable(function):
        return run_to_completion(function(*args, **named))
    return function(*args, **named)


def is_async_callable(function: Any) -> bool:
    """True for an ``async def`` function, also behind ``functools.partial``/decorators that keep
    ``__wrapped__``, and for an object whose ``__call__`` is ``async def``."""
    while isinstance(function, functools.partial):
        function = function.func
    function = inspect.unwrap(function)
    if inspect.iscoroutinefunction(function):
        return True
    if inspect.isfunction(function) or inspect.ismethod(function) or not callable(function):
        return False
    return inspect.iscoroutinefunction(type(function).__call__)


def run_to_completion(coroutine: Any) -> Any:
    """Run an async task's coroutine in an event loop of its own until it returns.

    The try's ``execution_timeout`` still applies: its alarm interrupts the loop, and the
    loop's pending tasks are cancelled as it closes."""
    import asyncio

    return asyncio.run(coroutine)
