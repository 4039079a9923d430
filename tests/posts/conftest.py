"""Fixtures of the post report tests: the comms station, committed, with an open incident."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comms.station import Station, committed
from console.conftest import console  # noqa: F401  (the console fixtures)
from muster.db import Database


@pytest.fixture
def crew(db: Database) -> Station:
    """Two airlock posts (South: Gail, Sam; West: Wes, Tara, Dominic, Ken), committed."""
    return committed(db)


@pytest.fixture
def commander(make_client: Callable[..., TestClient], crew: Station) -> TestClient:
    """John, the station's commander, signed in."""
    return make_client("commander", person_id=crew.persons["John"])


@pytest.fixture
def incident(commander: TestClient, crew: Station) -> str:
    """An open incident at the airlocks, declared by John; its id."""
    response = commander.post(
        "/api/v1/incidents",
        json={
            "title": "Visiting party at the airlocks",
            "kind": "security",
            "severity": "critical",
            "location": "South and West airlocks",
            "commander_id": crew.persons["John"],
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def guard(make_client: Callable[..., TestClient], crew: Station, name: str) -> TestClient:
    """A guard of the station signed in as herself."""
    return make_client("guard", person_id=crew.persons[name])


def rifle_out_to(db: Database, crew: Station, name: str, serial: str) -> str:
    """A rifle stocked in the residential ring and signed out to ``name``; its unit id."""
    from decimal import Decimal

    from sqlalchemy import select

    from muster.errors import NotFound
    from muster.logistics.custody import sign_out_unit
    from muster.logistics.enums import HolderKind, ItemKind, LocationKind
    from muster.logistics.items import create_item, find_item, find_unit
    from muster.logistics.locations import Location
    from muster.logistics.schemas import ItemCreate
    from muster.logistics.stock import receive_stock
    from muster.places.models import Zone
    from muster.policy.actor import Actor

    actor = Actor.system("test")
    with db.session_scope() as session:
        try:
            item = find_item(session, "Rifle")
        except NotFound:
            data = ItemCreate(
                name="Rifle", kind=ItemKind.WEAPON, tracked=True, reorder_level=Decimal(0)
            )
            item = create_item(session, data=data, actor=actor)
        zone = session.scalar(select(Zone).where(Zone.name == "Residential ring"))
        assert zone is not None
        receive_stock(
            session,
            item_id=item.id,
            location=Location(LocationKind.ZONE, zone.id),
            serials=[serial],
            actor=actor,
        )
        unit = find_unit(session, item, serial)
        sign_out_unit(
            session,
            unit_id=unit.id,
            holder_kind=HolderKind.PERSON,
            holder_id=crew.persons[name],
            actor=actor,
        )
        return unit.id


STANDOFF: dict[str, Any] = {
    "status": "standoff",
    "visitors": 15,
    "residents": 12,
    "armed": 15,
    "text": "Fifteen visitors face the guards.",
}


def events_of(client: TestClient, kind: str) -> list[dict[str, Any]]:
    """Events of one kind from the log, oldest first."""
    response = client.get("/api/v1/events", params={"kind": kind, "limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])
