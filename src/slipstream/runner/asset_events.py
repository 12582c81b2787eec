"""Assets in a running task: ``outlet_events`` (the extra of the events this try will record, and
events added through aliases), ``inlet_events`` (the recorded events of the task's inlets) and
``triggering_asset_events`` (the events that triggered an asset-triggered run).

Reads go through the try's store only when a task looks at them; a task without assets costs
nothing. The events to record leave with the try's result (``collect``), written in the same
transaction as its success.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slipstream.runner.try_store import TryStore
from slipstream.sdk.assets import Asset, AssetAlias, AssetNameRef, AssetRef, AssetUriRef, Metadata

log = logging.getLogger("slipstream.task")

ASSET_TRIGGERED = "asset_triggered"
MAX_PARTITION_KEY_LENGTH = 250


@dataclass(frozen=True)
class SourceDagRun:
    """The run whose task recorded an event (``event.source_dag_run.logical_date``...)."""

    dag_id: str
    run_id: str
    run_type: str
    state: str
    logical_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    conf: dict[str, Any] | None = None


class AssetEvent:
    """One recorded update of an asset, as a task reads it."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        asset = data["asset"]
        self.id: int = data["id"]
        self.asset = Asset(name=asset["name"], uri=asset["uri"], group=asset["group"], extra=asset["extra"])
        self.extra: dict[str, Any] = dict(data["extra"])
        self.source_dag_id: str | None = data["source_dag_id"]
        self.source_run_id: str | None = data["source_run_id"]
        self.source_task_id: str | None = data["source_task_id"]
        self.source_map_index: int = data["source_map_index"]
        self.timestamp: datetime = data["timestamp"]
        self.source_aliases = [AssetAlias(name) for name in data.get("source_aliases") or ()]
        run = data.get("source_dag_run")
        self.source_dag_run = None if run is None else SourceDagRun(**run)
        self.partition_key: str | None = data.get("partition_key")

    @property
    def uri(self) -> str:
        return self.asset.uri

    @property
    def dataset(self) -> Asset:
        """Airflow 2's name for ``asset`` (a ``DatasetEvent``)."""
        return self.asset

    def __repr__(self) -> str:
        return (
            f"AssetEvent(asset={self.asset.name!r}, extra={self.extra!r}, source={self.source_dag_id}."
            f"{self.source_task_id} {self.source_run_id}, timestamp={self.timestamp.isoformat()})"
        )


def _store_needed(store: TryStore | None, what: str) -> TryStore:
    if store is None:
        raise RuntimeError(f"Reading {what} needs the store; this try runs without one (tasks test)")
    return store


def _resolve(store: TryStore | None, ref: AssetRef) -> Asset:
    found = _store_needed(store, f"the asset {ref!r}").find_asset(
        name=ref.value if isinstance(ref, AssetNameRef) else None, uri=ref.value if isinstance(ref, AssetUriRef) else None
    )
    if found is None:
        raise KeyError(f"No asset is known with {ref.field} {ref.value!r}: no DAG names it and no task updated it")
    return Asset(**found)


# -- outlet events ------------------------------------------------------------------------------


class OutletEventAccessor:
    """``outlet_events[asset]``: set ``extra`` for the asset's event; on an alias, ``add`` an event
    for an asset chosen at run time."""

    def __init__(self, key: Asset | AssetAlias) -> None:
        self.key = key
        self.extra: dict[str, Any] = {}
        self.asset_alias_events: list[tuple[Asset, dict[str, Any]]] = []
        self.partition_keys: set[str] = set()

    def add_partitions(self, keys: str | list[str]) -> None:
        """Record the asset's event for these partition keys (one event per key) rather than for the
        run's partition."""
        if isinstance(self.key, AssetAlias):
            raise TypeError(f"outlet_events[{self.key!r}].add_partitions(): partition keys go on an asset's events, "
                            "not on an alias's")
        for key in [keys] if isinstance(keys, str) else list(keys):
            if not isinstance(key, str) or not key.strip():
                raise ValueError(f"A partition key must be a non-empty string, got {key!r}")
            if len(key) > MAX_PARTITION_KEY_LENGTH:
                raise ValueError(f"A partition key must be at most {MAX_PARTITION_KEY_LENGTH} characters, got {len(key)}")
            self.partition_keys.add(key)

    def add(self, asset: Asset | AssetRef, extra: dict[str, Any] | None = None) -> None:
        if not isinstance(self.key, AssetAlias):
            return
        if not isinstance(asset, (Asset, AssetRef)):
            raise TypeError(f"outlet_events[{self.key!r}].add() needs an Asset, got {type(asset).__name__}: {asset!r}")
        self.asset_alias_events.append((asset, dict(extra or {})))

    def __repr__(self) -> str:
        return f"OutletEventAccessor(key={self.key!r}, extra={self.extra!r})"


