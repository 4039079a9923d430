"""``muster person ...`` and ``muster party ...``: the people registry at the command line."""

from __future__ import annotations

from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy.orm import Session

from muster.cli.common import cli_actor, cli_session, console, fail
from muster.people import service
from muster.people.enums import Affiliation, PartyKind, PersonStatus
from muster.people.models import Party, Person
from muster.people.schemas import PartyCreate, PartyUpdate, PersonCreate, PersonUpdate
from muster.schemas import StrictModel

person_app = typer.Typer(help="Persons aboard or expected aboard.", no_args_is_help=True)
party_app = typer.Typer(help="Visiting vessels and groups.", no_args_is_help=True)

Limit = Annotated[int, typer.Option(min=1, max=500, help="Rows to show")]
Offset = Annotated[int, typer.Option(min=0, help="Rows to skip")]


M = TypeVar("M", bound=StrictModel)


def build(model: type[M], **values: object) -> M:
    """Validate command-line input with the API's own schema; refusals become messages."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in exc.errors()
        )
        fail(problems)
        raise  # fail() exits; this keeps type checkers content


def id_table(*headers: str) -> Table:
    """A table whose last column holds ids, folded rather than cut so they can be copied."""
    table = Table(*headers)
    table.add_column("id", overflow="fold", min_width=12)
    return table


def party_name(session: Session, party_id: str | None) -> str:
    """The name of a party, or an empty string for none."""
    party = session.get(Party, party_id) if party_id else None
    return party.name if party else ""


def print_person(person: Person, party: Party | None) -> None:
    """Print one person's details."""
    console.print(f"[bold]{person.name}[/]  ({person.id})")
    console.print(f"  affiliation: {person.affiliation.value}")
    console.print(f"  status:      {person.status.value}")
    console.print(f"  badge:       {person.badge_id or '-'}")
    console.print(f"  party:       {party.name if party else '-'}")
    console.print(f"  roles:       {', '.join(person.roles) or '-'}")
    if person.notes:
        console.print(f"  notes:       {person.notes}")
    if person.archived_at:
        console.print(f"  archived:    {person.archived_at:%Y-%m-%d %H:%M}")


@person_app.command("add")
def person_add(
    name: str,
    affiliation: Annotated[Affiliation, typer.Option(help="resident, crew or visitor")],
    badge: Annotated[str | None, typer.Option(help="Badge id")] = None,
    party: Annotated[str | None, typer.Option(help="Party name or id")] = None,
    role: Annotated[list[str], typer.Option(help="Role; repeat for several")] = [],  # noqa: B006
    status: Annotated[PersonStatus, typer.Option(help="Status")] = PersonStatus.ACTIVE,
    notes: Annotated[str, typer.Option(help="Free text")] = "",
) -> None:
    """Register a person.

    Example: muster person add Bahati --affiliation visitor --party Vessel --role commander
    """
    with cli_session() as session:
        data = build(
            PersonCreate,
            name=name,
            affiliation=affiliation,
            badge_id=badge,
            party_id=party,
            roles=role,
            status=status,
            notes=notes,
        )
        person = service.create_person(session, data=data, actor=cli_actor(session))
        console.print(f"Person [bold]{person.name}[/] registered with id {person.id}.")


@person_app.command("show")
def person_show(ref: Annotated[str, typer.Argument(help="Name, badge id or id")]) -> None:
    """Show one person.

    Example: muster person show Lisa
    """
    with cli_session(write=False) as session:
        person = service.find_person(session, ref)
        party = service.get_party(session, person.party_id) if person.party_id else None
        print_person(person, party)


