"""What an Airflow asset carries that only Airflow's server side acts on: watchers (run by the
triggerer) and team access control (multi-team mode). Slipstream builds and keeps them with the
asset, in its serialized form too, and warns that they have no effect here.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

__all__ = ["AssetAccessControl", "AssetArgumentWarning", "AssetWatcher"]


class AssetArgumentWarning(UserWarning):
    """An asset argument Slipstream accepts and keeps but cannot act on (a sibling of
    ``TaskArgumentWarning``)."""


def warn_unapplied(message: str) -> None:
    """An ``AssetArgumentWarning`` pointing at the DAG file's line."""
    from slipstream.sdk.operator_api import _first_frame_outside_slipstream

    warnings.warn(message, AssetArgumentWarning, stacklevel=_first_frame_outside_slipstream())


class AssetWatcher:
    """Watches for an external event (``trigger``) that updates an asset, in Airflow's triggerer.

    Slipstream has no triggerer: a watcher is kept with its asset but never fires; the asset is
    updated only by the tasks that list it in their outlets."""

    def __init__(self, name: str, trigger: Any) -> None:
        from slipstream.sdk.event_triggers import BaseEventTrigger

        if not isinstance(name, str) or not name or name.isspace():
            raise ValueError(f"AssetWatcher name must be a non-empty string, got {name!r}")
        self.name = name
        if not isinstance(trigger, BaseEventTrigger):
            raise TypeError(
                f"AssetWatcher {name!r}: trigger must be an event trigger (a BaseEventTrigger such as "
                f"FileDeleteTrigger), got {type(trigger).__name__}: {trigger!r}"
            )
        self.trigger = trigger

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AssetWatcher):
            return NotImplemented
        return self.encode() == other.encode()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"AssetWatcher(name={self.name!r}, trigger={self.trigger!r})"

    def encode(self) -> dict[str, Any]:
        classpath, kwargs = self.trigger.serialize()
        return {"name": self.name, "trigger": {"classpath": classpath, "kwargs": _json_or_repr(kwargs)}}


def _json_or_repr(value: dict[str, Any]) -> dict[str, Any]:
    return {key: item if _is_json(item) else repr(item) for key, item in value.items()}


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def watchers_list(kind: str, asset_name: str, watchers: Any) -> list[AssetWatcher]:
    """The ``watchers`` argument of an asset, checked; a warning says they will never fire."""
    if not watchers:
        return []
    if isinstance(watchers, AssetWatcher) or not isinstance(watchers, (list, tuple)):
        raise TypeError(f"{kind} {asset_name!r}: watchers must be a list of AssetWatcher, got {watchers!r}")
    for watcher in watchers:
        if not isinstance(watcher, AssetWatcher):
            raise TypeError(f"{kind} {asset_name!r}: watchers must hold AssetWatcher objects, got "
                            f"{type(watcher).__name__}: {watcher!r}")
    names = ", ".join(repr(w.name) for w in watchers)
    warn_unapplied(f"{kind} {asset_name!r}: watcher(s) {names} will never fire in Slipstream: there is no triggerer, "
          "so the asset is updated only by tasks that list it in their outlets")
    return list(watchers)


def _teams(field: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        raise TypeError(f"AssetAccessControl {field} must be a list of team names, got {value!r}")
    for team in value:
        if not isinstance(team, str) or not team or team.isspace():
            raise ValueError(f"AssetAccessControl {field}: each team name must be a non-empty string, got {team!r}")
    return list(value)


class AssetAccessControl:
    """Which teams may update an asset (``producer_teams``) and read its events
    (``consumer_teams``), and whether DAGs of no team may (``allow_global``): Airflow's multi-team
    mode. Slipstream keeps it with the asset but does not enforce it, like Airflow's default
    single-team configuration."""

    def __init__(
        self,
        producer_teams: list[str] | None = None,
        consumer_teams: list[str] | None = None,
        allow_global: bool = True,
    ) -> None:
        self.producer_teams: list[str] = _teams("producer_teams", producer_teams) or []
        self.consumer_teams: list[str] | None = _teams("consumer_teams", consumer_teams)
        if not isinstance(allow_global, bool):
            raise TypeError(f"AssetAccessControl allow_global must be True or False, got {allow_global!r}")
        self.allow_global = allow_global

    def encode(self) -> dict[str, Any]:
        return {"producer_teams": self.producer_teams, "consumer_teams": self.consumer_teams,
                "allow_global": self.allow_global}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AssetAccessControl):
            return NotImplemented
        return self.encode() == other.encode()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"AssetAccessControl(producer_teams={self.producer_teams!r}, "
                f"consumer_teams={self.consumer_teams!r}, allow_global={self.allow_global!r})")