class OutletEventAccessors(Mapping[Any, OutletEventAccessor]):
    def __init__(self, store: TryStore | None, partition_key: str | None = None) -> None:
        self._store = store
        self._by_key: dict[Any, OutletEventAccessor] = {}
        self.partition_key = partition_key  # the run's: the key of its events unless a task adds partitions

    def _key(self, key: Any) -> tuple[Any, Asset | AssetAlias]:
        if isinstance(key, AssetRef):
            key = _resolve(self._store, key)
        if isinstance(key, Asset):
            return ("asset", key.name, key.uri), key
        if isinstance(key, AssetAlias):
            return ("alias", key.name), key
        raise TypeError(f"outlet_events is indexed by an Asset or an AssetAlias, not {type(key).__name__}: {key!r}")

    def __getitem__(self, key: Any) -> OutletEventAccessor:
        hashable, item = self._key(key)
        if hashable not in self._by_key:
            self._by_key[hashable] = OutletEventAccessor(item)
        return self._by_key[hashable]

    def __iter__(self) -> Iterator[Any]:
        return iter([accessor.key for accessor in self._by_key.values()])

    def __len__(self) -> int:
        return len(self._by_key)

    def for_asset(self, *, name: str | None = None, uri: str | None = None) -> OutletEventAccessor:
        return self[_asset_for(name, uri)]

    def for_asset_alias(self, *, name: str) -> OutletEventAccessor:
        return self[AssetAlias(name)]


def _asset_for(name: str | None, uri: str | None) -> Asset | AssetRef:
    if name and uri:
        return Asset(name=name, uri=uri)
    if name or uri:
        return Asset.ref(name=name or "", uri=uri or "")
    raise ValueError("for_asset() needs name=... or uri=...")


def drain_metadata(returned: Any, outlet_events: OutletEventAccessors) -> Any:
    """A task function that yields: each ``Metadata`` it yields sets the extra of its asset's
    event (or adds an event through its alias); the generator's return value is the result."""
    if not inspect.isgenerator(returned):
        return returned
    while True:
        try:
            item = next(returned)
        except StopIteration as stop:
            return stop.value
        if isinstance(item, Metadata):
            if item.alias is not None:
                outlet_events[item.alias].add(item.asset, extra=item.extra)
            else:
                outlet_events[item.asset].extra.update(item.extra)
        else:
            log.warning("Ignoring a value the task yielded that is not Metadata: %r", item)


def collect(task: Any, outlet_events: OutletEventAccessors) -> tuple[dict[str, Any], ...]:
    """The events a successful try records: one per Asset in the task's outlets (with the extra
    set through ``outlet_events``; one per partition key added with ``add_partitions``, else for
    the run's partition), and those added through its alias outlets (for the run's partition)."""
    found: list[dict[str, Any]] = []
    run_key = outlet_events.partition_key
    for outlet in getattr(task, "outlets", None) or ():
        if isinstance(outlet, AssetRef):
            outlet = _resolve(outlet_events._store, outlet)
        if isinstance(outlet, Asset):
            accessor = outlet_events[outlet]
            for key in sorted(accessor.partition_keys) or [run_key]:
                found.append({"asset": outlet.encode(), "extra": dict(accessor.extra), "alias": None,
                              "partition_key": key})
        elif isinstance(outlet, AssetAlias):
            for asset, extra in outlet_events[outlet].asset_alias_events:
                if isinstance(asset, AssetRef):
                    asset = _resolve(outlet_events._store, asset)
                found.append({"asset": asset.encode(), "extra": extra, "alias": outlet.name, "partition_key": run_key})
    return tuple(found)


# -- inlet events -------------------------------------------------------------------------------


class InletEventsAccessor(Sequence[AssetEvent]):
    """The recorded events of one asset (or of an alias), oldest first, read when first used;
    ``after``/``before``/``ascending``/``limit`` narrow them."""

    def __init__(
        self, store: TryStore | None, *, name: str | None = None, uri: str | None = None, alias: str | None = None
    ) -> None:
        self._store = store
        self._query: dict[str, Any] = {"name": name, "uri": uri, "alias": alias, "after": None, "before": None,
                                       "ascending": True, "limit": None}
        self._events: list[AssetEvent] | None = None

    def _narrow(self, **changes: Any) -> InletEventsAccessor:
        self._query.update(changes)
        self._events = None
        return self

    def after(self, after: str | datetime) -> InletEventsAccessor:
        return self._narrow(after=datetime.fromisoformat(after) if isinstance(after, str) else after)

    def before(self, before: str | datetime) -> InletEventsAccessor:
        return self._narrow(before=datetime.fromisoformat(before) if isinstance(before, str) else before)

    def ascending(self, ascending: bool = True) -> InletEventsAccessor:
        return self._narrow(ascending=ascending)

    def limit(self, limit: int) -> InletEventsAccessor:
        return self._narrow(limit=limit)

    @property
    def events(self) -> list[AssetEvent]:
        if self._events is None:
            what = self._query["alias"] or self._query["name"] or self._query["uri"]
            rows = _store_needed(self._store, f"the events of {what!r}").asset_events(**self._query)
            self._events = [AssetEvent(row) for row in rows]
        return self._events

    def __getitem__(self, index: Any) -> Any:
        return self.events[index]

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[AssetEvent]:
        return iter(self.events)

    def __repr__(self) -> str:
        return f"InletEventsAccessor({self.events!r})"


