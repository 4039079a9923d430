"""Helpers for the medical tests: persons, zones and portals made through their services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from harness.station import new_party, new_person, new_portal, new_zone
from muster.db import Database
from muster.incidents.enums import Severity
from muster.incidents.models import Incident
from muster.incidents.schemas import IncidentCreate
from muster.incidents.service import declare_incident
from muster.medical.hospital import add_beds, create_ward
from muster.medical.schemas import TriageFindings
from muster.people.enums import Affiliation
from muster.people.models import Party, Person
from muster.places.enums import PortalKind, ZoneKind
from muster.places.models import Portal, Zone
from muster.policy.actor import Actor

MEDIC = Actor(kind="account", id="acct-medic", name="Dr Amara", roles=frozenset({"medic"}))
OFFICER = Actor(kind="account", id="acct-officer", name="Dominic", roles=frozenset({"officer"}))


@pytest.fixture
def make_person(session: Session, actor: Actor) -> Callable[..., Person]:
    """Register a person with the people service."""

    def make(
        name: str,
        affiliation: Affiliation = Affiliation.RESIDENT,
        roles: list[str] | None = None,
        party_id: str | None = None,
    ) -> Person:
        return new_person(session, actor, name, affiliation, roles=roles or [], party=party_id)

    return make


@dataclass
class Station:
    """A small station: a corridor, the hospital, the command deck and the West airlock."""

    vessel: Party
    corridor: Zone
    hospital: Zone
    command: Zone
    collar: Zone
    airlock: Portal
    hospital_door: Portal
    command_door: Portal


@pytest.fixture
def station(session: Session, actor: Actor) -> Station:
    """Zones and portals made through the places service, a vessel docked at the collar."""
    vessel = new_party(session, actor, "Visiting vessel")

    def zone(name: str, kind: ZoneKind = ZoneKind.INTERNAL, party: Party | None = None) -> Zone:
        return new_zone(session, actor, name, kind, docked=party)

    def portal(name: str, kind: PortalKind, inside: Zone, outside: Zone) -> Portal:
        return new_portal(session, actor, name, kind, inside, outside)

    corridor, hospital, command = zone("West corridor"), zone("Hospital"), zone("Command deck")
    collar = zone("West collar", ZoneKind.COLLAR, vessel)
    return Station(
        vessel=vessel,
        corridor=corridor,
        hospital=hospital,
        command=command,
        collar=collar,
        airlock=portal("West airlock", PortalKind.AIRLOCK, corridor, collar),
        hospital_door=portal("Hospital door", PortalKind.DOOR, corridor, hospital),
        command_door=portal("Command door", PortalKind.DOOR, corridor, command),
    )


# Findings that START triages into each category (an adult's).
FINDINGS: dict[str, dict[str, object]] = {
    "minor": {"walks": True, "breathing": True},
    "deceased": {"walks": False, "breathing": False, "breathing_after_airway": False},
    "immediate": {"walks": False, "breathing": True, "respiratory_rate": 34},
    "delayed": {
        "walks": False,
        "breathing": True,
        "respiratory_rate": 20,
        "radial_pulse": True,
        "obeys_commands": True,
    },
}


def findings(category: str) -> TriageFindings:
    """Findings that START triages into ``category``."""
    return TriageFindings.model_validate(FINDINGS[category])


@pytest.fixture
def incident(session: Session, actor: Actor) -> Incident:
    """An open incident, so casualties recorded without naming one belong to it."""
    commander = new_person(session, actor, "Commander")
    data = IncidentCreate(
        title="West airlock",
        kind="security",
        severity=Severity.CRITICAL,
        location="West airlock",
        commander_id=commander.id,
    )
    return declare_incident(session, data=data, actor=actor)


def ward_with_beds(db: Database, name: str, labels: list[str]) -> dict[str, str]:
    """A ward with beds, committed: bed ids by label."""
    system = Actor.system("test")
    with db.session_scope() as s:
        ward = create_ward(s, name=name, actor=system)
        return {b.label: b.id for b in add_beds(s, ward_id=ward.id, labels=labels, actor=system)}


def crew_member(db: Database, name: str) -> str:
    """A crew member registered and committed; their id."""
    with db.session_scope() as s:
        return new_person(s, Actor.system("test"), name).id
