"""Jinja rendering of an operator's template_fields against the task's context.

As in Airflow: each DAG has one environment (its folder and ``template_searchpath`` to find
template files, ``user_defined_macros`` as globals, ``user_defined_filters``, StrictUndefined,
``render_template_as_native_obj`` for Python objects instead of text); a field value that ends
with one of the operator's ``template_ext`` is the name of a template file; strings are rendered,
lists, tuples, sets and dict values are walked, task outputs are resolved, and objects with
``template_fields`` of their own are rendered in place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
import jinja2.nativetypes

from slipstream.sdk.exceptions import AirflowException

_TEMPLATE_FRAMES = ("top-level template code", "template")
_MARKERS = ("{{", "{%", "{#")


class TemplateRenderError(AirflowException):
    """A template field of a task could not be rendered; the message says where."""

    def __init__(self, message: str, *, task_id: str, field: str, template: str | None, line: int | None) -> None:
        super().__init__(message)
        self.task_id = task_id
        self.field = field
        self.template = template
        self.line = line


class LiteralValue:
    """A template field value kept as it is, never rendered (``literal("{{ not a template }}")``)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"LiteralValue({self.value!r})"


def literal(value: Any) -> LiteralValue:
    """Wrap a template field value so it is passed on without rendering."""
    return LiteralValue(value)


def _filters() -> dict[str, Any]:
    """Airflow's date filters: ``{{ data_interval_start | ds }}``."""
    return {
        "ds": lambda value: value.strftime("%Y-%m-%d"),
        "ds_nodash": lambda value: value.strftime("%Y%m%d"),
        "ts": lambda value: value.isoformat(),
        "ts_nodash": lambda value: value.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": lambda value: value.isoformat().replace("-", "").replace(":", ""),
    }


def make_environment(
    native: bool = False,
    searchpath: Sequence[str] | None = None,
    *,
    macros: Mapping[str, Any] | None = None,
    filters: Mapping[str, Any] | None = None,
    undefined: Any = None,
    options: Mapping[str, Any] | None = None,
) -> Any:
    """A Jinja environment configured as Airflow configures a DAG's (``options`` are the DAG's
    ``jinja_environment_kwargs`` and win over the defaults)."""
    settings: dict[str, Any] = {
        "loader": _Loader(list(searchpath or ["."])),
        "undefined": undefined or jinja2.StrictUndefined,
        "extensions": ["jinja2.ext.do"],
        "cache_size": 0,
    }
    settings.update(options or {})
    cls = jinja2.nativetypes.NativeEnvironment if native else jinja2.Environment
    env = cls(**settings)
    env.filters.update(_filters())
    env.filters.update(filters or {})
    env.globals.update(macros or {})
    # Text without Jinja markers renders to itself: such strings skip Jinja (most of them do),
    # unless the syntax was changed or native rendering may turn "123" into a number.
    env.slipstream_plain_text_is_verbatim = not native and not any(
        (env.line_statement_prefix, env.line_comment_prefix)
    ) and (env.variable_start_string, env.block_start_string, env.comment_start_string) == ("{{", "{%", "{#")
    return env


class _Loader(jinja2.FileSystemLoader):
    """The DAG's folders, and (unlike Jinja's own loader) an absolute path as it is."""

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        if os.path.isabs(template) and os.path.isfile(template):
            with open(template, encoding=self.encoding) as file:
                source = file.read()
            mtime = os.path.getmtime(template)
            return source, template, lambda: os.path.isfile(template) and os.path.getmtime(template) == mtime
        return super().get_source(environment, template)


def dag_searchpath(dag: Any) -> list[str]:
    """The DAG file's folder, then the DAG's ``template_searchpath``."""
    folder = os.path.dirname(dag.fileloc) if getattr(dag, "fileloc", None) else "."
    extra = _dag_argument(dag, "template_searchpath") or []
    return [folder, *([extra] if isinstance(extra, str) else list(extra))]


def _dag_argument(dag: Any, name: str) -> Any:
    return (getattr(dag, "extra_arguments", None) or {}).get(name)


def dag_environment(dag: Any) -> Any:
    """The DAG's environment, built once per DAG object."""
    env = dag.__dict__.get("_slipstream_template_env") if dag is not None else None
    if env is not None:
        return env
    if dag is None:
        return make_environment()
    env = make_environment(
        native=bool(_dag_argument(dag, "render_template_as_native_obj")),
        searchpath=dag_searchpath(dag),
        macros=_dag_argument(dag, "user_defined_macros"),
        filters=_dag_argument(dag, "user_defined_filters"),
        undefined=_dag_argument(dag, "template_undefined"),
        options=_dag_argument(dag, "jinja_environment_kwargs"),
    )
    dag.__dict__["_slipstream_template_env"] = env
    return env


