"""The task's context: what a running task knows about its run (ds, params, ti, ...)."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any, NamedTuple, TypedDict

# Airflow's retention for a task state store key that never expires (``airflow.sdk.NEVER_EXPIRE``).
NEVER_EXPIRE = timedelta.max

_current_context: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "slipstream_task_context", default=None
)


class Context(TypedDict, total=False):
    """The keys of a task's context, for annotations (``def f(**context: Context)``)."""

    conf: Any
    conn: Any
    dag: Any
    dag_run: Any
    data_interval_end: Any
    data_interval_start: Any
    ds: str
    ds_nodash: str
    exception: BaseException
    inlets: list[Any]
    inlet_events: Any
    logical_date: Any
    macros: Any
    map_index: int
    map_index_template: str
    outlets: list[Any]
    outlet_events: Any
    params: dict[str, Any]
    prev_data_interval_start_success: Any
    prev_data_interval_end_success: Any
    prev_start_date_success: Any
    prev_end_date_success: Any
    run_id: str
    task: Any
    task_instance: Any
    task_instance_key_str: str
    test_mode: bool
    templates_dict: dict[str, Any] | None
    ti: Any
    task_state_store: Any
    triggering_asset_events: Any
    try_number: int
    ts: str
    ts_nodash: str
    ts_nodash_with_tz: str
    var: Any


class ParsingContext(NamedTuple):
    """What the DAG file is being imported for: a task run names its DAG and task; otherwise both are None."""

    dag_id: str | None
    task_id: str | None


_parsing_context = ParsingContext(None, None)


def get_parsing_context() -> ParsingContext:
    """``dag_id``/``task_id`` of the task the DAG file is being imported to run, or None for both
    when it is parsed for all its DAGs (the DAG file processor, a zygote that serves every task)."""
    return _parsing_context


@contextlib.contextmanager
def parsing_for(dag_id: str | None, task_id: str | None) -> Iterator[None]:
    """Import DAG files inside this block for one task: ``get_parsing_context()`` names it."""
    global _parsing_context
    previous, _parsing_context = _parsing_context, ParsingContext(dag_id, task_id)
    try:
        yield
    finally:
        _parsing_context = previous


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
