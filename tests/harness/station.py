"""Factories for the test stations: parties, zones, portals, posts, persons and accounts.

Each domain's tests keep a station of their own (``tests/<domain>/station.py`` or its
conftest), laid out with the names its tests assert on; every record in them is made here.

Two kinds of factory, for two kinds of test:

- ``*_row``: the record as the database already holds it, written directly and without an
  event. For tests of a rule that reads the register (an airlock decision, a roll call, a
  message's recipients), where the register is the given, not the subject.
- ``new_*``: the record made through the registry's own use case, as an operator would,
  with its event and its checks. For tests whose subject includes the record (maps,
  timelines, custody, casualties).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy.orm import Session

from muster import clock
from muster.auth.models import Account
from muster.people import service as people
from muster.people.enums import Affiliation, PartyKind, PersonStatus
from muster.people.models import Party, Person
from muster.people.schemas import PartyCreate, PersonCreate
from muster.places import service as places
from muster.places.enums import PortalKind, PortalMode, ZoneKind
from muster.places.models import Portal, Post, PostAssignment, Zone
from muster.places.schemas import PortalCreate, PostCreate, ZoneCreate
from muster.policy.actor import Actor

# Records as the database holds them

Row = TypeVar("Row", Party, Zone, Portal, Post, Person, Account)


def _saved(session: Session, row: Row) -> Row:
    """``row`` added and flushed (it has its id)."""
    session.add(row)
    session.flush()
    return row


def party_row(
    session: Session, name: str, kind: PartyKind = PartyKind.VESSEL, **fields: object
) -> Party:
    """A party (by default a vessel), flushed."""
    at = clock.now()
    return _saved(session, Party(name=name, kind=kind, created_at=at, updated_at=at, **fields))


def zone_row(
    session: Session, name: str, kind: ZoneKind = ZoneKind.INTERNAL, docked: Party | None = None
) -> Zone:
    """A zone (a collar with the party docked at it, if any), flushed."""
    at = clock.now()
    row = Zone(
        name=name,
        kind=kind,
        docked_party_id=docked.id if docked else None,
        created_at=at,
        updated_at=at,
    )
    return _saved(session, row)


def portal_row(
    session: Session, name: str, kind: PortalKind, inside: Zone, outside: Zone
) -> Portal:
    """A portal between two zones, run normally, flushed."""
    at = clock.now()
    row = Portal(
        name=name,
        kind=kind,
        inside_zone_id=inside.id,
        outside_zone_id=outside.id,
        mode=PortalMode.NORMAL,
        created_at=at,
        updated_at=at,
    )
    return _saved(session, row)


def post_row(
    session: Session,
    name: str,
    *,
    portal: Portal | None = None,
    assigned: Iterable[Person | str] = (),
) -> Post:
    """A guard post (at ``portal``, if any) with persons (rows or ids) assigned, flushed."""
    at = clock.now()
    row = _saved(
        session,
        Post(name=name, portal_id=portal.id if portal else None, created_at=at, updated_at=at),
    )
    for person in assigned:
        person_id = person if isinstance(person, str) else person.id
        session.add(PostAssignment(post_id=row.id, person_id=person_id, assigned_at=at))
    session.flush()
    return row


def person_row(
    session: Session,
    name: str,
    affiliation: Affiliation,
    *,
    roles: Iterable[str] = (),
    party: Party | None = None,
    status: PersonStatus = PersonStatus.ACTIVE,
    badge_id: str | None = None,
) -> Person:
    """A registered person; a resident needs consent to leave, as the registry sets it."""
    at = clock.now()
    row = Person(
        name=name,
        badge_id=badge_id,
        affiliation=affiliation,
        consent_required=affiliation is Affiliation.RESIDENT,
        party_id=party.id if party else None,
        roles=list(roles),
        status=status,
        created_at=at,
        updated_at=at,
    )
    return _saved(session, row)


def account_row(session: Session, username: str, person: Person, roles: Iterable[str]) -> Account:
    """An account of ``person`` with ``roles`` (it signs in by token, not by password)."""
    row = Account(
        username=username,
        display_name=person.name,
        person_id=person.id,
        roles=list(roles),
        password_hash="not-a-password",
        created_at=clock.now(),
    )
    return _saved(session, row)


# Records made through the registry's use cases


def new_party(
    session: Session, actor: Actor, name: str, kind: PartyKind = PartyKind.VESSEL
) -> Party:
    """A party registered through the people service."""
    return people.create_party(session, data=PartyCreate(name=name, kind=kind), actor=actor)


def new_zone(
    session: Session,
    actor: Actor,
    name: str,
    kind: ZoneKind = ZoneKind.INTERNAL,
    *,
    docked: Party | None = None,
    map_at: tuple[float, float] | None = None,
) -> Zone:
    """A zone made through the places service (on the map at ``map_at``, if given)."""
    x, y = map_at if map_at else (None, None)
    data = ZoneCreate(
        name=name,
        kind=kind,
        docked_party_id=docked.id if docked else None,
        map_x=x,
        map_y=y,
    )
    return places.create_zone(session, data=data, actor=actor)


def new_portal(
    session: Session, actor: Actor, name: str, kind: PortalKind, inside: Zone, outside: Zone
) -> Portal:
    """A portal made through the places service."""
    data = PortalCreate(name=name, kind=kind, inside_zone_id=inside.id, outside_zone_id=outside.id)
    return places.create_portal(session, data=data, actor=actor)


def new_post(
    session: Session,
    actor: Actor,
    name: str,
    *,
    portal: Portal | None = None,
    zone: Zone | None = None,
    assigned: Iterable[Person] = (),
) -> Post:
    """A post made through the places service, with persons assigned through it."""
    data = PostCreate(
        name=name, portal_id=portal.id if portal else None, zone_id=zone.id if zone else None
    )
    post = places.create_post(session, data=data, actor=actor)
    for person in assigned:
        places.assign_to_post(session, post_id=post.id, person_id=person.id, actor=actor)
    return post


def new_person(
    session: Session,
    actor: Actor,
    name: str,
    affiliation: Affiliation = Affiliation.CREW,
    *,
    roles: Iterable[str] = (),
    party: Party | str | None = None,
) -> Person:
    """A person registered through the people service (``party``: a row or its id)."""
    party_id = party.id if isinstance(party, Party) else party
    data = PersonCreate(name=name, affiliation=affiliation, roles=list(roles), party_id=party_id)
    return people.create_person(session, data=data, actor=actor)
