"""``muster zone|portal|post ...``: the places registry at the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from muster.cli.common import cli_actor, cli_session, console
from muster.people.cli import Limit, Offset, build, id_table, party_name
from muster.places import service
from muster.places.enums import PortalKind, ZoneKind
from muster.places.models import Portal, Zone
from muster.places.schemas import PortalCreate, PostCreate, ZoneCreate

zone_app = typer.Typer(help="Zones of the station and docking collars.", no_args_is_help=True)
portal_app = typer.Typer(help="Airlocks and doors.", no_args_is_help=True)
post_app = typer.Typer(help="Guard posts and who is assigned to them.", no_args_is_help=True)


def zone_name(session: Session, zone_id: str | None) -> str:
    """The name of a zone, or an empty string for none."""
    zone = session.get(Zone, zone_id) if zone_id else None
    return zone.name if zone else ""


def portal_name(session: Session, portal_id: str | None) -> str:
    """The name of a portal, or an empty string for none."""
    portal = session.get(Portal, portal_id) if portal_id else None
    return portal.name if portal else ""


def footer(shown: int, total: int, offset: int) -> None:
    """Say how much of a list was shown."""
    console.print(f"{shown} of {total} shown (offset {offset}).")


@zone_app.command("add")
def zone_add(
    name: str,
    kind: Annotated[ZoneKind, typer.Option(help="internal, or collar (outside an airlock)")],
    docked: Annotated[str | None, typer.Option(help="Party docked at a collar")] = None,
    description: Annotated[str, typer.Option(help="Free text")] = "",
    x: Annotated[float | None, typer.Option(help="Map position, x")] = None,
    y: Annotated[float | None, typer.Option(help="Map position, y")] = None,
) -> None:
    """Register a zone.

    Example: muster zone add "South collar" --kind collar --docked "Visiting vessel"
    """
    with cli_session() as session:
        data = build(
            ZoneCreate,
            name=name,
            kind=kind,
            docked_party_id=docked,
            description=description,
            map_x=x,
            map_y=y,
        )
        zone = service.create_zone(session, data=data, actor=cli_actor(session))
        console.print(f"Zone [bold]{zone.name}[/] registered with id {zone.id}.")


@zone_app.command("list")
def zone_list(
    kind: Annotated[ZoneKind | None, typer.Option(help="Only this kind")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> None:
    """List zones by name.

    Example: muster zone list --kind collar
    """
    with cli_session(write=False) as session:
        rows, total = service.list_zones(session, kind=kind, limit=limit, offset=offset)
        table = id_table("name", "kind", "docked party")
        for z in rows:
            table.add_row(z.name, z.kind.value, party_name(session, z.docked_party_id), z.id)
    console.print(table)
    footer(len(rows), total, offset)


@zone_app.command("show")
def zone_show(ref: Annotated[str, typer.Argument(help="Zone name or id")]) -> None:
    """Show a zone and its portals.

    Example: muster zone show "Command deck"
    """
    with cli_session(write=False) as session:
        zone = service.find_zone(session, ref)
        portals, _total = service.list_portals(session, zone_id=zone.id, limit=500, offset=0)
        console.print(f"[bold]{zone.name}[/]  ({zone.id})")
        console.print(f"  kind:   {zone.kind.value}")
        console.print(f"  docked: {party_name(session, zone.docked_party_id) or '-'}")
        if zone.description:
            console.print(f"  about:  {zone.description}")
        for portal in portals:
            console.print(f"  - {portal.kind.value} {portal.name} ({portal.mode.value})")


@portal_app.command("add")
def portal_add(
    name: str,
    kind: Annotated[PortalKind, typer.Option(help="airlock or door")],
    inside: Annotated[str, typer.Option(help="Internal zone, name or id")],
    outside: Annotated[str, typer.Option(help="Collar (airlock) or internal zone (door)")],
) -> None:
    """Register an airlock or a door.

    Example: muster portal add "South airlock" --kind airlock --inside Hub --outside "South collar"
    """
    with cli_session() as session:
        data = build(
            PortalCreate,
            name=name,
            kind=kind,
            inside_zone_id=inside,
            outside_zone_id=outside,
        )
        portal = service.create_portal(session, data=data, actor=cli_actor(session))
        console.print(f"Portal [bold]{portal.name}[/] registered with id {portal.id}.")


@portal_app.command("list")
def portal_list(
    kind: Annotated[PortalKind | None, typer.Option(help="Only this kind")] = None,
    zone: Annotated[str | None, typer.Option(help="Only portals of this zone")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> None:
    """List portals by name.

    Example: muster portal list --kind airlock
    """
    with cli_session(write=False) as session:
        zone_id = service.find_zone(session, zone).id if zone else None
        rows, total = service.list_portals(
            session, kind=kind, zone_id=zone_id, limit=limit, offset=offset
        )
        table = id_table("name", "kind", "inside", "outside", "mode")
        for p in rows:
            table.add_row(
                p.name,
                p.kind.value,
                zone_name(session, p.inside_zone_id),
                zone_name(session, p.outside_zone_id),
                p.mode.value,
                p.id,
            )
    console.print(table)
    footer(len(rows), total, offset)


@portal_app.command("show")
def portal_show(ref: Annotated[str, typer.Argument(help="Portal name or id")]) -> None:
    """Show a portal and its posts.

    Example: muster portal show "South airlock"
    """
    with cli_session(write=False) as session:
        portal = service.find_portal(session, ref)
        posts, _total = service.list_posts(session, portal_id=portal.id, limit=500, offset=0)
        console.print(f"[bold]{portal.name}[/]  ({portal.id})")
        console.print(f"  kind:    {portal.kind.value}")
        console.print(f"  inside:  {zone_name(session, portal.inside_zone_id)}")
        console.print(f"  outside: {zone_name(session, portal.outside_zone_id)}")
        reason = f" ({portal.mode_reason})" if portal.mode_reason else ""
        console.print(f"  mode:    {portal.mode.value}{reason}")
        for post in posts:
            console.print(f"  - post {post.name}")


@post_app.command("add")
def post_add(
    name: str,
    portal: Annotated[str | None, typer.Option(help="Portal, name or id")] = None,
    zone: Annotated[str | None, typer.Option(help="Zone, name or id")] = None,
) -> None:
    """Register a guard post.

    Example: muster post add "South post" --portal "South airlock"
    """
    with cli_session() as session:
        data = build(
            PostCreate,
            name=name,
            portal_id=portal,
            zone_id=zone,
        )
        post = service.create_post(session, data=data, actor=cli_actor(session))
        console.print(f"Post [bold]{post.name}[/] registered with id {post.id}.")


@post_app.command("list")
def post_list(
    portal: Annotated[str | None, typer.Option(help="Only posts at this portal")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> None:
    """List posts by name.

    Example: muster post list --portal "West airlock"
    """
    with cli_session(write=False) as session:
        portal_id = service.find_portal(session, portal).id if portal else None
        rows, total = service.list_posts(session, portal_id=portal_id, limit=limit, offset=offset)
        table = id_table("name", "portal", "zone", "assigned")
        for p in rows:
            table.add_row(
                p.name,
                portal_name(session, p.portal_id),
                zone_name(session, p.zone_id),
                str(len(service.post_members(session, p.id))),
                p.id,
            )
    console.print(table)
    footer(len(rows), total, offset)


@post_app.command("show")
def post_show(ref: Annotated[str, typer.Argument(help="Post name or id")]) -> None:
    """Show a post and who is assigned to it.

    Example: muster post show "South post"
    """
    with cli_session(write=False) as session:
        post = service.find_post(session, ref)
        members = service.post_members(session, post.id)
        console.print(f"[bold]{post.name}[/]  ({post.id})")
        console.print(f"  portal: {portal_name(session, post.portal_id) or '-'}")
        console.print(f"  zone:   {zone_name(session, post.zone_id) or '-'}")
        console.print(f"  assigned: {len(members)}")
        for person in members:
            console.print(f"  - {person.name} ({person.status.value})")


@post_app.command("assign")
def post_assign(
    post: Annotated[str, typer.Argument(help="Post name or id")],
    person: Annotated[str, typer.Argument(help="Person name, badge id or id")],
) -> None:
    """Assign a person to a post.

    Example: muster post assign "West post" Ken
    """
    with cli_session() as session:
        service.assign_to_post(session, post_id=post, person_id=person, actor=cli_actor(session))
        console.print(f"{person} assigned to {post}.")


@post_app.command("unassign")
def post_unassign(
    post: Annotated[str, typer.Argument(help="Post name or id")],
    person: Annotated[str, typer.Argument(help="Person name, badge id or id")],
) -> None:
    """Take a person off a post.

    Example: muster post unassign "West post" Ken
    """
    with cli_session() as session:
        service.unassign_from_post(
            session, post_id=post, person_id=person, actor=cli_actor(session)
        )
        console.print(f"{person} taken off {post}.")
