"""``/api/v2/pools``: list, read, create, change (one or in bulk) and delete pools."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, field_validator

from slipstream.api.listing import (
    MAX_INT,
    BulkBody,
    BulkResponse,
    Limit,
    Offset,
    StrictBody,
    bulk_actions,
    bulk_response,
    no_team,
)
from slipstream.api.listing import order_by_query as _order_by
from slipstream.api.security import MANAGE, READ, service_context
from slipstream.services import pools
from slipstream.services.errors import InvalidRequest

router = APIRouter(prefix="/api/v2/pools", tags=["Pool"])

class PoolResponse(BaseModel):
    name: str
    slots: int
    description: str | None
    include_deferred: bool
    occupied_slots: int
    running_slots: int
    queued_slots: int
    scheduled_slots: int
    open_slots: int
    deferred_slots: int
    team_name: str | None = None


class PoolCollectionResponse(BaseModel):
    pools: list[PoolResponse]
    total_entries: int


class PoolBody(StrictBody):
    name: str = Field(max_length=256)
    slots: int = Field(ge=-1, le=MAX_INT, description="Number of slots; Slipstream does not support -1 (unlimited).")
    description: str | None = None
    include_deferred: bool = False
    team_name: str | None = Field(default=None, max_length=50)

    _team = field_validator("team_name")(no_team)


class PoolPatchBody(StrictBody):
    pool: str | None = None
    slots: int | None = Field(default=None, ge=-1, le=MAX_INT)
    description: str | None = None
    include_deferred: bool | None = None
    team_name: str | None = Field(default=None, max_length=50)

    _team = field_validator("team_name")(no_team)


def _response(pool: pools.Pool) -> PoolResponse:
    return PoolResponse(
        name=pool.name, slots=pool.slots, description=pool.description, include_deferred=pool.include_deferred,
        occupied_slots=pool.occupied, running_slots=pool.running, queued_slots=pool.queued,
        scheduled_slots=pool.scheduled, open_slots=pool.open, deferred_slots=pool.deferred,
    )


@router.get("", dependencies=[READ])
def get_pools(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: Annotated[list[str], _order_by(["id", "pool", "name"])] = ["id"],  # noqa: B006
    pool_name_pattern: str | None = Query(None, description="Case-insensitive substring of the name; `a|b` for "
                                          "either."),
    pool_name_prefix_pattern: str | None = Query(None, description="Case-sensitive start of the name."),
) -> PoolCollectionResponse:
    page = pools.list_pools(service_context(request), limit=limit, offset=offset, order_by=order_by,
                            name_pattern=pool_name_pattern, name_prefix=pool_name_prefix_pattern)
    return PoolCollectionResponse(pools=[_response(p) for p in page.items], total_entries=page.total_entries)


@router.post("", status_code=201, dependencies=[MANAGE])
def post_pool(request: Request, body: PoolBody) -> PoolResponse:
    return _response(pools.create_pool(service_context(request), body.name, body.slots, body.description,
                                       body.include_deferred))


@router.patch("", dependencies=[MANAGE])
def bulk_pools(request: Request, body: BulkBody[PoolBody]) -> BulkResponse:
    """Create, update and delete pools in one request; each action succeeds or fails whole."""
    outcomes = pools.bulk_change(service_context(request), bulk_actions(body, "name", {"name": "pool"}))
    return bulk_response(outcomes)


@router.get("/{pool_name:path}", dependencies=[READ])
def get_pool(request: Request, pool_name: str) -> PoolResponse:
    return _response(pools.get_pool(service_context(request), pool_name))


@router.patch("/{pool_name:path}", dependencies=[MANAGE])
def patch_pool(
    request: Request, pool_name: str, body: PoolPatchBody, update_mask: list[str] | None = Query(None),
) -> PoolResponse:
    if body.pool is not None and body.pool != pool_name:
        raise InvalidRequest(f"The body names pool {body.pool!r} but the path {pool_name!r}: a pool cannot be "
                             "renamed; send the same name or leave 'pool' out")
    fields = body.model_dump(exclude_unset=True, exclude={"team_name"})
    fields.pop("pool", None)
    mask = [("pool" if m == "name" else m) for m in update_mask] if update_mask else None
    return _response(pools.update_pool(service_context(request), pool_name, fields, mask))


@router.delete("/{pool_name:path}", status_code=204, dependencies=[MANAGE])
def delete_pool(request: Request, pool_name: str) -> Response:
    pools.delete_pool(service_context(request), pool_name)
    return Response(status_code=204)
