"""``muster user ...`` and ``muster token ...``."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from rich.table import Table

from muster.auth import service
from muster.cli.common import cli_actor, cli_session, console

user_app = typer.Typer(help="Operator accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for devices and scripts.", no_args_is_help=True)


@user_app.command("create")
def user_create(
    username: str,
    name: Annotated[str, typer.Option(help="Name shown in the record")],
    role: Annotated[list[str], typer.Option(help="Role; repeat for several")] = [],  # noqa: B006
    person_id: Annotated[str | None, typer.Option(help="Registry id of the person")] = None,
) -> None:
    """Create an operator account and print its one-time password.

    Example: muster user create dominic --name Dominic --role officer
    """
    password = secrets.token_urlsafe(12)
    with cli_session() as session:
        service.create_account(
            session,
            username=username,
            display_name=name,
            roles=role,
            password=password,
            actor=cli_actor(session),
            person_id=person_id,
        )
    console.print(f"Account [bold]{username}[/] created. One-time password: [bold]{password}[/]")


@user_app.command("passwd")
def user_passwd(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set an account's password; its console sessions end.

    Example: muster user passwd dominic
    """
    with cli_session() as session:
        service.set_password(
            session, username=username, password=password, actor=cli_actor(session)
        )
    console.print(f"Password of {username} changed.")


@token_app.command("create")
def token_create(
    name: str,
    username: Annotated[str, typer.Option("--user", help="Account the token acts as")],
    scope: Annotated[list[str], typer.Option(help="Allowed action; repeat")] = [],  # noqa: B006
    portal: Annotated[
        str | None, typer.Option(help="Bind a reader's token to this portal id")
    ] = None,
    channel: Annotated[
        list[str] | None, typer.Option(help="Bind a handset's token to a channel id; repeat")
    ] = None,
) -> None:
    """Create a named token; the secret is printed once.

    Example: muster token create south-reader --user south-post --portal <portal id>
    """
    with cli_session() as session:
        _token, secret = service.create_token(
            session,
            name=name,
            username=username,
            scopes=scope,
            portal_id=portal,
            channel_ids=channel or None,
            actor=cli_actor(session),
        )
    console.print(f"Token [bold]{name}[/]: {secret}")
    console.print("Store it now; it cannot be shown again.")


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke a token; it stops working at once.

    Example: muster token revoke south-reader
    """
    with cli_session() as session:
        service.revoke_token(session, name=name, actor=cli_actor(session))
    console.print(f"Token {name} revoked.")


@token_app.command("list")
def token_list() -> None:
    """List tokens (never their secrets); an administrator's.

    Example: MUSTER_USER=admin muster token list
    """
    from muster.auth.accounts import list_tokens

    with cli_session(write=False) as session:
        table = Table("name", "scopes", "created", "revoked")
        for token in list_tokens(session, actor=cli_actor(session)):
            table.add_row(
                token.name,
                ", ".join(token.scopes) or "(all of the account's)",
                token.created_at.strftime("%Y-%m-%d %H:%M"),
                token.revoked_at.strftime("%Y-%m-%d %H:%M") if token.revoked_at else "",
            )
    console.print(table)
