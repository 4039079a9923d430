"""A small station for the vessel and map tests: zones on the map, airlocks, officers, a term."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from harness.station import new_party, new_person, new_portal, new_post, new_zone
from muster.access.presence import set_presence
from muster.agreements.enums import TermKind
from muster.agreements.schemas import AgreementCreate, TermCreate
from muster.agreements.service import list_terms, record_agreement
from muster.events.models import Event
from muster.incidents.enums import Severity
from muster.incidents.schemas import IncidentCreate
from muster.incidents.service import declare_incident
from muster.medical.casualties import record_casualty
from muster.medical.schemas import CasualtyCreate, TriageFindings
from muster.people import service as people
from muster.people.enums import Affiliation
from muster.people.schemas import PersonCreate
from muster.places import service as places
from muster.places.enums import PortalKind, ZoneKind
from muster.policy.actor import Actor
from muster.vessels import service
from muster.vessels.detection import Accuracy
from muster.vessels.enums import ObservationKind
from muster.vessels.flows import MANOEUVRE_DETECTED
from muster.vessels.models import Observation, Vessel
from muster.vessels.schemas import ObservationCreate, VesselCreate
from muster.vessels.sensor import TrueOrbit, observe

START = datetime(2025, 5, 14, 6, 0, tzinfo=UTC)  # in the past: the watch refuses the future
ZONES = {
    "Command deck": (50.0, 40.0),
    "Hospital": (25.0, 30.0),
    "Residential rings": (40.0, 60.0),
    "South corridor": (50.0, 80.0),
    "West corridor": (15.0, 60.0),
    "South collar": (50.0, 95.0),
    "West collar": (2.0, 60.0),
}
DOORS = [
    ("South airlock", "airlock", "South corridor", "South collar"),
    ("West airlock", "airlock", "West corridor", "West collar"),
    ("South corridor door", "door", "Residential rings", "South corridor"),
    ("West corridor door", "door", "Residential rings", "West corridor"),
    ("Command deck door", "door", "Command deck", "Residential rings"),
    ("Hospital door", "door", "Hospital", "Residential rings"),
    ("Service duct", "door", "Command deck", "West corridor"),
]


@dataclass
class Station:
    """Ids of what the tests refer to, by name."""

    zones: dict[str, str] = field(default_factory=dict)
    portals: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)


def build_station(session: Session, actor: Actor) -> Station:
    """Zones, portals, a post at the West airlock, two officers and a guard placed, a casualty."""
    station = Station()
    party = new_party(session, actor, "the visiting vessel")
    zones = {}
    for name, at in ZONES.items():
        kind = ZoneKind.COLLAR if "collar" in name else ZoneKind.INTERNAL
        docked = party if kind is ZoneKind.COLLAR else None
        zones[name] = new_zone(session, actor, name, kind, docked=docked, map_at=at)
        station.zones[name] = zones[name].id
    portals = {}
    for name, kind, inside, outside in DOORS:
        portals[name] = new_portal(
            session, actor, name, PortalKind(kind), zones[inside], zones[outside]
        )
        station.portals[name] = portals[name].id
    post = new_post(session, actor, "West airlock post", portal=portals["West airlock"])
    for name, roles, zone in (
        ("Dominic", ["officer"], "Command deck"),
        ("Ken", ["officer"], "South corridor"),
        ("Noor", ["guard"], "West corridor"),
    ):
        person = new_person(session, actor, name, roles=roles)
        station.people[name] = person.id
        set_presence(
            session, person_id=person.id, zone_id=station.zones[zone], reason="muster", actor=actor
        )
    places.assign_to_post(session, post_id=post.id, person_id=station.people["Noor"], actor=actor)
    incident = declare_incident(
        session,
        data=IncidentCreate(
            title="West airlock",
            kind="security",
            severity=Severity.CRITICAL,
            location="West airlock",
            commander_id=station.people["Dominic"],
        ),
        actor=actor,
    )
    record_casualty(
        session,
        data=CasualtyCreate(
            description="Station guard, wounded",
            findings=TriageFindings(walks=False, breathing=True, respiratory_rate=34),
            found_at="West airlock",
            found_zone_id=station.zones["West corridor"],
            incident_id=incident.id,
        ),
        actor=actor,
    )
    return station


def orbit_term(session: Session, actor: Actor, kind: TermKind = TermKind.ORBIT) -> str:
    """An agreement with the visiting vessel whose one term is that it stays in orbit."""
    party = people.find_party(session, "the visiting vessel")
    owners = []
    for name, party_id in (("John", None), ("Bahati", party.id)):
        affiliation = Affiliation.VISITOR if party_id else Affiliation.CREW
        data = PersonCreate(name=name, affiliation=affiliation, party_id=party_id)
        owners.append(people.create_person(session, data=data, actor=actor).name)
    agreement = record_agreement(
        session,
        data=AgreementCreate(
            title="Terms after the stand-off",
            party=party.name,
            signatories=owners,
            text="Agreed at the talks.",
            terms=[
                TermCreate(
                    text="The vessel does not leave orbit.",
                    station_owner=owners[0],
                    party_owner=owners[1],
                    recurrence="standing",
                    kind=kind,
                )
            ],
        ),
        actor=actor,
    )
    return list_terms(session, agreement.id)[0].id


def watch(session: Session, actor: Actor, name: str = "Visiting vessel", **kw: object) -> Vessel:
    """A vessel around Venus under watch with the default limits and accuracy."""
    data = VesselCreate.model_validate({"name": name, "body": "venus", **kw})
    return service.register_vessel(session, data=data, actor=actor)


def state_observation(r: np.ndarray, v: np.ndarray, at: datetime) -> ObservationCreate:
    """An observation of a state vector."""
    return ObservationCreate(
        kind=ObservationKind.STATE,
        observed_at=at,
        position_km=(float(r[0]), float(r[1]), float(r[2])),
        velocity_km_s=(float(v[0]), float(v[1]), float(v[2])),
        source="test sensor",
    )


def feed(
    session: Session,
    actor: Actor,
    vessel: Vessel,
    truth: TrueOrbit,
    times: list[datetime],
    rng: np.random.Generator,
) -> list[Observation]:
    """Record what a sensor of the vessel's stated accuracy sees of ``truth`` at ``times``."""
    accuracy = Accuracy(vessel.position_accuracy_km, vessel.velocity_accuracy_km_s)
    rows = []
    for at in times:
        r, v = observe(truth, at, accuracy, rng)
        data = state_observation(r, v, at)
        row = service.record_observation(session, vessel_id=vessel.id, data=data, actor=actor)
        rows.append(row)
    return rows


def alarms(session: Session) -> list[Event]:
    """Manoeuvre alarms in the log."""
    return list(session.scalars(select(Event).where(Event.kind == MANOEUVRE_DETECTED)))
