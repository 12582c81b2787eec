"""Assets (data-aware scheduling): what a task produces and what a DAG waits for.

``Asset`` names a piece of data; a task lists the assets it updates in ``outlets`` and, when it
succeeds, an asset event is recorded for each. A DAG with ``schedule=[Asset(...)]`` (or a
condition built with ``&``/``|``, ``AssetAll``/``AssetAny``) gets a run once its condition holds
over the events since its last asset-triggered run. ``AssetAlias`` lets a task decide at run time
which asset it updates. Conditions travel to the scheduler as plain JSON (``encode``).
"""

from __future__ import annotations

import json
import urllib.parse
import warnings
from collections.abc import Iterator
from typing import Any, ClassVar

from slipstream.sdk.asset_watchers import (
    AssetAccessControl,
    AssetArgumentWarning,
    AssetWatcher,
    warn_unapplied,
    watchers_list,
)

__all__ = [
    "Asset",
    "AssetAlias",
    "AssetAccessControl",
    "AssetArgumentWarning",
    "AssetAll",
    "AssetAny",
    "AssetNameRef",
    "AssetRef",
    "AssetUriRef",
    "AssetWatcher",
    "BaseAsset",
    "Dataset",
    "DatasetAlias",
    "DatasetAll",
    "DatasetAny",
    "Metadata",
    "Model",
]

MAX_LENGTH = 1500
_RESERVED_NAMES = ("self", "context")


class BaseAsset:
    """Anything that can be part of an asset condition: ``a & b`` is AssetAll, ``a | b`` AssetAny."""

    def __or__(self, other: object) -> BaseAsset:
        if not isinstance(other, BaseAsset):
            return NotImplemented
        return AssetAny(self, other)

    def __and__(self, other: object) -> BaseAsset:
        if not isinstance(other, BaseAsset):
            return NotImplemented
        return AssetAll(self, other)

    def encode(self) -> dict[str, Any]:
        """The JSON form the serialized DAG keeps."""
        raise NotImplementedError

    def iter_assets(self) -> Iterator[Asset]:
        return iter(())

    def iter_aliases(self) -> Iterator[AssetAlias]:
        return iter(())


def _identifier(kind: str, field: str, value: Any, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{kind} {field} must be a string, got {type(value).__name__}: {value!r}")
    if required and not value:
        raise ValueError(f"{kind} {field} must not be empty")
    if len(value) > MAX_LENGTH:
        raise ValueError(f"{kind} {field} {value[:40]!r}... is longer than {MAX_LENGTH} characters")
    if value and value.isspace():
        raise ValueError(f"{kind} {field} must not be only whitespace")
    return value


def normalize_uri(uri: str) -> str:
    """An asset URI as Airflow keeps it: the scheme in lower case, no user password, no trailing
    slash, the query sorted, no fragment. Text that is not a URI (no scheme) stays as it is."""
    parts = urllib.parse.urlsplit(uri)
    if not parts.scheme and not parts.netloc:
        return uri
    scheme = parts.scheme.lower()
    if not scheme or scheme.startswith("x-"):
        return uri
    if scheme == "airflow":
        raise ValueError(
            f"Asset URI {uri!r} uses the scheme 'airflow', which is reserved: choose another scheme (e.g. 'file', 's3')"
        )
    netloc = parts.netloc
    if parts.password:
        warnings.warn(
            f"The asset URI {uri!r} holds a password; it was dropped from the URI", UserWarning, stacklevel=4
        )
        netloc = netloc.rpartition("@")[2]
    query = urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(parts.query))) if parts.query else ""
    return urllib.parse.urlunsplit((scheme, netloc, parts.path.rstrip("/") or "/", query, ""))


def _json_extra(kind: str, extra: Any) -> dict[str, Any]:
    if extra is None:
        return {}
    if not isinstance(extra, dict):
        raise TypeError(f"{kind} extra must be a dict, got {type(extra).__name__}: {extra!r}")
    try:
        json.dumps(extra)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{kind} extra must hold only JSON values (str, numbers, lists, dicts): {err}") from None
    return dict(extra)


