"""A small station for logistics tests: the armory, two airlock posts and their people."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from muster.logistics.enums import ItemKind, LocationKind
from muster.logistics.items import create_item
from muster.logistics.locations import Location
from muster.logistics.models import Item
from muster.logistics.schemas import ItemCreate
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.places.enums import ZoneKind
from muster.places.models import Post, Zone
from muster.places.schemas import PostCreate, ZoneCreate
from muster.places.service import assign_to_post, create_post, create_zone
from muster.policy.actor import Actor


@dataclass
class Station:
    """The places and people a logistics test needs."""

    armory: Zone
    workshop: Zone
    south: Post
    west: Post
    guard_south: Person
    guard_west: Person
    george: Person
    lisa: Person
    dominic: Person

    def at(self, row: Zone | Post | Person) -> Location:
        """The stock location of a zone, post or person."""
        kind = {Zone: LocationKind.ZONE, Post: LocationKind.POST, Person: LocationKind.PERSON}
        return Location(kind[type(row)], row.id)


def make_person(session: Session, actor: Actor, name: str, roles: list[str]) -> Person:
    """A crew member with roles."""
    data = PersonCreate(name=name, affiliation=Affiliation.CREW, roles=roles)
    return create_person(session, data=data, actor=actor)


def make_item(
    session: Session,
    actor: Actor,
    name: str,
    kind: ItemKind = ItemKind.MATERIAL,
    *,
    tracked: bool = False,
    unit: str = "each",
    reorder_level: str = "0",
) -> Item:
    """An item in the catalogue."""
    data = ItemCreate(
        name=name, kind=kind, tracked=tracked, unit=unit, reorder_level=Decimal(reorder_level)
    )
    return create_item(session, data=data, actor=actor)


@pytest.fixture
def station(session: Session, actor: Actor) -> Station:
    """Zones, posts at the South and West airlocks, guards assigned, George and Lisa."""
    return build_station(session, actor)


def build_station(session: Session, actor: Actor) -> Station:
    """Build the test station in ``session``."""
    armory = create_zone(
        session, data=ZoneCreate(name="Armory", kind=ZoneKind.INTERNAL), actor=actor
    )
    workshop = create_zone(
        session, data=ZoneCreate(name="Engineering workshop", kind=ZoneKind.INTERNAL), actor=actor
    )
    south_corridor = create_zone(
        session, data=ZoneCreate(name="South corridor", kind=ZoneKind.INTERNAL), actor=actor
    )
    west_corridor = create_zone(
        session, data=ZoneCreate(name="West corridor", kind=ZoneKind.INTERNAL), actor=actor
    )
    south = create_post(
        session, data=PostCreate(name="South airlock post", zone_id=south_corridor.id), actor=actor
    )
    west = create_post(
        session, data=PostCreate(name="West airlock post", zone_id=west_corridor.id), actor=actor
    )
    guard_south = make_person(session, actor, "Guard South", ["guard"])
    guard_west = make_person(session, actor, "Guard West", ["guard"])
    assign_to_post(session, post_id=south.id, person_id=guard_south.id, actor=actor)
    assign_to_post(session, post_id=west.id, person_id=guard_west.id, actor=actor)
    return Station(
        armory=armory,
        workshop=workshop,
        south=south,
        west=west,
        guard_south=guard_south,
        guard_west=guard_west,
        george=make_person(session, actor, "George", ["engineer"]),
        lisa=make_person(session, actor, "Lisa", []),
        dominic=make_person(session, actor, "Dominic", ["officer"]),
    )


def rifle_signed_out(session: Session, actor: Actor) -> tuple[Station, Item, str]:
    """The station with rifle RF-01 received at the armory and signed out to the South
    airlock's guard: (station, the rifle item, the unit's id)."""
    from muster.logistics.custody import sign_out_unit
    from muster.logistics.enums import HolderKind
    from muster.logistics.stock import receive_stock

    st = build_station(session, actor)
    item = create_item(
        session, data=ItemCreate(name="Rifle", kind=ItemKind.WEAPON, tracked=True), actor=actor
    )
    armory = Location(LocationKind.ZONE, st.armory.id)
    rows = receive_stock(session, item_id=item.id, location=armory, serials=["RF-01"], actor=actor)
    unit_id = rows[0].unit_id
    assert unit_id is not None
    sign_out_unit(
        session,
        unit_id=unit_id,
        holder_kind=HolderKind.PERSON,
        holder_id=st.guard_south.id,
        actor=actor,
    )
    return st, item, unit_id