@person_app.command("list")
def person_list(
    affiliation: Annotated[Affiliation | None, typer.Option(help="Only this affiliation")] = None,
    party: Annotated[str | None, typer.Option(help="Only members of this party")] = None,
    status: Annotated[PersonStatus | None, typer.Option(help="Only this status")] = None,
    role: Annotated[str | None, typer.Option(help="Only persons with this role")] = None,
    name: Annotated[str | None, typer.Option(help="Part of the name")] = None,
    archived: Annotated[bool, typer.Option(help="Include archived persons")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> None:
    """List persons by name.

    Example: muster person list --affiliation visitor --status active
    """
    with cli_session(write=False) as session:
        party_id = service.find_party(session, party).id if party else None
        flt = service.PersonFilter(
            affiliation=affiliation,
            party_id=party_id,
            status=status,
            role=role,
            q=name,
            include_archived=archived,
        )
        rows, total = service.list_persons(session, flt=flt, limit=limit, offset=offset)
        table = id_table("name", "affiliation", "status", "party", "roles", "badge")
        for p in rows:
            table.add_row(
                p.name + (" (archived)" if p.archived_at else ""),
                p.affiliation.value,
                p.status.value,
                party_name(session, p.party_id),
                ", ".join(p.roles),
                p.badge_id or "",
                p.id,
            )
    console.print(table)
    console.print(f"{len(rows)} of {total} shown (offset {offset}).")


@person_app.command("update")
def person_update(
    ref: Annotated[str, typer.Argument(help="Name, badge id or id")],
    name: Annotated[str | None, typer.Option(help="New name")] = None,
    affiliation: Annotated[Affiliation | None, typer.Option(help="New affiliation")] = None,
    badge: Annotated[str | None, typer.Option(help="New badge id")] = None,
    no_badge: Annotated[bool, typer.Option("--no-badge", help="Remove the badge")] = False,
    party: Annotated[str | None, typer.Option(help="New party, name or id")] = None,
    no_party: Annotated[bool, typer.Option("--no-party", help="Leave the party")] = False,
    role: Annotated[list[str] | None, typer.Option(help="Replace roles; repeat")] = None,
    status: Annotated[PersonStatus | None, typer.Option(help="New status")] = None,
    notes: Annotated[str | None, typer.Option(help="New notes")] = None,
) -> None:
    """Change a person's details; only the options given change.

    Example: muster person update Lisa --status injured
    """
    with cli_session() as session:
        values: dict[str, object] = {
            k: v
            for k, v in {
                "name": name,
                "affiliation": affiliation,
                "badge_id": badge,
                "roles": role,
                "status": status,
                "notes": notes,
            }.items()
            if v is not None
        }
        if no_badge:
            values["badge_id"] = None
        if party is not None:
            values["party_id"] = party  # resolved by the use case, after it authorizes
        if no_party:
            values["party_id"] = None
        data = build(PersonUpdate, **values)
        person = service.update_person(session, person_id=ref, data=data, actor=cli_actor(session))
        console.print(f"Person [bold]{person.name}[/] updated.")


@person_app.command("delete")
def person_delete(ref: Annotated[str, typer.Argument(help="Name, badge id or id")]) -> None:
    """Delete a person, or archive them if the record names them.

    Example: muster person delete "Test Person"
    """
    with cli_session() as session:
        person, references = service.remove_person(session, person_id=ref, actor=cli_actor(session))
        if references:
            console.print(
                f"Person [bold]{person.name}[/] archived, not deleted: the record names them "
                f"in {', '.join(references)}."
            )
        else:
            console.print(f"Person [bold]{person.name}[/] deleted.")


@party_app.command("add")
def party_add(
    name: str,
    kind: Annotated[PartyKind, typer.Option(help="vessel or group")],
    expected: Annotated[int, typer.Option(help="How many are expected aboard")] = 0,
    notes: Annotated[str, typer.Option(help="Free text")] = "",
) -> None:
    """Register a party; name its commander with ``party update`` once they are registered.

    Example: muster party add "Visiting vessel" --kind vessel --expected 25
    """
    with cli_session() as session:
        data = build(PartyCreate, name=name, kind=kind, expected_aboard=expected, notes=notes)
        party = service.create_party(session, data=data, actor=cli_actor(session))
        console.print(f"Party [bold]{party.name}[/] registered with id {party.id}.")


@party_app.command("update")
def party_update(
    ref: Annotated[str, typer.Argument(help="Party name or id")],
    name: Annotated[str | None, typer.Option(help="New name")] = None,
    commander: Annotated[str | None, typer.Option(help="Commander: person name or id")] = None,
    expected: Annotated[int | None, typer.Option(help="How many are expected aboard")] = None,
    notes: Annotated[str | None, typer.Option(help="New notes")] = None,
) -> None:
    """Change a party's details, such as its commander.

    Example: muster party update "Visiting vessel" --commander Bahati
    """
    with cli_session() as session:
        values: dict[str, object] = {
            k: v
            for k, v in {"name": name, "expected_aboard": expected, "notes": notes}.items()
            if v is not None
        }
        if commander is not None:
            values["commander_id"] = commander  # resolved by the use case
        data = build(PartyUpdate, **values)
        party = service.update_party(session, party_id=ref, data=data, actor=cli_actor(session))
        console.print(f"Party [bold]{party.name}[/] updated.")


@party_app.command("list")
def party_list(limit: Limit = 50, offset: Offset = 0) -> None:
    """List parties by name.

    Example: muster party list
    """
    with cli_session(write=False) as session:
        rows, total = service.list_parties(session, limit=limit, offset=offset)
        table = id_table("name", "kind", "expected", "commander")
        for p in rows:
            commander = session.get(Person, p.commander_id) if p.commander_id else None
            table.add_row(
                p.name,
                p.kind.value,
                str(p.expected_aboard),
                commander.name if commander else "",
                p.id,
            )
    console.print(table)
    console.print(f"{len(rows)} of {total} shown (offset {offset}).")


@party_app.command("show")
def party_show(ref: Annotated[str, typer.Argument(help="Party name or id")]) -> None:
    """Show a party and its members.

    Example: muster party show "Visiting vessel"
    """
    with cli_session(write=False) as session:
        party = service.find_party(session, ref)
        commander = session.get(Person, party.commander_id) if party.commander_id else None
        members, total = service.list_persons(
            session, flt=service.PersonFilter(party_id=party.id), limit=500, offset=0
        )
        console.print(f"[bold]{party.name}[/]  ({party.id})")
        console.print(f"  kind:      {party.kind.value}")
        console.print(f"  commander: {commander.name if commander else '-'}")
        console.print(f"  expected:  {party.expected_aboard}; registered: {total}")
        if party.notes:
            console.print(f"  notes:     {party.notes}")
        for member in members:
            console.print(f"  - {member.name} ({member.status.value})")
