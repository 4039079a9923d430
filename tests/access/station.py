"""The test station: zones, airlocks to a docked vessel, a door, persons."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from harness.station import party_row, person_row, portal_row, post_row, zone_row
from muster import clock
from muster.access.presence import move_person
from muster.db import Database
from muster.people.enums import Affiliation, PersonStatus
from muster.people.models import Party, Person
from muster.places.enums import PortalKind, ZoneKind
from muster.places.models import Portal, Post, Zone
from muster.welfare.enums import CaseStatus, CheckupStatus
from muster.welfare.models import Checkup, ConsentCase, ConsentText


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
        person = person_row(
            self.session,
            name,
            affiliation,
            party=party,
            status=status,
            badge_id=f"B-{name}",
        )
        if zone is not None:
            move_person(
                self.session, person_id=person.id, zone_id=self.zones[zone].id, source="test"
            )
        self.persons[name] = person
        return person

    def consent_case(
        self,
        name: str,
        *,
        vessel: Party | None = None,
        status: CaseStatus = CaseStatus.APPROVED,
        checkup_due: datetime | None = None,
    ) -> ConsentCase:
        """A consent case of ``name`` as the welfare process leaves it (``tests/welfare``
        takes the steps), with its pending check-up due at ``checkup_due`` (a week on)."""
        at = clock.now()
        text = ConsentText(
            version=len(self.session.scalars(select(ConsentText)).all()) + 1,
            title="Transfer",
            body="I ask to live aboard the vessel.",
            sha256="0" * 64,
            published_by="test",
            published_at=at,
        )
        self.session.add(text)
        self.session.flush()
        number = len(self.session.scalars(select(ConsentCase)).all()) + 1
        case = ConsentCase(
            number=number,
            person_id=self.persons[name].id,
            vessel_party_id=(vessel or self.vessel).id,
            status=status,
            consent_text_id=text.id,
            consent_sha256=text.sha256,
            opened_by="test",
            opened_at=at,
            status_at=at,
        )
        self.session.add(case)
        self.session.flush()
        due = checkup_due or at + timedelta(days=7)
        self.session.add(
            Checkup(case_id=case.id, person_id=case.person_id, due_at=due, status=CheckupStatus.DUE)
        )
        self.session.flush()
        return case


def build_station(session: Session) -> Station:
    """Zones, two airlocks to a docked vessel's collars, one door to the hospital."""
    vessel = party_row(session, "Vessel", expected_aboard=4)
    other = party_row(session, "Other vessel")
    station = Station(session=session, vessel=vessel, other_vessel=other)
    for key, kind, docked in [
        ("rings", ZoneKind.INTERNAL, None),
        ("south", ZoneKind.INTERNAL, None),
        ("west", ZoneKind.INTERNAL, None),
        ("hospital", ZoneKind.INTERNAL, None),
        ("south_collar", ZoneKind.COLLAR, vessel),
        ("west_collar", ZoneKind.COLLAR, vessel),
        ("far_collar", ZoneKind.COLLAR, other),
        ("empty_collar", ZoneKind.COLLAR, None),
    ]:
        station.zones[key] = zone_row(session, key, kind, docked)
    for key, kind, inside, outside in [
        ("South airlock", PortalKind.AIRLOCK, "south", "south_collar"),
        ("West airlock", PortalKind.AIRLOCK, "west", "west_collar"),
        ("Far airlock", PortalKind.AIRLOCK, "rings", "far_collar"),
        ("Empty airlock", PortalKind.AIRLOCK, "rings", "empty_collar"),
        ("Hospital door", PortalKind.DOOR, "south", "hospital"),
    ]:
        station.portals[key] = portal_row(
            session, key, kind, station.zones[inside], station.zones[outside]
        )
    station.post = post_row(session, "South post", portal=station.portals["South airlock"])
    return station


@contextmanager
def committed_station(db: Database) -> Iterator[Station]:
    """The test station in a transaction of its own, committed when the block ends (for tests
    that drive the API): ``with committed_station(db) as st: st.add_person(...)``."""
    with db.session_scope() as session:
        yield build_station(session)


def ana_in_the_south(db: Database) -> dict[str, str]:
    """The test station with one resident, Ana, in the South corridor, committed: the South
    airlock's id (``portal``) and Ana's (``ana``)."""
    with committed_station(db) as st:
        st.add_person("Ana", Affiliation.RESIDENT, zone="south")
    return {"portal": st.portals["South airlock"].id, "ana": st.persons["Ana"].id}