class Asset(BaseAsset):
    """A piece of data, named by ``name`` and/or ``uri`` (give one and the other is the same text).

    ``group`` sorts assets for people (default: "asset"); ``extra`` is free JSON about the asset.
    """

    asset_type: ClassVar[str] = "asset"

    def __init__(
        self,
        name: str | None = None,
        uri: Any = None,
        *,
        group: str | None = None,
        extra: dict[str, Any] | None = None,
        watchers: list[Any] | None = None,
        access_control: Any = None,
        **kwargs: Any,
    ) -> None:
        kind = type(self).__name__
        if kwargs:
            raise TypeError(f"{kind}() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}")
        if name is None and uri is None:
            raise TypeError(f"{kind}() needs a name or a uri, e.g. {kind}('s3://bucket/key') or {kind}(name='orders')")
        if uri is not None and not isinstance(uri, str):
            uri = str(uri)  # an ObjectStoragePath or a pathlib path
        if name is None:
            name = uri
        elif uri is None:
            uri = name
        self.name = _identifier(kind, "name", name)
        if self.name in _RESERVED_NAMES:
            raise ValueError(f"{kind} name {self.name!r} is reserved (it names an argument of @asset functions)")
        self.uri = normalize_uri(_identifier(kind, "uri", uri))
        self.group = _identifier(kind, "group", self.asset_type if group is None else group, required=False)
        self.extra = _json_extra(kind, extra)
        self.watchers = watchers_list(kind, self.name, watchers)
        if access_control is not None and not isinstance(access_control, AssetAccessControl):
            raise TypeError(f"{kind}(access_control=...) needs an AssetAccessControl, got "
                            f"{type(access_control).__name__}: {access_control!r}")
        self.access_control = AssetAccessControl() if access_control is None else access_control
        if access_control is not None:
            warn_unapplied(f"{kind} {self.name!r}: access_control has no effect in Slipstream: team-based access "
                  "control of asset events is not enforced (as in Airflow without multi-team mode)")

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the asset in the store: (name, uri)."""
        return (self.name, self.uri)

    @staticmethod
    def ref(*, name: str = "", uri: str = "") -> AssetRef:
        """A reference to an asset defined elsewhere, by name or by URI."""
        if name and uri:
            raise TypeError("Asset.ref() refers to an asset by name or by uri, not both")
        if name:
            return AssetNameRef(name)
        if uri:
            return AssetUriRef(uri)
        raise TypeError("Asset.ref() needs name=... or uri=...")

    def __fspath__(self) -> str:
        return self.uri

    def _identity(self) -> tuple[Any, ...]:
        return (self.name, self.uri, self.group, json.dumps(self.extra, sort_keys=True))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Asset):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, uri={self.uri!r}, group={self.group!r}, extra={self.extra!r})"

    def encode(self) -> dict[str, Any]:
        encoded = {"kind": "asset", "name": self.name, "uri": self.uri, "group": self.group, "extra": self.extra}
        if self.watchers:
            encoded["watchers"] = [watcher.encode() for watcher in self.watchers]
        if self.access_control != AssetAccessControl():
            encoded["access_control"] = self.access_control.encode()
        return encoded

    def iter_assets(self) -> Iterator[Asset]:
        yield self


class Dataset(Asset):
    """Airflow 2's name for an asset (``airflow.datasets.Dataset``)."""

    asset_type: ClassVar[str] = "dataset"


class Model(Asset):
    asset_type: ClassVar[str] = "model"


class AssetRef(BaseAsset):
    """An asset referred to by name or URI only; made by ``Asset.ref``."""

    field: ClassVar[str] = ""

    def __init__(self, value: str) -> None:
        self.value = _identifier("Asset reference", self.field, value)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.value == self.value  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.field}={self.value!r})"

    def encode(self) -> dict[str, Any]:
        return {"kind": f"{self.field}_ref", self.field: self.value}


class AssetNameRef(AssetRef):
    field = "name"

    @property
    def name(self) -> str:
        return self.value


class AssetUriRef(AssetRef):
    field = "uri"

    @property
    def uri(self) -> str:
        return self.value


class AssetAlias(BaseAsset):
    """A name a task adds asset events through at run time:
    ``outlet_events[AssetAlias("x")].add(Asset("s3://..."))``. A DAG scheduled on the alias runs
    when an event comes through it."""

    def __init__(self, name: str, *, group: str = "asset") -> None:
        self.name = _identifier("AssetAlias", "name", name)
        self.group = _identifier("AssetAlias", "group", group, required=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AssetAlias):
            return NotImplemented
        return (self.name, self.group) == (other.name, other.group)

    def __hash__(self) -> int:
        return hash(("alias", self.name, self.group))

    def __repr__(self) -> str:
        return f"AssetAlias(name={self.name!r}, group={self.group!r})"

    def encode(self) -> dict[str, Any]:
        return {"kind": "alias", "name": self.name, "group": self.group}

    def iter_aliases(self) -> Iterator[AssetAlias]:
        yield self


class AssetBooleanCondition(BaseAsset):
    kind: ClassVar[str] = ""
    symbol: ClassVar[str] = ""

    def __init__(self, *objects: BaseAsset) -> None:
        for item in objects:
            if not isinstance(item, BaseAsset):
                raise TypeError(
                    f"{type(self).__name__}() takes assets, aliases or conditions of them, "
                    f"got {type(item).__name__}: {item!r}"
                )
        self.objects = tuple(objects)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.objects == other.objects  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.kind, self.objects))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.objects))})"

    def encode(self) -> dict[str, Any]:
        return {"kind": self.kind, "objects": [o.encode() for o in self.objects]}

    def iter_assets(self) -> Iterator[Asset]:
        for item in self.objects:
            yield from item.iter_assets()

    def iter_aliases(self) -> Iterator[AssetAlias]:
        for item in self.objects:
            yield from item.iter_aliases()


class AssetAny(AssetBooleanCondition):
    """Holds when any of its parts holds."""

    kind = "any"

    def __or__(self, other: object) -> BaseAsset:
        if not isinstance(other, BaseAsset):
            return NotImplemented
        return AssetAny(*self.objects, other)


class AssetAll(AssetBooleanCondition):
    """Holds when every one of its parts holds."""

    kind = "all"

    def __and__(self, other: object) -> BaseAsset:
        if not isinstance(other, BaseAsset):
            return NotImplemented
        return AssetAll(*self.objects, other)


class Metadata:
    """Yielded by a task's function: the extra of the event for ``asset`` (through ``alias``)."""

    def __init__(self, asset: Asset, extra: dict[str, Any] | None = None, alias: AssetAlias | None = None) -> None:
        if not isinstance(asset, Asset):
            raise TypeError(f"Metadata() needs an Asset, got {type(asset).__name__}: {asset!r}")
        if alias is not None and not isinstance(alias, AssetAlias):
            raise TypeError(f"Metadata(alias=...) needs an AssetAlias, got {type(alias).__name__}")
        self.asset = asset
        self.extra = _json_extra("Metadata", extra)
        self.alias = alias

    def __repr__(self) -> str:
        return f"Metadata(asset={self.asset!r}, extra={self.extra!r}, alias={self.alias!r})"


# Airflow 2's names (``airflow.datasets``).
DatasetAlias = AssetAlias
DatasetAll = AssetAll
DatasetAny = AssetAny
