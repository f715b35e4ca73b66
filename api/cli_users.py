"""``callscope users …``: add users with a role and scope, passwords, API tokens. The command line acts
as the machine's administrator: it needs no sign-in, only access to the database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.console import cli_runtime, console, handle_errors

__all__ = ["users_app"]

users_app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)


@users_app.command("add")
@handle_errors
def add(
    username: Annotated[str, typer.Argument(help="The sign-in name.")],
    role: Annotated[str, typer.Option(help="agent, evaluator, manager or admin.")],
    agent_id: Annotated[str | None, typer.Option(help="An agent's id on their calls.")] = None,
    team: Annotated[list[str] | None, typer.Option(help="A team the user sees (repeat; none: all).")] = None,
    password: Annotated[str | None, typer.Option(help="Empty: a generated one, printed once.")] = None,
) -> None:
    """Add a user."""
    from api.auth import create_user

    user, secret = create_user(
        cli_runtime(), username, role, password=password, agent_id=agent_id, teams=team
    )
    console.print(f"added {user.username} ({user.role})" + ("" if password else f", password: {secret}"))


@users_app.command("list")
@handle_errors
def list_cmd() -> None:
    """The users with their role and scope."""
    from api.auth import list_users

    table = Table(show_edge=False)
    for col in ("user", "role", "agent id", "teams", "active", "last sign-in"):
        table.add_column(col)
    for u in list_users(cli_runtime()):
        table.add_row(
            u.username,
            u.role,
            u.agent_id or "",
            ", ".join(u.teams) or "(all)",
            "yes" if u.active else "no",
            f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "",
        )
    console.print(table)


@users_app.command("passwd")
@handle_errors
def passwd(
    username: str,
    password: Annotated[str | None, typer.Option(help="Empty: a generated one, printed once.")] = None,
) -> None:
    """Set a user's password (their web sessions end)."""
    from api.auth import set_password

    secret = set_password(cli_runtime(), username, password)
    console.print(f"password of {username} changed" + ("" if password else f": {secret}"))


@users_app.command("disable")
@handle_errors
def disable(username: str) -> None:
    """Disable a user: their sessions and tokens stop working."""
    from api.auth import update_user

    update_user(cli_runtime(), username, active=False)
    console.print(f"{username} disabled")


@users_app.command("token")
@handle_errors
def token(
    username: str, name: Annotated[str, typer.Option(help="What the token is for.")] = "integration"
) -> None:
    """Create an API token acting as the user (``Authorization: Bearer …``); printed once."""
    from api.auth import create_token

    console.print(create_token(cli_runtime(), username, name))
