"""The test station: zones, airlocks to a docked vessel, a door, persons."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from muster import clock
from muster.access.presence import move_person
from muster.people.enums import Affiliation, PartyKind, PersonStatus
from muster.people.models import Party, Person
from muster.places.enums import PortalKind, PortalMode, ZoneKind
from muster.places.models import Portal, Post, Zone


@dataclass
class Station:
    """Ids of the test station's records."""

    session: Session
    vessel: Party
    other_vessel: Party
    zones: dict[str, Zone] = field(default_factory=dict)
    portals: dict[str, Portal] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    post: Post | None = None

    def add_person(
        self,
        name: str,
        affiliation: Affiliation,
        *,
        party: Party | None = None,
        status: PersonStatus = PersonStatus.ACTIVE,
        zone: str | None = "rings",
    ) -> Person:
        """Register a person, placed in ``zone`` (None: place unknown)."""
        at = clock.now()
        person = Person(
            name=name,
            badge_id=f"B-{name}",
            affiliation=affiliation,
            party_id=party.id if party else None,
            roles=[],
            status=status,
            created_at=at,
            updated_at=at,
        )
        self.session.add(person)
        self.session.flush()
        if zone is not None:
            move_person(
                self.session, person_id=person.id, zone_id=self.zones[zone].id, source="test"
            )
        self.persons[name] = person
        return person


def build_station(session: Session) -> Station:
    """Zones, two airlocks to a docked vessel's collars, one door to the hospital."""
    at = clock.now()
    vessel = Party(
        name="Vessel", kind=PartyKind.VESSEL, expected_aboard=4, created_at=at, updated_at=at
    )
    other = Party(name="Other vessel", kind=PartyKind.VESSEL, created_at=at, updated_at=at)
    session.add_all([vessel, other])
    session.flush()
    station = Station(session=session, vessel=vessel, other_vessel=other)
    for key, kind, docked in [
        ("rings", ZoneKind.INTERNAL, None),
        ("south", ZoneKind.INTERNAL, None),
        ("west", ZoneKind.INTERNAL, None),
        ("hospital", ZoneKind.INTERNAL, None),
        ("south_collar", ZoneKind.COLLAR, vessel.id),
        ("west_collar", ZoneKind.COLLAR, vessel.id),
        ("far_collar", ZoneKind.COLLAR, other.id),
        ("empty_collar", ZoneKind.COLLAR, None),
    ]:
        zone = Zone(name=key, kind=kind, docked_party_id=docked, created_at=at, updated_at=at)
        session.add(zone)
        station.zones[key] = zone
    session.flush()
    for key, kind, inside, outside in [
        ("South airlock", PortalKind.AIRLOCK, "south", "south_collar"),
        ("West airlock", PortalKind.AIRLOCK, "west", "west_collar"),
        ("Far airlock", PortalKind.AIRLOCK, "rings", "far_collar"),
        ("Empty airlock", PortalKind.AIRLOCK, "rings", "empty_collar"),
        ("Hospital door", PortalKind.DOOR, "south", "hospital"),
    ]:
        portal = Portal(
            name=key,
            kind=kind,
            inside_zone_id=station.zones[inside].id,
            outside_zone_id=station.zones[outside].id,
            mode=PortalMode.NORMAL,
            created_at=at,
            updated_at=at,
        )
        session.add(portal)
        station.portals[key] = portal
    session.flush()
    post = Post(
        name="South post",
        portal_id=station.portals["South airlock"].id,
        created_at=at,
        updated_at=at,
    )
    session.add(post)
    session.flush()
    station.post = post
    return station
