"""Bulk changes (``PATCH /pools``, ``/variables``, ``/connections``): a list of create, update
and delete actions, each done in its own transaction. An action that fails changes nothing and
is reported with its error; the others still happen, as in Airflow."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from slipstream.services.context import ServiceContext
from slipstream.services.errors import AlreadyExists, InvalidRequest, NotFound, ServiceError

ActionName = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class BulkAction:
    """``entities``: dicts of the fields given (create, update) or keys (delete);
    ``on_existence`` (create): fail, skip or overwrite; ``on_missing`` (update, delete): fail or skip."""

    action: ActionName
    entities: list[Any]
    on_existence: str = "fail"
    on_missing: str = "fail"
    update_mask: list[str] | None = None


@dataclass
class BulkOutcome:
    success: list[str] = field(default_factory=list)
    errors: list[ServiceError] = field(default_factory=list)


# (session, action) -> the keys it changed; raises a ServiceError to refuse the whole action.
Handler = Callable[[Any, BulkAction], list[str]]


def run(ctx: ServiceContext, actions: list[BulkAction], handlers: Mapping[str, Handler]) -> dict[str, BulkOutcome]:
    outcomes: dict[str, BulkOutcome] = {}
    for action in actions:
        outcome = outcomes.setdefault(action.action, BulkOutcome())
        try:
            with ctx.db.write() as session:
                done = handlers[action.action](session, action)
        except ServiceError as err:
            outcome.errors.append(err)
        else:
            outcome.success.extend(done)
    return outcomes


def split(action: BulkAction, keys: list[str], existing: set[str], what: str) -> list[str]:
    """The keys the action goes on with, after its rule for existing (create) or missing (update,
    delete) ones: ``fail`` refuses the whole action naming them, ``skip`` leaves them out."""
    if action.action == "create":
        clash = sorted(set(keys) & existing)
        if clash and action.on_existence == "fail":
            raise AlreadyExists(f"These {what} already exist: {', '.join(clash)} (nothing created; use "
                                "action_on_existence 'skip' or 'overwrite')")
        return [k for k in keys if k not in existing] if action.on_existence == "skip" else keys
    missing = sorted(set(keys) - existing)
    if missing and action.on_missing == "fail":
        raise NotFound(f"These {what} do not exist: {', '.join(missing)} (nothing {action.action}d; use "
                       "action_on_non_existence 'skip')")
    return [k for k in keys if k in existing]


def masked(fields: Mapping[str, Any], update_mask: list[str] | None, allowed: set[str]) -> dict[str, Any]:
    """The fields an update applies: those given, or only those named in ``update_mask``."""
    if update_mask:
        unknown = sorted(set(update_mask) - allowed)
        if unknown:
            raise InvalidRequest(f"update_mask names fields that cannot be updated: {', '.join(unknown)} "
                                 f"(allowed: {', '.join(sorted(allowed))})")
        return {k: v for k, v in fields.items() if k in update_mask}
    return {k: v for k, v in fields.items() if k in allowed}
