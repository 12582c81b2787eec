"""``/api/v2/variables``: list, read, create, change (one or in bulk) and delete variables;
sensitive values answer ``***``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, JsonValue, field_validator

from slipstream.api.listing import (
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
from slipstream.services import variables
from slipstream.services.errors import InvalidRequest

router = APIRouter(prefix="/api/v2/variables", tags=["Variable"])


class VariableResponse(BaseModel):
    key: str
    value: str | None = None
    description: str | None
    is_encrypted: bool
    team_name: str | None = None


class VariableCollectionResponse(BaseModel):
    variables: list[VariableResponse]
    total_entries: int


class VariableBody(StrictBody):
    key: str = Field(max_length=250)
    value: JsonValue = Field(description="A string, or any JSON value (stored as JSON text).")
    description: str | None = None
    team_name: str | None = Field(default=None, max_length=50)

    _team = field_validator("team_name")(no_team)


def _response(variable: variables.Variable) -> VariableResponse:
    return VariableResponse(key=variable.key, value=variable.value, description=variable.description,
                            is_encrypted=variable.is_encrypted)


@router.get("", dependencies=[READ])
def get_variables(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: Annotated[list[str], _order_by(["key", "id", "_val", "description", "is_encrypted"])] = ["id"],  # noqa: B006
    variable_key_pattern: str | None = Query(None, description="Case-insensitive substring of the key; `a|b` for "
                                             "either."),
    variable_key_prefix_pattern: str | None = Query(None, description="Case-sensitive start of the key."),
) -> VariableCollectionResponse:
    page = variables.list_variables(service_context(request), limit=limit, offset=offset, order_by=order_by,
                                    key_pattern=variable_key_pattern, key_prefix=variable_key_prefix_pattern)
    return VariableCollectionResponse(variables=[_response(v) for v in page.items], total_entries=page.total_entries)


@router.post("", status_code=201, dependencies=[MANAGE])
def post_variable(request: Request, body: VariableBody) -> VariableResponse:
    return _response(variables.create_variable(service_context(request), body.key, body.value, body.description))


@router.patch("", dependencies=[MANAGE])
def bulk_variables(request: Request, body: BulkBody[VariableBody]) -> BulkResponse:
    """Create, update and delete variables in one request; each action succeeds or fails whole."""
    return bulk_response(variables.bulk_change(service_context(request), bulk_actions(body, "key")))


@router.get("/{variable_key:path}", dependencies=[READ])
def get_variable(request: Request, variable_key: str) -> VariableResponse:
    return _response(variables.get_variable(service_context(request), variable_key))


@router.patch("/{variable_key:path}", dependencies=[MANAGE])
def patch_variable(
    request: Request, variable_key: str, body: VariableBody, update_mask: list[str] | None = Query(None),
) -> VariableResponse:
    if body.key != variable_key:
        raise InvalidRequest(f"The body names variable {body.key!r} but the path {variable_key!r}: they must be the "
                             "same (a variable cannot be renamed)")
    fields = body.model_dump(exclude_unset=True, exclude={"key", "team_name"})
    return _response(variables.update_variable(service_context(request), variable_key, fields, update_mask))


@router.delete("/{variable_key:path}", status_code=204, dependencies=[MANAGE])
def delete_variable(request: Request, variable_key: str) -> Response:
    variables.delete_variable(service_context(request), variable_key)
    return Response(status_code=204)
