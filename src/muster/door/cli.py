"""``muster door``: run a door controller for one airlock or door (docs/doors.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from muster.cli.common import cli_actor, cli_session, console, fail

door_app = typer.Typer(help="Door controllers that decide at the door.", no_args_is_help=True)
TOKEN_ENV = "MUSTER_DOOR_TOKEN"
READER_SECRET_ENV = "MUSTER_DOOR_READER_SECRET"
MIN_READER_SECRET = 16


@door_app.command("enrol")
def enrol_cmd(
    name: Annotated[str, typer.Argument(help="The door token's name")],
    user: Annotated[str, typer.Option(help="Account the door acts as (a device's account)")],
    portal: Annotated[list[str], typer.Option(help="Portal id or name it serves (repeatable)")],
) -> None:
    """Create the door controller's token, bound to its portals; the secret is printed once.

    Example: muster door enrol south-door --user south-door --portal "South airlock"
    """
    from muster.door.enrol import enrol_door

    with cli_session() as session:
        _token, secret, names = enrol_door(
            session, name=name, username=user, portals=portal, actor=cli_actor(session)
        )
    console.print(f"Door token [bold]{name}[/] for {', '.join(names)}:")
    console.print(secret, soft_wrap=True, highlight=False)
    console.print(f"Store it now; start the door with {TOKEN_ENV} set to it.")


@door_app.command("run")
def run_cmd(
    portal: Annotated[list[str], typer.Option(help="Portal id or name served (repeatable)")],
    server: Annotated[str, typer.Option(help="The Muster server's base URL")],
    data: Annotated[Path, typer.Option(help="Folder for the replica and the journal")],
    port: Annotated[int, typer.Option(help="Port the readers call")] = 8300,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    public_key: Annotated[
        Path | None, typer.Option(help="The station's checkpoint public key (PEM)")
    ] = None,
) -> None:
    """Follow the server's record into a local replica, decide the readers' requests here,
    journal every decision and passage, upload them. The door's API token comes from
    MUSTER_DOOR_TOKEN; readers sign in with MUSTER_DOOR_READER_SECRET, which it needs.

    Example: MUSTER_DOOR_TOKEN=... muster door run --portal "South airlock"
    --server http://10.0.0.2:8000 --data /var/lib/muster-door
    """
    from muster.door.controller import DoorConfig, DoorController
    from muster.door.link import Link
    from muster.door.server import create_door_app, serve
    from muster.events.signing import load_public_key

    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        fail(f"set {TOKEN_ENV} to the door's API token (muster door enrol ...)")
    # Fail closed: without the readers' secret anyone who reaches the port could ask for
    # decisions and record passages in the door's name.
    secret = os.environ.get(READER_SECRET_ENV, "").strip()
    if len(secret) < MIN_READER_SECRET:
        fail(
            f"set {READER_SECRET_ENV} to the secret the door's readers send "
            f"({MIN_READER_SECRET} characters or more), e.g. from: openssl rand -hex 24"
        )
    key = load_public_key(public_key) if public_key else None
    door = DoorController(DoorConfig(portals=tuple(portal), data_dir=data))
    link = Link(door, server_url=server.rstrip("/"), token=token, public_key=key).start()
    try:
        serve(create_door_app(door, reader_secret=secret), host=host, port=port)
    finally:
        link.stop()
