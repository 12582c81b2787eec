"""Users: create, list, delete, reset passwords, and check a login. Passwords are hashed with
argon2 (argon2-cffi's defaults, RFC 9106's second recommended profile); a hash made with older
parameters is upgraded at the next successful login."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from slipstream.services.context import ServiceContext
from slipstream.services.errors import AlreadyExists, AuthenticationFailed, InvalidRequest, NotFound
from slipstream.services.roles import Role
from slipstream.store import users as user_store
from slipstream.store.clock import utcnow

STANDALONE_ADMIN = "admin"
STANDALONE_PASSWORD_FILE = "standalone_admin_password.txt"
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    first_name: str
    last_name: str
    email: str
    active: bool
    created_on: datetime
    last_login: datetime | None


def _user(row: user_store.UserRow) -> User:
    return User(
        id=row.id, username=row.username, role=Role(row.role), first_name=row.first_name, last_name=row.last_name,
        email=row.email, active=row.active, created_on=row.created_on, last_login=row.last_login,
    )


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def random_password() -> str:
    return secrets.token_urlsafe(12)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters")


def create_user(
    ctx: ServiceContext, *, username: str, password: str, role: Role | str, first_name: str = "",
    last_name: str = "", email: str = "",
) -> User:
    username = username.strip()
    if not username:
        raise InvalidRequest("A user needs a username")
    try:
        role = role if isinstance(role, Role) else Role.parse(role)
    except ValueError as err:
        raise InvalidRequest(str(err)) from None
    _check_password(password)
    password_hash = _hasher().hash(password)
    with ctx.db.write() as session:
        if user_store.get_user(session, username) is not None:
            raise AlreadyExists(f"User {username!r} already exists")
        row = user_store.add_user(
            session, username=username, password_hash=password_hash, role=role.value, now=utcnow(),
            first_name=first_name, last_name=last_name, email=email,
        )
        return _user(row)


def list_users(ctx: ServiceContext) -> list[User]:
    with ctx.db.read() as session:
        return [_user(row) for row in user_store.list_users(session)]


def get_user(ctx: ServiceContext, user_id: int) -> User | None:
    """The user with this id, or None (deleted since a token was issued)."""
    with ctx.db.read() as session:
        row = user_store.get_user_by_id(session, user_id)
        return _user(row) if row is not None else None


def find_user(ctx: ServiceContext, username: str) -> User:
    with ctx.db.read() as session:
        row = user_store.get_user(session, username)
        if row is None:
            raise NotFound(f"User {username!r} does not exist")
        return _user(row)


def update_user(
    ctx: ServiceContext, username: str, *, role: Role | str | None = None, first_name: str | None = None,
    last_name: str | None = None, email: str | None = None, active: bool | None = None, password: str | None = None,
) -> User:
    """Change what is given (None: leave as is)."""
    changes: dict[str, object] = {}
    if role is not None:
        try:
            changes["role"] = (role if isinstance(role, Role) else Role.parse(role)).value
        except ValueError as err:
            raise InvalidRequest(str(err)) from None
    for name, value in (("first_name", first_name), ("last_name", last_name), ("email", email), ("active", active)):
        if value is not None:
            changes[name] = value
    if password is not None:
        _check_password(password)
        changes["password_hash"] = _hasher().hash(password)
    with ctx.db.write() as session:
        row = user_store.get_user(session, username)
        if row is None:
            raise NotFound(f"User {username!r} does not exist")
        for name, value in changes.items():
            setattr(row, name, value)
        session.flush()
        return _user(row)


def delete_user(ctx: ServiceContext, username: str) -> None:
    with ctx.db.write() as session:
        if not user_store.delete_user(session, username):
            raise NotFound(f"User {username!r} does not exist")


def reset_password(ctx: ServiceContext, username: str, password: str) -> None:
    _check_password(password)
    password_hash = _hasher().hash(password)
    with ctx.db.write() as session:
        if not user_store.set_password_hash(session, username, password_hash):
            raise NotFound(f"User {username!r} does not exist")


def authenticate(ctx: ServiceContext, username: str, password: str) -> User:
    """The user whose username and password these are; ``AuthenticationFailed`` otherwise (the
    same message whether the user exists or not, and the same work: a hash is checked either way)."""
    from argon2.exceptions import VerificationError

    hasher = _hasher()
    with ctx.db.read() as session:
        row = user_store.get_user(session, username)
        stored = row.password_hash if row is not None else None
        user = _user(row) if row is not None else None
    try:
        hasher.verify(stored or _DUMMY_HASH.value(hasher), password)
    except (VerificationError, ValueError):
        raise AuthenticationFailed("Invalid username or password") from None
    if user is None or stored is None:
        raise AuthenticationFailed("Invalid username or password")
    if not user.active:
        raise AuthenticationFailed(f"User {username!r} is deactivated")
    with ctx.db.write() as session:
        user_store.set_last_login(session, user.id, utcnow())
        if hasher.check_needs_rehash(stored):
            user_store.set_password_hash(session, username, hasher.hash(password))
    return user


class _DummyHash:
    """A hash to check a password against when the user does not exist, so that answering
    'no such user' takes as long as 'wrong password'."""

    def __init__(self) -> None:
        self._hash: str | None = None

    def value(self, hasher) -> str:
        if self._hash is None:
            self._hash = hasher.hash(secrets.token_hex(16))
        return self._hash


_DUMMY_HASH = _DummyHash()


@dataclass(frozen=True)
class StandaloneLogin:
    username: str
    password: str | None  # None: the admin existed before and its password is not known here
    password_file: Path
    created: bool


def ensure_standalone_admin(ctx: ServiceContext) -> StandaloneLogin:
    """On first start of ``standalone`` (no user at all), create ``admin`` with a generated
    password, kept in ``$SLIPSTREAM_HOME/standalone_admin_password.txt`` (mode 0600) so it can
    be read again later; later starts read it from there."""
    path = Path(ctx.settings.home) / STANDALONE_PASSWORD_FILE
    with ctx.db.read() as session:
        has_users = user_store.count_users(session) > 0
    if not has_users:
        password = random_password()
        create_user(ctx, username=STANDALONE_ADMIN, password=password, role=Role.ADMIN, first_name="Standalone",
                    last_name="Admin")
        _write_private(path, password + "\n")
        return StandaloneLogin(STANDALONE_ADMIN, password, path, created=True)
    password = path.read_text().strip() if path.is_file() else None
    return StandaloneLogin(STANDALONE_ADMIN, password, path, created=False)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
