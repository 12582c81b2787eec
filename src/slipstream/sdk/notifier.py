"""BaseNotifier: a notification that can stand where a callback goes.

``on_failure_callback=MyNotifier(...)`` on a task or a DAG: when the callback runs, the notifier
renders its template fields with the context (as an operator renders its own) and calls
``notify(context)``. Subclasses implement ``notify``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

log = logging.getLogger("slipstream.notifier")


class BaseNotifier:
    """Base of notifiers; subclass it, list the attributes to render in ``template_fields`` and
    implement ``notify(context)``."""

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()

    def __init__(self, context: Mapping[str, Any] | None = None) -> None:
        self.context = context

    def notify(self, context: Mapping[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement notify(context)")

    async def async_notify(self, context: Mapping[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} has no async_notify: Slipstream calls notify(context)")

    def render_template_fields(self, context: Mapping[str, Any], jinja_env: Any = None) -> None:
        """Render each attribute named in ``template_fields`` in place, with the DAG's Jinja environment."""
        from slipstream.sdk.templating import dag_environment, render_value

        env = jinja_env if jinja_env is not None else dag_environment(context.get("dag"))
        for field in self.template_fields:
            value = getattr(self, field)
            if value:
                setattr(self, field, render_value(value, context, env, tuple(self.template_ext)))

    def __call__(self, *args: Any) -> None:
        """Called as a callback, with the context."""
        if len(args) != 1 or not isinstance(args[0], Mapping):
            raise TypeError(
                f"{type(self).__name__} is called with the task's context as its only argument, as a callback is"
            )
        context = args[0]
        self.render_template_fields(context)
        try:
            self.notify(context)
        except Exception as error:
            log.error("%s failed to send its notification: %s", type(self).__name__, error)
            raise

    def __await__(self) -> Any:
        """Awaited (a deadline alert's ``AsyncCallback``): render with the context it was made
        with, then ``async_notify``."""
        context = self.context or {}
        self.render_template_fields(context)
        return self.async_notify(context).__await__()
