"""Roles and what each may do, as Airflow users know them: Viewer reads; User also triggers,
clears, marks and pauses; Op also manages pools, variables and connections (and reads the
configuration); Admin also manages users."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    VIEWER = "Viewer"
    USER = "User"
    OP = "Op"
    ADMIN = "Admin"

    @classmethod
    def parse(cls, name: str) -> Role:
        for role in cls:
            if role.value.lower() == name.strip().lower():
                return role
        raise ValueError(f"unknown role {name!r}: use one of {', '.join(r.value for r in cls)}")


class Permission(enum.Enum):
    READ = "read"
    OPERATE = "operate"  # trigger, clear, mark, pause, delete runs and DAGs, set XComs
    MANAGE = "manage"  # pools, variables, connections, configuration
    ADMINISTER = "administer"  # users


_RANK = {Role.VIEWER: 0, Role.USER: 1, Role.OP: 2, Role.ADMIN: 3}
_NEEDS = {Permission.READ: Role.VIEWER, Permission.OPERATE: Role.USER, Permission.MANAGE: Role.OP,
          Permission.ADMINISTER: Role.ADMIN}


def allows(role: Role, permission: Permission) -> bool:
    return _RANK[role] >= _RANK[_NEEDS[permission]]


def least_role(permission: Permission) -> Role:
    return _NEEDS[permission]