class InletEventsAccessors(Mapping[Any, InletEventsAccessor]):
    """``inlet_events[asset]``, ``inlet_events[0]``, ``inlet_events.for_asset(uri=...)``: the events
    of the task's inlets."""

    def __init__(self, inlets: Sequence[Any], store: TryStore | None) -> None:
        self._inlets = [i for i in inlets if isinstance(i, (Asset, AssetAlias, AssetRef))]
        self._store = store

    def __getitem__(self, key: Any) -> InletEventsAccessor:
        if isinstance(key, int) and not isinstance(key, bool):
            key = self._inlets[key]
        if isinstance(key, Asset):
            if not any(isinstance(i, Asset) and i.key == key.key for i in self._inlets) and not self._refers_to(key):
                raise KeyError(f"{key!r} is not among the task's inlets: add it to inlets=[...]")
            return InletEventsAccessor(self._store, name=key.name, uri=key.uri)
        if isinstance(key, AssetAlias):
            if key not in self._inlets:
                raise KeyError(f"{key!r} is not among the task's inlets: add it to inlets=[...]")
            return InletEventsAccessor(self._store, alias=key.name)
        if isinstance(key, AssetNameRef):
            return InletEventsAccessor(self._store, name=key.value)
        if isinstance(key, AssetUriRef):
            return InletEventsAccessor(self._store, uri=key.value)
        raise TypeError(f"inlet_events is indexed by an Asset, an AssetAlias or a position, not {type(key).__name__}")

    def _refers_to(self, asset: Asset) -> bool:
        return any(
            (isinstance(i, AssetNameRef) and i.value == asset.name) or (isinstance(i, AssetUriRef) and i.value == asset.uri)
            for i in self._inlets
        )

    def __iter__(self) -> Iterator[Any]:
        return iter(self._inlets)

    def __len__(self) -> int:
        return len(self._inlets)

    def for_asset(self, *, name: str | None = None, uri: str | None = None) -> InletEventsAccessor:
        if name and uri:
            return InletEventsAccessor(self._store, name=name, uri=uri)
        if name or uri:
            return InletEventsAccessor(self._store, name=name, uri=uri)
        raise ValueError("for_asset() needs name=... or uri=...")

    def for_asset_alias(self, *, name: str) -> InletEventsAccessor:
        return InletEventsAccessor(self._store, alias=name)

    def resolve(self, ref: AssetRef) -> Asset:
        """The asset a reference names, as the store knows it (``@asset`` inlets)."""
        return _resolve(self._store, ref)


# -- triggering events --------------------------------------------------------------------------


class TriggeringAssetEvents(Mapping[Any, list[AssetEvent]]):
    """``triggering_asset_events[asset]`` (or ``[alias]``, or a URI): the events that triggered
    this run, read from the store when first used; empty for runs not triggered by assets."""

    def __init__(self, store: TryStore | None, dag_run_id: int, run_type: str) -> None:
        self._store = store
        self._dag_run_id = dag_run_id
        self._run_type = run_type
        self._by_key: dict[Any, list[AssetEvent]] | None = None

    @property
    def _events(self) -> dict[Any, list[AssetEvent]]:
        if self._by_key is None:
            self._by_key = {}
            if self._run_type == ASSET_TRIGGERED and self._store is not None:
                for row in self._store.asset_events(dag_run_id=self._dag_run_id):
                    event = AssetEvent(row)
                    self._by_key.setdefault(event.asset, []).append(event)
                    for alias in event.source_aliases:
                        self._by_key.setdefault(alias, []).append(event)
        return self._by_key

    def __getitem__(self, key: Any) -> list[AssetEvent]:
        events = self._events
        if isinstance(key, Asset):
            matches = [e for k, found in events.items() if isinstance(k, Asset) and k.key == key.key for e in found]
        elif isinstance(key, AssetAlias):
            matches = list(events.get(key, []))
        elif isinstance(key, (str, AssetRef)):
            text = key.value if isinstance(key, AssetRef) else key
            matches = [e for k, found in events.items() if isinstance(k, Asset) and text in (k.name, k.uri) for e in found]
        else:
            raise TypeError(f"triggering_asset_events is indexed by an Asset or an AssetAlias, not {type(key).__name__}")
        if not matches:
            raise KeyError(key)
        return matches

    def __iter__(self) -> Iterator[Any]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def __repr__(self) -> str:
        return f"TriggeringAssetEvents({self._events!r})"


def asset_context(task: Any, dag_run: Any, store: TryStore | None) -> dict[str, Any]:
    """The context keys about assets (none of them reads the store until it is used)."""
    triggering = TriggeringAssetEvents(store, dag_run.id, dag_run.run_type)
    return {
        "inlets": list(getattr(task, "inlets", None) or ()),
        "outlets": list(getattr(task, "outlets", None) or ()),
        "outlet_events": OutletEventAccessors(store, getattr(dag_run, "partition_key", None)),
        "inlet_events": InletEventsAccessors(getattr(task, "inlets", None) or (), store),
        "triggering_asset_events": triggering,
        "triggering_dataset_events": triggering,
    }
