"""``@asset``: a function that materializes an asset becomes a DAG with one task producing it.

::

    @asset(uri="s3://bucket/raw", schedule="@daily")
    def raw(): ...                        # DAG "raw", task "raw", outlets=[the asset]

    @asset(schedule=raw)
    def cleaned(self, context, raw): ...  # "raw" is an inlet, passed in as the Asset

The function's parameters are filled at run time: ``self`` is the asset, ``context`` the task
context, ``outlet_events`` the context's, and any other parameter without a default the asset
of that name (an inlet of the task). ``@asset.multi(outlets=[...])`` produces several assets.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from slipstream.operators.python import PythonOperator
from slipstream.sdk.assets import Asset, AssetAll, BaseAsset
from slipstream.sdk.dag import DAG

_NOT_INLETS = ("self", "context", "outlet_events")

_DAG_ARGUMENTS = (
    "dag_id", "dag_display_name", "description", "params", "on_success_callback", "on_failure_callback",
    "access_control", "owner_links", "tags", "is_paused_upon_creation",
)


def _check_function(function: Callable[..., Any], decorator: str) -> None:
    if not callable(function):
        raise TypeError(f"{decorator} must decorate a function, got {type(function).__name__}")
    if function.__name__ != function.__qualname__:
        raise ValueError(f"{decorator} cannot decorate the nested function {function.__qualname__!r}: define it at module level")
    for name, param in inspect.signature(function).parameters.items():
        if param.kind is param.VAR_POSITIONAL or param.kind is param.VAR_KEYWORD:
            raise TypeError(f"{decorator} function {function.__name__!r}: '*{name}'/'**{name}' parameters are not supported")
        if param.kind is param.POSITIONAL_ONLY and param.default is param.empty:
            raise TypeError(
                f"{decorator} function {function.__name__!r}: the positional-only parameter {name!r} needs a default"
            )


def _inlet_names(function: Callable[..., Any]) -> list[str]:
    return [
        name for name, param in inspect.signature(function).parameters.items()
        if name not in _NOT_INLETS and param.default is param.empty
    ]


class AssetMainOperator(PythonOperator):
    """The task of an ``@asset`` DAG: calls the function with the asset, the context and its inlets."""

    def __init__(self, *, definition: Asset | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.definition = definition

    @property
    def operator_name(self) -> str:
        return "@asset"

    def execute(self, context: Mapping[str, Any]) -> Any:
        values: dict[str, Any] = {}
        for name, param in inspect.signature(self.python_callable).parameters.items():
            if param.default is not param.empty:
                values[name] = param.default
            elif name == "self":
                values[name] = self.definition
            elif name == "context":
                values[name] = context
            elif name == "outlet_events":
                values[name] = context["outlet_events"]
            else:
                values[name] = context["inlet_events"].resolve(Asset.ref(name=name))
        return self.python_callable(**values)


class _DagFactory:
    """The DAG arguments ``@asset`` and ``@asset.multi`` take."""

    def __init__(self, *, schedule: Any, **dag_arguments: Any) -> None:
        unknown = set(dag_arguments) - set(_DAG_ARGUMENTS)
        if unknown:
            raise TypeError(f"{type(self).__qualname__}() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        self.schedule = schedule
        self.dag_arguments = {k: v for k, v in dag_arguments.items() if v is not None}

    def _build(self, default_dag_id: str, function: Callable[..., Any], outlets: list[BaseAsset], definition: Any) -> DAG:
        arguments = dict(self.dag_arguments)
        dag_id = arguments.pop("dag_id", None) or default_dag_id
        with DAG(
            dag_id, schedule=self.schedule, catchup=False, fileloc=inspect.getsourcefile(function) or None, **arguments
        ) as dag:
            AssetMainOperator(
                task_id=function.__name__, python_callable=function, definition=definition,
                inlets=[Asset.ref(name=name) for name in _inlet_names(function)], outlets=outlets,
            )
        return dag


class AssetDefinition(Asset):
    """The asset an ``@asset`` function materializes (usable wherever an Asset is)."""

    def __init__(self, *, function: Callable[..., Any], source: asset, **asset_arguments: Any) -> None:
        super().__init__(**asset_arguments)
        self.function = function
        self.dag = source._build(self.name, function, [self], Asset(self.name, self.uri, group=self.group, extra=self.extra))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


class MultiAssetDefinition(AssetAll):
    """The assets an ``@asset.multi`` function materializes: all of them, as a condition."""

    def __init__(self, *, function: Callable[..., Any], source: _Multi) -> None:
        super().__init__(*source.outlets)
        self.name = function.__name__
        self.function = function
        self.dag = source._build(function.__name__, function, list(source.outlets), None)


class _Multi(_DagFactory):
    def __init__(self, *, outlets: list[BaseAsset], schedule: Any, **dag_arguments: Any) -> None:
        super().__init__(schedule=schedule, **dag_arguments)
        if not outlets:
            raise ValueError("@asset.multi(outlets=[...]) needs at least one asset")
        self.outlets = list(outlets)

    def __call__(self, function: Callable[..., Any]) -> MultiAssetDefinition:
        _check_function(function, "@asset.multi")
        return MultiAssetDefinition(function=function, source=self)


class asset(_DagFactory):  # noqa: N801 - Airflow's name
    """``@asset(schedule=..., name=..., uri=..., group=..., extra=...)``; see the module docstring."""

    multi = _Multi

    def __init__(
        self,
        *,
        schedule: Any,
        name: str | None = None,
        uri: Any = None,
        group: str = "asset",
        extra: dict[str, Any] | None = None,
        watchers: list[Any] | None = None,
        **dag_arguments: Any,
    ) -> None:
        super().__init__(schedule=schedule, **dag_arguments)
        self.name, self.uri, self.group, self.extra, self.watchers = name, uri, group, extra, watchers

    def __call__(self, function: Callable[..., Any]) -> AssetDefinition:
        _check_function(function, "@asset")
        name = self.name or function.__name__
        return AssetDefinition(
            function=function, source=self, name=name, uri=name if self.uri is None else str(self.uri),
            group=self.group, extra=self.extra, watchers=self.watchers,
        )
