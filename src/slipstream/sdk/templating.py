"""Jinja rendering of an operator's template_fields against the task's context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def make_environment(native: bool = False, searchpath: list[str] | None = None) -> Any:
    import jinja2
    import jinja2.nativetypes

    loader = jinja2.FileSystemLoader(searchpath or ["."])
    cls = jinja2.nativetypes.NativeEnvironment if native else jinja2.Environment
    return cls(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True, cache_size=0)


def render_value(value: Any, context: Mapping[str, Any], env: Any, template_ext: tuple[str, ...] = ()) -> Any:
    """Render strings with Jinja; walk lists, tuples, sets and dicts; resolve task outputs."""
    from slipstream.sdk.xcom_arg import XComArg

    if isinstance(value, XComArg):
        return value.resolve(context)
    if isinstance(value, str):
        if template_ext and value.endswith(template_ext):
            return env.get_template(value).render(**context)
        if "{{" not in value and "{%" not in value and "{#" not in value:
            return value
        return env.from_string(value).render(**context)
    if isinstance(value, (list, tuple, set)):
        rendered = [render_value(v, context, env, template_ext) for v in value]
        return type(value)(rendered) if not isinstance(value, tuple) or type(value) is tuple else type(value)(*rendered)
    if isinstance(value, dict):
        return {k: render_value(v, context, env, template_ext) for k, v in value.items()}
    return value
