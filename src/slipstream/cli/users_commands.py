"""``slipstream users``: who may log in to the API and the UI (Airflow 2's flags)."""

from __future__ import annotations

import click

from slipstream.cli.environment import service_call, service_context
from slipstream.cli.output import output_option, print_rows

ROLES = ("Admin", "Op", "User", "Viewer")


@click.group()
def users() -> None:
    """Create, list, delete users and reset their passwords."""


def _new_password(password: str | None, use_random_password: bool) -> tuple[str, bool]:
    from slipstream.services import users as user_service

    if password is not None and use_random_password:
        raise click.UsageError("Give either --password or --use-random-password, not both")
    if use_random_password:
        return user_service.random_password(), True
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password, False


@users.command("create")
@click.option("-u", "--username", required=True)
@click.option("-p", "--password", default=None, help="Asked for when not given.")
@click.option("-r", "--role", required=True, type=click.Choice(ROLES, case_sensitive=False))
@click.option("-f", "--firstname", default="")
@click.option("-l", "--lastname", default="")
@click.option("-e", "--email", default="")
@click.option("--use-random-password", is_flag=True, help="Generate a password and print it once.")
def create(username: str, password: str | None, role: str, firstname: str, lastname: str, email: str,
           use_random_password: bool) -> None:
    """Create a user who may log in to the API and the UI."""
    from slipstream.services import users as user_service

    password, generated = _new_password(password, use_random_password)
    user = service_call(user_service.create_user, service_context(), username=username, password=password, role=role,
                        first_name=firstname, last_name=lastname, email=email)
    click.echo(f"User {user.username!r} created with role {user.role.value}")
    if generated:
        click.echo(f"Password: {password}")


@users.command("list")
@output_option
def list_users(output: str) -> None:
    """List the users and their roles."""
    from slipstream.services import users as user_service

    rows = [
        {"id": u.id, "username": u.username, "email": u.email, "first_name": u.first_name, "last_name": u.last_name,
         "roles": [u.role.value]}
        for u in user_service.list_users(service_context())
    ]
    print_rows(rows, output, ["id", "username", "email", "first_name", "last_name", "roles"])


@users.command("delete")
@click.option("-u", "--username", required=True)
def delete(username: str) -> None:
    """Delete a user; their tokens stop working at once."""
    from slipstream.services import users as user_service

    service_call(user_service.delete_user, service_context(), username)
    click.echo(f"User {username!r} deleted")


@users.command("reset-password")
@click.option("-u", "--username", required=True)
@click.option("-p", "--password", default=None, help="Asked for when not given.")
@click.option("--use-random-password", is_flag=True, help="Generate a password and print it once.")
def reset_password(username: str, password: str | None, use_random_password: bool) -> None:
    """Set a user's password."""
    from slipstream.services import users as user_service

    password, generated = _new_password(password, use_random_password)
    service_call(user_service.reset_password, service_context(), username, password)
    click.echo(f"Password of {username!r} reset")
    if generated:
        click.echo(f"Password: {password}")
