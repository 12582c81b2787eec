"""Variables: named values DAGs read (``Variable.get``, ``{{ var.value.x }}``), encrypted in the
store. Listings and reads for the API answer sensitive values as ``***`` (``redacted=True``);
``variables get`` and ``export`` of the CLI give the value itself, as Airflow's CLI does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slipstream.services import bulk
from slipstream.services.context import ServiceContext
from slipstream.services.errors import AlreadyExists, InvalidRequest, NotFound
from slipstream.services.paging import Page
from slipstream.services.secrets import cipher as store_cipher
from slipstream.services.secrets import redact_json_text, secrets_session
from slipstream.store import variables as variable_store
from slipstream.store.query_pages import UnknownSortField

FIELDS = {"value", "description"}


@dataclass(frozen=True)
class Variable:
    key: str
    value: str | None
    description: str | None
    is_encrypted: bool


def _variable(ctx: ServiceContext, stored: variable_store.StoredVariable, redacted: bool) -> Variable:
    value = redact_json_text(ctx, stored.value, stored.key) if redacted else stored.value
    return Variable(key=stored.key, value=value, description=stored.description, is_encrypted=stored.is_encrypted)


def as_text(value: Any) -> str:
    """How a value is stored: a string as it is, anything else as indented JSON (as Airflow's
    ``Variable.set(serialize_json=True)``)."""
    return value if isinstance(value, str) else json.dumps(value, indent=2)


def _not_found(key: str) -> NotFound:
    return NotFound(f"Variable {key} does not exist")


def list_variables(
    ctx: ServiceContext, *, limit: int | None = None, offset: int = 0, order_by: list[str] | None = None,
    key_pattern: str | None = None, key_prefix: str | None = None, redacted: bool = True,
) -> Page[Variable]:
    with secrets_session(ctx) as (session, cipher):
        try:
            found, total = variable_store.query(session, cipher, pattern=key_pattern, prefix=key_prefix,
                                                order_by=order_by or ["key"], limit=limit, offset=offset)
        except UnknownSortField as err:
            raise InvalidRequest(str(err)) from None
    return Page([_variable(ctx, v, redacted) for v in found], total)


def list_keys(ctx: ServiceContext) -> list[Variable]:
    """Every variable by key, without values (reading them needs no key)."""
    with secrets_session(ctx) as (session, cipher):
        return [Variable(v.key, None, v.description, v.is_encrypted)
                for v in variable_store.list_all(session, cipher, decrypt=False)]


def get_variable(ctx: ServiceContext, key: str, *, redacted: bool = True) -> Variable:
    with secrets_session(ctx) as (session, cipher):
        stored = variable_store.get(session, key, cipher)
    if stored is None:
        raise _not_found(key)
    return _variable(ctx, stored, redacted)


def find_value(ctx: ServiceContext, key: str) -> str | None:
    """The value itself, or None when there is no such variable."""
    with secrets_session(ctx) as (session, cipher):
        return variable_store.get_value(session, key, cipher)


def _check_key(key: str) -> None:
    if not key or not key.strip():
        raise InvalidRequest("A variable needs a non-empty key")


def set_variable(ctx: ServiceContext, key: str, value: Any, description: str | None = None) -> Variable:
    """Create or replace a variable; an existing description is kept unless one is given."""
    _check_key(key)
    with secrets_session(ctx, write=True) as (session, cipher):
        variable_store.set_value(session, key, as_text(value), cipher, description=description)
        return _variable(ctx, variable_store.get(session, key, cipher), redacted=True)


def create_variable(ctx: ServiceContext, key: str, value: Any, description: str | None = None) -> Variable:
    _check_key(key)
    with secrets_session(ctx, write=True) as (session, cipher):
        if variable_store.get(session, key, cipher) is not None:
            raise AlreadyExists(f"Variable {key} already exists (change it with PATCH /api/v2/variables/{key})")
        variable_store.set_value(session, key, as_text(value), cipher, description=description)
        return _variable(ctx, variable_store.get(session, key, cipher), redacted=True)


def _update(session: Any, cipher: Any, key: str, fields: dict[str, Any], update_mask: list[str] | None) -> None:
    changes = bulk.masked({("value" if k == "val" else k): v for k, v in fields.items()},
                          [("value" if m == "val" else m) for m in update_mask] if update_mask else None, FIELDS)
    if not variable_store.keys_present(session, {key}):
        raise _not_found(key)
    if "value" in changes:
        variable_store.set_value(session, key, as_text(changes["value"]), cipher)
    if "description" in changes:
        variable_store.update_description(session, key, changes["description"])


def update_variable(ctx: ServiceContext, key: str, fields: dict[str, Any],
                    update_mask: list[str] | None = None) -> Variable:
    """Change ``value`` and/or ``description`` (only those in ``update_mask`` when given)."""
    with secrets_session(ctx, write=True) as (session, cipher):
        _update(session, cipher, key, fields, update_mask)
        return _variable(ctx, variable_store.get(session, key, cipher), redacted=True)


def delete_variable(ctx: ServiceContext, key: str) -> None:
    with secrets_session(ctx, write=True) as (session, _):
        removed = variable_store.delete(session, key)
    if not removed:
        raise _not_found(key)


def import_variables(ctx: ServiceContext, data: dict[str, Any], on_existing: str = "overwrite") -> tuple[int, int]:
    """Create variables from ``{key: value}``; ``on_existing``: overwrite, fail (nothing imported)
    or skip. Returns (written, skipped)."""
    written = skipped = 0
    with secrets_session(ctx, write=True) as (session, cipher):
        existing = variable_store.keys_present(session, set(data))
        if existing and on_existing == "fail":
            raise AlreadyExists(f"These variables already exist: {', '.join(sorted(existing))} (nothing imported)")
        for key, value in data.items():
            if key in existing and on_existing == "skip":
                skipped += 1
                continue
            variable_store.set_value(session, key, as_text(value), cipher)
            written += 1
    return written, skipped


def export_variables(ctx: ServiceContext) -> list[Variable]:
    """Every variable with its value itself (for ``variables export``)."""
    with secrets_session(ctx) as (session, cipher):
        return [_variable(ctx, v, redacted=False) for v in variable_store.list_all(session, cipher)]


# -- bulk ---------------------------------------------------------------------------------------


def _bulk_create(session: Any, cipher: Any, action: bulk.BulkAction) -> list[str]:
    keys = [entity["key"] for entity in action.entities]
    wanted = set(bulk.split(action, keys, variable_store.keys_present(session, set(keys)), "variables"))
    for entity in action.entities:
        if entity["key"] in wanted:
            _check_key(entity["key"])
            variable_store.set_value(session, entity["key"], as_text(entity["value"]), cipher,
                                     description=entity.get("description"))
    return [k for k in keys if k in wanted]


def _bulk_update(session: Any, cipher: Any, action: bulk.BulkAction) -> list[str]:
    keys = [entity["key"] for entity in action.entities]
    wanted = set(bulk.split(action, keys, variable_store.keys_present(session, set(keys)), "variables"))
    for entity in action.entities:
        if entity["key"] in wanted:
            _update(session, cipher, entity["key"], {k: v for k, v in entity.items() if k != "key"},
                    action.update_mask)
    return [k for k in keys if k in wanted]


def _bulk_delete(session: Any, cipher: Any, action: bulk.BulkAction) -> list[str]:
    keys = [e if isinstance(e, str) else e["key"] for e in action.entities]
    done = bulk.split(action, keys, variable_store.keys_present(session, set(keys)), "variables")
    for key in done:
        variable_store.delete(session, key)
    return done


def bulk_change(ctx: ServiceContext, actions: list[bulk.BulkAction]) -> dict[str, bulk.BulkOutcome]:
    """Create, update and delete variables; entities are dicts with ``key`` and the fields given."""
    key = store_cipher(ctx)

    def with_cipher(handler: Any) -> bulk.Handler:
        return lambda session, action: handler(session, key, action)

    return bulk.run(ctx, actions, {"create": with_cipher(_bulk_create), "update": with_cipher(_bulk_update),
                                   "delete": with_cipher(_bulk_delete)})
