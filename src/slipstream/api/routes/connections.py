"""``/api/v2/connections``: list, read, create, change (one or in bulk), delete and test
connections. Passwords answer ``***`` (null when there is none), never in clear."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
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
from slipstream.services import connection_tests, connections
from slipstream.services.errors import InvalidRequest, Unsupported

router = APIRouter(prefix="/api/v2/connections", tags=["Connection"])


class ConnectionResponse(BaseModel):
    connection_id: str
    conn_type: str
    description: str | None
    host: str | None
    login: str | None
    schema_: str | None = Field(alias="schema", serialization_alias="schema")
    port: int | None
    password: str | None
    extra: str | None
    team_name: str | None = None


class ConnectionCollectionResponse(BaseModel):
    connections: list[ConnectionResponse]
    total_entries: int


class ConnectionBody(StrictBody):
    connection_id: str = Field(max_length=200, pattern=r"^[\w.-]+$")
    conn_type: str
    description: str | None = None
    host: str | None = None
    login: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    port: int | None = Field(default=None, ge=-MAX_INT, le=MAX_INT)
    password: str | None = None
    extra: str | None = None
    team_name: str | None = Field(default=None, max_length=50)

    _team = field_validator("team_name")(no_team)


class ConnectionTestResponse(BaseModel):
    status: bool
    message: str


RENAME = {"connection_id": "conn_id", "schema_": "schema"}


def _fields(body: ConnectionBody) -> dict:
    given = body.model_dump(exclude_unset=True, exclude={"team_name"})
    return {RENAME.get(k, k): v for k, v in given.items()}


def _response(connection: connections.Connection) -> ConnectionResponse:
    return ConnectionResponse(
        connection_id=connection.conn_id, conn_type=connection.conn_type, description=connection.description,
        host=connection.host, login=connection.login, schema=connection.schema, port=connection.port,
        password=connection.password, extra=connection.extra,
    )


@router.get("", dependencies=[READ])
def get_connections(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: Annotated[list[str], _order_by(list(connections.connection_store.SORTABLE))] = ["id"],  # noqa: B006
    connection_id_pattern: str | None = Query(None, description="Case-insensitive substring of the id; `a|b` for "
                                              "either."),
    connection_id_prefix_pattern: str | None = Query(None, description="Case-sensitive start of the id."),
) -> ConnectionCollectionResponse:
    page = connections.list_connections(service_context(request), limit=limit, offset=offset, order_by=order_by,
                                        id_pattern=connection_id_pattern, id_prefix=connection_id_prefix_pattern)
    return ConnectionCollectionResponse(connections=[_response(c) for c in page.items],
                                        total_entries=page.total_entries)


@router.post("", status_code=201, dependencies=[MANAGE])
def post_connection(request: Request, body: ConnectionBody) -> ConnectionResponse:
    created = connections.create_connection(service_context(request), connections.Connection(**_fields(body)))
    return _response(created)


@router.patch("", dependencies=[MANAGE])
def bulk_connections(request: Request, body: BulkBody[ConnectionBody]) -> BulkResponse:
    """Create, update and delete connections in one request; each action succeeds or fails whole."""
    actions = bulk_actions(body, "connection_id", RENAME)
    for action in actions:
        if action.action != "delete":
            for entity in action.entities:
                entity.pop("team_name", None)
    return bulk_response(connections.bulk_change(service_context(request), actions))


@router.post("/test", dependencies=[MANAGE])
def test_connection(request: Request, body: ConnectionBody) -> ConnectionTestResponse:
    """Connect with the given fields (over the stored connection of that id, whose password a
    ``***`` stands for). Refused unless ``[core] test_connection`` is Enabled, as in Airflow."""
    ctx = service_context(request)
    if not connection_tests.testing_enabled(ctx):
        raise HTTPException(status_code=403, detail="Testing connections is disabled: set [core] test_connection = "
                            "Enabled (SLIPSTREAM__CORE__TEST_CONNECTION=Enabled) to allow it")
    status, message = connection_tests.test_connection(ctx, _fields(body))
    return ConnectionTestResponse(status=status, message=message)


@router.post("/defaults", status_code=204, dependencies=[MANAGE])
def create_default_connections() -> Response:
    raise Unsupported("Slipstream has no default connections (Airflow's airflow_db, http_default...): add the ones "
                      "you need with POST /api/v2/connections or `slipstream connections add`")


NO_QUEUED_TESTS = ("Slipstream has no queued connection tests: it tests a connection at once with POST "
                   "/api/v2/connections/test")


@router.post("/enqueue-test", status_code=202, dependencies=[MANAGE])
def enqueue_connection_test() -> None:
    raise Unsupported(NO_QUEUED_TESTS)


@router.get("/enqueue-test", dependencies=[MANAGE])
def get_connection_test() -> None:
    raise Unsupported(NO_QUEUED_TESTS)


@router.get("/{connection_id:path}", dependencies=[READ])
def get_connection(request: Request, connection_id: str) -> ConnectionResponse:
    return _response(connections.get_connection(service_context(request), connection_id))


@router.patch("/{connection_id:path}", dependencies=[MANAGE])
def patch_connection(
    request: Request, connection_id: str, body: ConnectionBody, update_mask: list[str] | None = Query(None),
) -> ConnectionResponse:
    if body.connection_id != connection_id:
        raise InvalidRequest(f"The body names connection {body.connection_id!r} but the path {connection_id!r}: they "
                             "must be the same (a connection cannot be renamed)")
    fields = _fields(body)
    fields.pop("conn_id")
    updated = connections.update_connection(service_context(request), connection_id, fields, update_mask)
    return _response(updated)


@router.delete("/{connection_id:path}", status_code=204, dependencies=[MANAGE])
def delete_connection(request: Request, connection_id: str) -> Response:
    connections.delete_connection(service_context(request), connection_id)
    return Response(status_code=204)
