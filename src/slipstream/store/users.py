"""Users of the API and the UI: rows only; hashing and roles are the services' concern."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from slipstream.store.models import UserRow


def get_user(session: Session, username: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.username == username)).first()


def get_user_by_id(session: Session, user_id: int) -> UserRow | None:
    return session.get(UserRow, user_id)


def list_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.username)))


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)


def add_user(
    session: Session, *, username: str, password_hash: str, role: str, now: datetime,
    first_name: str = "", last_name: str = "", email: str = "",
) -> UserRow:
    row = UserRow(
        username=username, password_hash=password_hash, role=role, first_name=first_name, last_name=last_name,
        email=email, active=True, created_on=now,
    )
    session.add(row)
    session.flush()
    return row


def set_password_hash(session: Session, username: str, password_hash: str) -> bool:
    statement = update(UserRow).where(UserRow.username == username).values(password_hash=password_hash)
    return session.execute(statement).rowcount == 1


def set_last_login(session: Session, user_id: int, now: datetime) -> None:
    session.execute(update(UserRow).where(UserRow.id == user_id).values(last_login=now))


def delete_user(session: Session, username: str) -> bool:
    return session.execute(delete(UserRow).where(UserRow.username == username)).rowcount == 1
