"""Users and roles for Admins, at the paths of Airflow 3's FAB auth manager (``/auth/fab/v1``).
Slipstream gives each user one role; ``roles`` is a list of one, as FAB's clients expect."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from slipstream.api.security import ADMINISTER, service_context
from slipstream.services import users
from slipstream.services.errors import InvalidRequest
from slipstream.services.roles import Permission, Role, allows

router = APIRouter(prefix="/auth/fab/v1", tags=["User"], dependencies=[ADMINISTER])


class RoleRef(BaseModel):
    name: str


class UserResponse(BaseModel):
    username: str
    first_name: str
    last_name: str
    email: str
    active: bool
    roles: list[RoleRef]
    created_on: datetime
    last_login: datetime | None


class UserCollectionResponse(BaseModel):
    users: list[UserResponse]
    total_entries: int


class UserBody(BaseModel):
    username: str
    password: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    roles: list[RoleRef] = Field(min_length=1, max_length=1)


class UserPatchBody(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    active: bool | None = None
    password: str | None = None
    roles: list[RoleRef] | None = Field(default=None, min_length=1, max_length=1)


class RoleResponse(BaseModel):
    name: str
    permissions: list[str]


class RoleCollectionResponse(BaseModel):
    roles: list[RoleResponse]
    total_entries: int


def _response(user: users.User) -> UserResponse:
    return UserResponse(
        username=user.username, first_name=user.first_name, last_name=user.last_name, email=user.email,
        active=user.active, roles=[RoleRef(name=user.role.value)], created_on=user.created_on,
        last_login=user.last_login,
    )


@router.get("/users")
def get_users(request: Request, limit: int = Query(50, ge=0), offset: int = Query(0, ge=0)) -> UserCollectionResponse:
    everyone = users.list_users(service_context(request))
    return UserCollectionResponse(users=[_response(u) for u in everyone[offset:offset + limit]],
                                  total_entries=len(everyone))


@router.get("/users/{username}")
def get_user(request: Request, username: str) -> UserResponse:
    return _response(users.find_user(service_context(request), username))


@router.post("/users", status_code=200)
def post_user(request: Request, body: UserBody) -> UserResponse:
    return _response(users.create_user(
        service_context(request), username=body.username, password=body.password, role=body.roles[0].name,
        first_name=body.first_name, last_name=body.last_name, email=body.email,
    ))


@router.patch("/users/{username}")
def patch_user(request: Request, username: str, body: UserPatchBody,
               update_mask: list[str] | None = Query(None)) -> UserResponse:
    given = body.model_dump(exclude_unset=True)
    if update_mask:
        unknown = sorted(set(update_mask) - set(UserPatchBody.model_fields))
        if unknown:
            raise InvalidRequest(f"update_mask names fields a user does not have: {', '.join(unknown)}")
        given = {key: value for key, value in given.items() if key in update_mask}
    roles = given.pop("roles", None)
    return _response(users.update_user(service_context(request), username,
                                       role=roles[0]["name"] if roles else None, **given))


@router.delete("/users/{username}", status_code=204)
def delete_user(request: Request, username: str) -> Response:
    users.delete_user(service_context(request), username)
    return Response(status_code=204)


@router.get("/roles")
def get_roles() -> RoleCollectionResponse:
    roles = [RoleResponse(name=role.value, permissions=[p.value for p in Permission if allows(role, p)])
             for role in Role]
    return RoleCollectionResponse(roles=roles, total_entries=len(roles))
