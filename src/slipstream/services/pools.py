"""Pools: named slot limits the task instances that name them share; list them with their slots
held by state, create, change, delete, import and export them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slipstream.services import bulk
from slipstream.services.context import ServiceContext
from slipstream.services.errors import AlreadyExists, InvalidRequest, NotFound
from slipstream.services.paging import Page
from slipstream.store import pools as pool_store
from slipstream.store.query_pages import UnknownSortField

DEFAULT_POOL = pool_store.DEFAULT_POOL
FIELDS = {"pool", "slots", "description", "include_deferred"}


@dataclass(frozen=True)
class Pool:
    name: str
    slots: int
    description: str | None
    include_deferred: bool
    running: int
    queued: int
    scheduled: int
    deferred: int

    @property
    def occupied(self) -> int:
        """Slots held: by queued and running tries (and deferred ones when the pool counts them)."""
        return self.running + self.queued + (self.deferred if self.include_deferred else 0)

    @property
    def open(self) -> int:
        return self.slots - self.occupied


def _pools(session: Any, rows: list[Any]) -> list[Pool]:
    held = pool_store.slots_by_state(session, [row.pool for row in rows])
    return [
        Pool(
            name=row.pool, slots=row.slots, description=row.description, include_deferred=bool(row.include_deferred),
            running=held.get(row.pool, {}).get("running", 0), queued=held.get(row.pool, {}).get("queued", 0),
            scheduled=held.get(row.pool, {}).get("scheduled", 0), deferred=held.get(row.pool, {}).get("deferred", 0),
        )
        for row in rows
    ]


def _not_found(name: str) -> NotFound:
    return NotFound(f"Pool {name!r} does not exist (see `slipstream pools list` or GET /api/v2/pools)")


def list_pools(
    ctx: ServiceContext, *, limit: int | None = None, offset: int = 0, order_by: list[str] | None = None,
    name_pattern: str | None = None, name_prefix: str | None = None,
) -> Page[Pool]:
    with ctx.db.read() as session:
        try:
            rows, total = pool_store.query(session, pattern=name_pattern, prefix=name_prefix,
                                           order_by=order_by or ["pool"], limit=limit, offset=offset)
        except UnknownSortField as err:
            raise InvalidRequest(str(err)) from None
        return Page(_pools(session, rows), total)


def get_pool(ctx: ServiceContext, name: str) -> Pool:
    with ctx.db.read() as session:
        row = pool_store.get_pool(session, name)
        if row is None:
            raise _not_found(name)
        return _pools(session, [row])[0]


def _refusal(err: pool_store.PoolError) -> InvalidRequest:
    return InvalidRequest(str(err))


def create_pool(ctx: ServiceContext, name: str, slots: int, description: str | None = None,
                include_deferred: bool = False) -> Pool:
    with ctx.db.write() as session:
        if pool_store.get_pool(session, name) is not None:
            raise AlreadyExists(f"Pool {name!r} already exists (change it with PATCH /api/v2/pools/{name})")
        try:
            row = pool_store.create_pool(session, name, slots, description, include_deferred)
        except pool_store.PoolError as err:
            raise _refusal(err) from None
        return _pools(session, [row])[0]


def set_pool(ctx: ServiceContext, name: str, slots: int, description: str | None = None) -> Pool:
    """Create the pool or change its slots (and description, when given): ``pools set``."""
    with ctx.db.write() as session:
        try:
            row = pool_store.set_pool(session, name, slots, description)
        except pool_store.PoolError as err:
            raise _refusal(err) from None
        return _pools(session, [row])[0]


def _changes(name: str, fields: dict[str, Any], update_mask: list[str] | None) -> dict[str, Any]:
    changes = bulk.masked(fields, update_mask, FIELDS)
    if changes.pop("pool", name) != name:
        raise InvalidRequest(f"Pool {name!r} cannot be renamed: create a new pool and delete this one")
    for required in ("slots", "include_deferred"):
        if required in changes and changes[required] is None:
            raise InvalidRequest(f"Pool {name!r}: {required} cannot be null")
    return changes


def _update(session: Any, name: str, fields: dict[str, Any], update_mask: list[str] | None) -> Any:
    try:
        row = pool_store.update_pool(session, name, _changes(name, fields, update_mask))
    except pool_store.PoolError as err:
        raise _refusal(err) from None
    if row is None:
        raise _not_found(name)
    return row


def update_pool(ctx: ServiceContext, name: str, fields: dict[str, Any], update_mask: list[str] | None = None) -> Pool:
    """Change the given fields, or only those in ``update_mask``."""
    with ctx.db.write() as session:
        return _pools(session, [_update(session, name, fields, update_mask)])[0]


def delete_pool(ctx: ServiceContext, name: str) -> None:
    with ctx.db.write() as session:
        try:
            found = pool_store.delete_pool(session, name)
        except pool_store.PoolError as err:
            raise _refusal(err) from None
    if not found:
        raise _not_found(name)


def import_pools(ctx: ServiceContext, data: dict[str, dict[str, Any]]) -> int:
    """Create or update pools from ``{"name": {"slots": N, "description": "..."}}``; how many."""
    with ctx.db.write() as session:
        try:
            for name, spec in data.items():
                pool_store.set_pool(session, name, int(spec["slots"]), spec.get("description"))
        except (pool_store.PoolError, TypeError, ValueError) as err:
            raise InvalidRequest(str(err)) from None
    return len(data)


# -- bulk ---------------------------------------------------------------------------------------


def _bulk_create(session: Any, action: bulk.BulkAction) -> list[str]:
    names = [entity["pool"] for entity in action.entities]
    existing = set(pool_store.pools_named(session, set(names)))
    done = []
    for entity in action.entities:
        name = entity["pool"]
        if name not in bulk.split(action, names, existing, "pools"):
            continue
        if name in existing:
            _update(session, name, {k: v for k, v in entity.items() if k != "pool"}, None)
        else:
            try:
                pool_store.create_pool(session, name, entity["slots"], entity.get("description"),
                                       bool(entity.get("include_deferred") or False))
            except pool_store.PoolError as err:
                raise _refusal(err) from None
        done.append(name)
    return done


def _bulk_update(session: Any, action: bulk.BulkAction) -> list[str]:
    names = [entity["pool"] for entity in action.entities]
    wanted = set(bulk.split(action, names, set(pool_store.pools_named(session, set(names))), "pools"))
    done = []
    for entity in action.entities:
        if entity["pool"] in wanted:
            fields = {k: v for k, v in entity.items() if k != "pool"}
            done.append(_update(session, entity["pool"], fields, action.update_mask).pool)
    return done


def _bulk_delete(session: Any, action: bulk.BulkAction) -> list[str]:
    names = [e if isinstance(e, str) else e["pool"] for e in action.entities]
    done = []
    for name in bulk.split(action, names, set(pool_store.pools_named(session, set(names))), "pools"):
        try:
            pool_store.delete_pool(session, name)
        except pool_store.PoolError as err:
            raise _refusal(err) from None
        done.append(name)
    return done


def bulk_change(ctx: ServiceContext, actions: list[bulk.BulkAction]) -> dict[str, bulk.BulkOutcome]:
    """Create, update and delete pools; entities are dicts with ``pool`` (the name) and the fields given."""
    return bulk.run(ctx, actions, {"create": _bulk_create, "update": _bulk_update, "delete": _bulk_delete})
