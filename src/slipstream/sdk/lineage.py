"""Hook lineage (``airflow.sdk.lineage``): where provider hooks report what they read and wrote.

Provider hooks call ``get_hook_lineage_collector().add_input_asset(...)`` and friends. Slipstream
has no lineage backend, so the collector keeps what it is told for the life of the process
(readable with ``collected_assets``) and does nothing else with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class HookLineage:
    """What hooks reported: input and output assets (as given), and extra values by key."""

    inputs: list[tuple[Any, Any]] = field(default_factory=list)
    outputs: list[tuple[Any, Any]] = field(default_factory=list)
    extra: list[tuple[str, Any, Any]] = field(default_factory=list)


class HookLineageCollector:
    """Collects lineage reported by hooks: ``add_input_asset``, ``add_output_asset``, ``add_extra``."""

    def __init__(self, **kwargs: Any) -> None:
        self._lineage = HookLineage()

    @staticmethod
    def _asset(scheme: str | None, uri: str | None, name: str | None, asset: Any) -> Any:
        return asset if asset is not None else {"scheme": scheme, "uri": uri, "name": name}

    def add_input_asset(self, context: Any, scheme: str | None = None, uri: str | None = None,
                        name: str | None = None, asset: Any = None, **kwargs: Any) -> None:
        self._lineage.inputs.append((self._asset(scheme, uri, name, asset), context))

    def add_output_asset(self, context: Any, scheme: str | None = None, uri: str | None = None,
                         name: str | None = None, asset: Any = None, **kwargs: Any) -> None:
        self._lineage.outputs.append((self._asset(scheme, uri, name, asset), context))

    def add_extra(self, context: Any, key: str, value: Any) -> None:
        self._lineage.extra.append((key, value, context))

    @property
    def collected_assets(self) -> HookLineage:
        return self._lineage

    @property
    def has_collected(self) -> bool:
        return bool(self._lineage.inputs or self._lineage.outputs or self._lineage.extra)


NoOpCollector = HookLineageCollector
_collector: HookLineageCollector | None = None


def get_hook_lineage_collector() -> HookLineageCollector:
    """The process's collector."""
    global _collector
    if _collector is None:
        _collector = HookLineageCollector()
    return _collector

# What a hook passes as the ``context`` of a lineage call (itself, or the task's context).
LineageContext = Any
