"""A small station for logistics tests: the armory, two airlock posts and their people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from harness.station import new_person, new_post, new_zone
from muster import clock
from muster.db import Database
from muster.logistics import stock
from muster.logistics.enums import ItemKind, LocationKind
from muster.logistics.items import create_item
from muster.logistics.locations import Location
from muster.logistics.models import Item
from muster.logistics.request_models import SupplyRequest
from muster.logistics.request_schemas import RequestCreate
from muster.logistics.requests import create_request
from muster.logistics.schemas import ItemCreate
from muster.logistics.stock import receive_stock
from muster.logistics.workorder_models import WorkOrder
from muster.logistics.workorder_schemas import WorkOrderCreate
from muster.logistics.workorders import create_work_order
from muster.people.models import Person
from muster.places.models import Post, Zone
from muster.places.service import assign_to_post
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
    return new_person(session, actor, name, roles=roles)


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
    armory = new_zone(session, actor, "Armory")
    workshop = new_zone(session, actor, "Engineering workshop")
    south_corridor = new_zone(session, actor, "South corridor")
    west_corridor = new_zone(session, actor, "West corridor")
    south = new_post(session, actor, "South airlock post", zone=south_corridor)
    west = new_post(session, actor, "West airlock post", zone=west_corridor)
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


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def shield_order(session: Session, actor: Actor, station: Station) -> tuple[Item, Item, WorkOrder]:
    """Ten sheets in the workshop; George to make four tracked hand shields from six."""
    sheets = make_item(session, actor, "Aluminium repair sheet", unit="sheet")
    shields = make_item(session, actor, "Hand shield", ItemKind.EQUIPMENT, tracked=True)
    stock.receive_stock(
        session,
        item_id=sheets.id,
        location=station.at(station.workshop),
        quantity=Decimal(10),
        actor=actor,
    )
    data = WorkOrderCreate.model_validate(
        {
            "title": "Hand shields from repair sheets",
            "assignee_person_id": station.george.id,
            "product_item_id": shields.id,
            "product_quantity": 4,
            "output": {"kind": "zone", "id": station.workshop.id},
            "materials": [
                {
                    "item_id": sheets.id,
                    "quantity": 6,
                    "location": {"kind": "zone", "id": station.workshop.id},
                }
            ],
            "steps": ["Cut sheets", "Fit grips"],
        }
    )
    return sheets, shields, create_work_order(session, data=data, actor=actor)


@pytest.fixture
def ids(db: Database) -> dict[str, str]:
    """A committed station: ids of its zones, posts and people."""
    with db.session_scope() as session:
        station = build_station(session, Actor.system("test"))
        return {
            "armory": station.armory.id,
            "workshop": station.workshop.id,
            "south": station.south.id,
            "west": station.west.id,
            "guard_south": station.guard_south.id,
            "lisa": station.lisa.id,
            "george": station.george.id,
        }


def weapons_request(
    session: Session, actor: Actor, station: Station, *, needed_in: timedelta | None = None
) -> tuple[Item, SupplyRequest]:
    """Four rifles in the armory; two asked for at each airlock post."""
    rifle = make_item(session, actor, "Rifle", ItemKind.WEAPON, tracked=True)
    receive_stock(
        session,
        item_id=rifle.id,
        location=station.at(station.armory),
        serials=["R-1", "R-2", "R-3", "R-4"],
        actor=actor,
    )
    data = RequestCreate.model_validate(
        {
            "title": "Weapons to the South and West airlocks",
            "source": {"kind": "zone", "id": station.armory.id},
            "priority": "flash",
            "needed_by": clock.now() + needed_in if needed_in else None,
            "lines": [
                {"item_id": rifle.id, "quantity": 2, "dest": {"kind": "post", "id": post.id}}
                for post in (station.south, station.west)
            ],
        }
    )
    return rifle, create_request(session, data=data, actor=actor)
