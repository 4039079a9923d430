"""An exercise's airlocks behind door controllers: only airlocks get doors, and the inject's
actor is authorized before a door is made or asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from access.station import Station, build_station
from muster.access.enums import Direction
from muster.access.facts import load_portal
from muster.db import Database
from muster.door.exercise import DoorBank
from muster.errors import Forbidden
from muster.people.enums import Affiliation
from muster.policy.actor import Actor

OBSERVER = Actor(kind="account", id="acc-olga", name="Olga", roles=frozenset({"observer"}))


@pytest.fixture
def station(session: Session) -> Station:
    """The access tests' station, in the test's session."""
    return build_station(session)


@pytest.fixture
def bank(db: Database, tmp_path: Path) -> DoorBank:
    """A bank of doors for the test database, journals in ``tmp_path``."""
    return DoorBank(db, tmp_path)


class TestDoors:
    """Airlocks are put behind doors; inner doors are not."""

    def test_only_airlocks(self, bank: DoorBank, station: Station) -> None:
        session = station.session
        assert bank.serves(load_portal(session, station.portals["South airlock"].id))
        assert not bank.serves(load_portal(session, station.portals["Hospital door"].id))


class TestRefused:
    """An actor who may not ask the airlock is refused before any door exists."""

    def test_a_request(self, bank: DoorBank, session: Session, station: Station) -> None:
        station.add_person("Ana", Affiliation.RESIDENT, zone="south")
        portal = load_portal(session, station.portals["South airlock"].id)
        with pytest.raises(Forbidden, match=r"access\.request"):
            bank.request(session, OBSERVER, portal, ["Ana"], Direction.EXIT)
        assert bank.doors == {}

    def test_a_passage(self, bank: DoorBank, session: Session, station: Station) -> None:
        ana = station.add_person("Ana", Affiliation.RESIDENT, zone="south")
        portal_id = station.portals["South airlock"].id
        with pytest.raises(Forbidden, match=r"passage\.record"):
            bank.passage(session, OBSERVER, portal_id, ana.id, Direction.EXIT, "k-1")
        assert bank.doors == {}
