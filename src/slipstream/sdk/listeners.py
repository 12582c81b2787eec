"""``airflow.listeners.hookimpl``: listener files load, but Slipstream calls no listeners.

Listeners are registered by Airflow plugins, which Slipstream does not load; the decorator
returns the function unchanged so a module that defines listeners still imports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def hookimpl(function: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``@hookimpl`` or ``@hookimpl(...)``: the function, unchanged (Slipstream never calls it)."""
    if function is None:
        return lambda inner: inner
    return function
