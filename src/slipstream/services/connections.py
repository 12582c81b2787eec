"""Connections: how tasks reach other systems, password and extra encrypted in the store.

Reads for the API answer the password as ``***`` (null when there is none) and the extra's
sensitive keys as ``***``; a client that sends such a ``***`` back in a change keeps the stored
value. ``connections get`` of the CLI shows the password itself, as Airflow's CLI does."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from slipstream.services import bulk
from slipstream.services.context import ServiceContext
from slipstream.services.errors import AlreadyExists, InvalidRequest, NotFound
from slipstream.services.paging import Page
from slipstream.services.secrets import cipher as store_cipher
from slipstream.services.secrets import merge_redacted, redact, redact_json_text, secrets_session
from slipstream.store import connections as connection_store
from slipstream.store.query_pages import UnknownSortField

FIELDS = {"conn_type", "description", "host", "schema", "login", "password", "port", "extra"}
HIDDEN = "***"

Connection = connection_store.StoredConnection


def _shown(ctx: ServiceContext, stored: Connection, redacted: bool) -> Connection:
    if not redacted:
        return stored
    return replace(
        stored, password=None if stored.password is None else str(redact(ctx, stored.password, "password")),
        extra=redact_json_text(ctx, stored.extra) if stored.extra else stored.extra,
    )


def _not_found(conn_id: str) -> NotFound:
    return NotFound(f"Connection {conn_id} not found (see `slipstream connections list` or GET /api/v2/connections)")


def _check_extra(extra: str | None) -> None:
    if not extra:
        return
    try:
        parsed = json.loads(extra)
    except json.JSONDecodeError as err:
        raise InvalidRequest(f"The extra of a connection must be a JSON object: {err}") from None
    if not isinstance(parsed, dict):
        raise InvalidRequest("The extra of a connection must be a JSON object, e.g. {\"timeout\": 5}")


def list_connections(
    ctx: ServiceContext, *, limit: int | None = None, offset: int = 0, order_by: list[str] | None = None,
    id_pattern: str | None = None, id_prefix: str | None = None, redacted: bool = True,
) -> Page[Connection]:
    with secrets_session(ctx) as (session, cipher):
        try:
            found, total = connection_store.query(session, cipher, pattern=id_pattern, prefix=id_prefix,
                                                  order_by=order_by or ["conn_id"], limit=limit, offset=offset)
        except UnknownSortField as err:
            raise InvalidRequest(str(err)) from None
    return Page([_shown(ctx, c, redacted) for c in found], total)


def get_connection(ctx: ServiceContext, conn_id: str, *, redacted: bool = True) -> Connection:
    with secrets_session(ctx) as (session, cipher):
        stored = connection_store.get(session, conn_id, cipher)
    if stored is None:
        raise _not_found(conn_id)
    return _shown(ctx, stored, redacted)


def create_connection(ctx: ServiceContext, connection: Connection) -> Connection:
    if not connection.conn_id:
        raise InvalidRequest("A connection needs a non-empty conn_id")
    if not connection.conn_type:
        raise InvalidRequest(f"Connection {connection.conn_id} needs a conn_type")
    _check_extra(connection.extra)
    with secrets_session(ctx, write=True) as (session, cipher):
        try:
            connection_store.add(session, connection, cipher)
        except connection_store.ConnectionExists:
            raise AlreadyExists(f"A connection with conn_id {connection.conn_id} already exists") from None
    return _shown(ctx, connection, redacted=True)


def _update(ctx: ServiceContext, session: Any, cipher: Any, conn_id: str, fields: dict[str, Any],
            update_mask: list[str] | None) -> Connection:
    stored = connection_store.get(session, conn_id, cipher)
    if stored is None:
        raise _not_found(conn_id)
    changes = bulk.masked(fields, update_mask, FIELDS)
    if "conn_type" in changes and not changes["conn_type"]:
        raise InvalidRequest(f"Connection {conn_id} needs a conn_type")
    if changes.get("password") is not None:
        changes["password"] = merge_redacted(ctx, changes["password"], stored.password, "password")
    if changes.get("extra"):
        _check_extra(changes["extra"])
        if stored.extra:
            changes["extra"] = json.dumps(merge_redacted(ctx, json.loads(changes["extra"]), json.loads(stored.extra)))
    connection_store.update(session, conn_id, changes, cipher)
    return replace(stored, **changes)


def update_connection(ctx: ServiceContext, conn_id: str, fields: dict[str, Any],
                      update_mask: list[str] | None = None) -> Connection:
    """Change the given fields (only those in ``update_mask`` when given)."""
    with secrets_session(ctx, write=True) as (session, cipher):
        return _shown(ctx, _update(ctx, session, cipher, conn_id, fields, update_mask), redacted=True)


def delete_connection(ctx: ServiceContext, conn_id: str) -> None:
    with secrets_session(ctx, write=True) as (session, _):
        removed = connection_store.delete(session, conn_id)
    if not removed:
        raise NotFound(f"Did not find a connection with conn_id {conn_id}")


# -- bulk ---------------------------------------------------------------------------------------


def _entity(fields: dict[str, Any]) -> Connection:
    if not fields.get("conn_type"):
        raise InvalidRequest(f"Connection {fields['conn_id']} needs a conn_type")
    _check_extra(fields.get("extra"))
    return Connection(**{k: v for k, v in fields.items() if k in FIELDS | {"conn_id"}})


def bulk_change(ctx: ServiceContext, actions: list[bulk.BulkAction]) -> dict[str, bulk.BulkOutcome]:
    """Create, update and delete connections; entities are dicts with ``conn_id`` and the fields given."""
    cipher = store_cipher(ctx)

    def create(session: Any, action: bulk.BulkAction) -> list[str]:
        ids = [e["conn_id"] for e in action.entities]
        existing = connection_store.ids_present(session, set(ids))
        wanted = set(bulk.split(action, ids, existing, "connections"))
        for fields in action.entities:
            if fields["conn_id"] in existing and fields["conn_id"] in wanted:
                connection_store.delete(session, fields["conn_id"])
            if fields["conn_id"] in wanted:
                connection_store.add(session, _entity(fields), cipher)
        return [i for i in ids if i in wanted]

    def update(session: Any, action: bulk.BulkAction) -> list[str]:
        ids = [e["conn_id"] for e in action.entities]
        wanted = set(bulk.split(action, ids, connection_store.ids_present(session, set(ids)), "connections"))
        for fields in action.entities:
            if fields["conn_id"] in wanted:
                _update(ctx, session, cipher, fields["conn_id"], {k: v for k, v in fields.items() if k != "conn_id"},
                        action.update_mask)
        return [i for i in ids if i in wanted]

    def delete(session: Any, action: bulk.BulkAction) -> list[str]:
        ids = [e if isinstance(e, str) else e["conn_id"] for e in action.entities]
        done = bulk.split(action, ids, connection_store.ids_present(session, set(ids)), "connections")
        for conn_id in done:
            connection_store.delete(session, conn_id)
        return done

    return bulk.run(ctx, actions, {"create": create, "update": update, "delete": delete})