def render_value(value: Any, context: Mapping[str, Any], env: Any, template_ext: tuple[str, ...] = ()) -> Any:
    """Render strings with Jinja; walk lists, tuples, sets and dicts; resolve task outputs.

    Errors are raised as Jinja (or the failing macro) raised them; ``render_template_fields``
    turns them into a TemplateRenderError that says where."""
    return _render(value, context, env, tuple(template_ext), "", set())


def _render(value: Any, context: Mapping[str, Any], env: Any, ext: tuple[str, ...], path: str, seen: set[int]) -> Any:
    from slipstream.sdk.xcom_arg import XComArg

    if isinstance(value, str):
        return _render_string(value, context, env, ext, path)
    if isinstance(value, LiteralValue):
        return value.value
    if isinstance(value, XComArg):
        return value.resolve(context)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_render(v, context, env, ext, f"{path}[{i}]", seen) for i, v in enumerate(value)]
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return type(value)(*items)
        return type(value)(items)
    if isinstance(value, dict):
        return {k: _render(v, context, env, ext, f"{path}[{k!r}]", seen) for k, v in value.items()}
    nested = getattr(value, "template_fields", None)
    if nested and not isinstance(value, type) and id(value) not in seen:
        seen.add(id(value))
        for name in nested:
            setattr(value, name, _render(getattr(value, name), context, env, ext, f"{path}.{name}", seen))
    return value


def _render_string(value: str, context: Mapping[str, Any], env: Any, ext: tuple[str, ...], path: str) -> Any:
    from_file = bool(ext) and value.endswith(ext)
    if (
        not from_file
        and getattr(env, "slipstream_plain_text_is_verbatim", False)
        and not any(marker in value for marker in _MARKERS)
        and not value.endswith(("\n", "\r"))
    ):
        return value
    try:
        template = env.get_template(value) if from_file else env.from_string(value)
        return template.render(**context)
    except Exception as error:
        if not hasattr(error, "_slipstream_where"):
            error._slipstream_where = (path, value if from_file else None, _template_line(error, value))  # type: ignore[attr-defined]
        raise


def _template_line(error: BaseException, name: str) -> int | None:
    """The line of the template where rendering failed: Jinja's own for a syntax error, else the
    innermost template frame of the traceback (Jinja rewrites it to point into the template)."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        return error.lineno
    line = None
    tb = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name in _TEMPLATE_FRAMES or code.co_name.startswith("block "):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_template_fields(task: Any, context: Mapping[str, Any], env: Any = None) -> dict[str, Any]:
    """Render every template field of ``task`` in place; return the rendered values by field name.

    An empty value is left as it is. A failure is raised as TemplateRenderError naming the task,
    the field, the template file (if any) and the line; the error the task itself raises on
    purpose (AirflowException, skip, fail) passes through unchanged."""
    if env is None:
        env = dag_environment(getattr(task, "dag", None))
    ext = tuple(task.template_ext)
    seen: set[int] = set()
    rendered: dict[str, Any] = {}
    for field in task.template_fields:
        try:
            value = getattr(task, field)
        except AttributeError:
            raise AttributeError(
                f"{field!r} is in template_fields of {type(task).__name__} (task {task.task_id!r}), "
                "but the operator has no such attribute"
            ) from None
        if _is_empty(value):
            rendered[field] = value
            continue
        try:
            value = _render(value, context, env, ext, "", seen)
        except AirflowException:
            raise
        except Exception as error:
            path, template, line = getattr(error, "_slipstream_where", ("", None, None))
            where = ", ".join(
                part for part in (template, f"line {line}" if line is not None else None) if part
            )
            reason = str(error) if isinstance(error, jinja2.TemplateError) else f"{type(error).__name__}: {error}"
            if isinstance(error, jinja2.TemplateNotFound):
                reason = f"template file {error.name!r} not found in {', '.join(getattr(env.loader, 'searchpath', []))}"
            message = f"Template error in {field}{path} of task {task.task_id!r}" + (f" ({where})" if where else "")
            raise TemplateRenderError(
                f"{message}: {reason}", task_id=task.task_id, field=field + path, template=template, line=line
            ) from error
        setattr(task, field, value)
        rendered[field] = value
    return rendered


def _is_empty(value: Any) -> bool:
    try:
        return not value
    except Exception:  # noqa: BLE001 - an object without a truth value (a data frame) is rendered
        return False
