"""A small station for the welfare tests: an airlock to a docked vessel, officers, a resident."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from harness.station import party_row, person_row, portal_row, zone_row
from muster import clock
from muster.access.decisions import decide_request
from muster.access.enums import Direction
from muster.access.presence import move_person
from muster.medical.enums import ScreeningKind, ScreeningResult
from muster.medical.models import Screening
from muster.people.enums import Affiliation
from muster.people.models import Party, Person
from muster.places.enums import PortalKind, ZoneKind
from muster.places.models import Portal, Zone
from muster.policy.actor import Actor
from muster.welfare.texts import publish_consent_text

ADMIN = Actor.system("test")


@dataclass
class Station:
    """The records a welfare test uses, and officers to act as."""

    session: Session
    vessel: Party
    airlock: Portal
    inside: Zone
    persons: dict[str, Person] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)

    def person(self, name: str, affiliation: Affiliation = Affiliation.RESIDENT) -> Person:
        """Register a person aboard (inside the airlock)."""
        party = self.vessel if affiliation is Affiliation.VISITOR else None
        row = person_row(self.session, name, affiliation, party=party)
        move_person(self.session, person_id=row.id, zone_id=self.inside.id, source="test")
        self.persons[name] = row
        return row

    def officer(self, name: str, *roles: str) -> Actor:
        """A crew member who signs in with ``roles``."""
        person = self.person(name, Affiliation.CREW)
        actor = Actor(
            kind="account",
            id=f"acct-{name}",
            name=name,
            roles=frozenset(roles),
            person_id=person.id,
        )
        self.actors[name] = actor
        return actor

    def screen(
        self, name: str, result: ScreeningResult = ScreeningResult.NEGATIVE, *, hours_ago: float = 1
    ) -> Screening:
        """Record a nanite screening of a person, ``hours_ago`` hours back."""
        row = Screening(
            person_id=self.persons[name].id,
            kind=ScreeningKind.NANITE,
            result=result,
            method="blood panel",
            performed_at=clock.now() - timedelta(hours=hours_ago),
            recorded_by="test",
        )
        self.session.add(row)
        self.session.flush()
        return row

    def may_exit(self, name: str) -> bool:
        """Whether the airlock lets the person out to the vessel now (the access decision)."""
        group = decide_request(
            self.session,
            portal_id=self.airlock.id,
            person_refs=[self.persons[name].id],
            direction=Direction.EXIT,
            actor=ADMIN,
        )
        return group.decisions[0].allowed


def build_station(session: Session) -> Station:
    """A vessel docked outside one airlock; welfare officers Amara, Bruno and Chiara,
    commander John, resident Lisa, and Zane of the vessel."""
    vessel = party_row(session, "Vessel")
    inside = zone_row(session, "Corridor")
    collar = zone_row(session, "Collar", ZoneKind.COLLAR, vessel)
    airlock = portal_row(session, "Airlock", PortalKind.AIRLOCK, inside, collar)
    station = Station(session=session, vessel=vessel, airlock=airlock, inside=inside)
    for name in ("Amara", "Bruno", "Chiara"):
        station.officer(name, "welfare")
    station.officer("John", "commander")
    station.officer("Dominic", "officer")
    station.person("Lisa")
    station.person("Zane", Affiliation.VISITOR)
    publish_consent_text(
        session, title="Transfer consent", body="I ask to live aboard the vessel.", actor=ADMIN
    )
    return station
