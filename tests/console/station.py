"""A small station for console tests, built through the scenario loader and domain services.

The South airlock with a visiting party and residents at the door: the residents are under
a provisional hold. ``standoff`` adds presence and holds to any station (also the crisis
replay) through the access services, so the post view has people to decide about.
"""

from __future__ import annotations

from collections.abc import Iterable

from muster.access.enums import HoldKind
from muster.access.holds import open_holds, place_hold
from muster.access.presence import set_presence
from muster.db import Database
from muster.people.service import find_person
from muster.places.service import find_zone
from muster.policy.actor import Actor
from muster.scenario.loader import parse_scenario
from muster.scenario.runner import run_plan

SETUP = Actor.system("console-test")
HOLD_REASON = "Suspected nanite influence, pending screening"
PASSWORD = "correct horse battery"

SMALL_STATION = f"""
scenario: Console test station
station:
  parties:
    - {{name: the visiting vessel, kind: vessel, commander: Bahati, expected_aboard: 3}}
  zones:
    - {{name: Residential rings, kind: internal}}
    - {{name: South corridor, kind: internal}}
    - {{name: South collar, kind: collar, docked_party: the visiting vessel}}
  portals:
    - {{name: South airlock, kind: airlock, inside: South corridor, outside: South collar}}
  persons:
    - {{name: John, affiliation: crew, roles: [station-leader]}}
    - {{name: Priya, affiliation: crew, roles: [guard]}}
    - {{name: Lisa, affiliation: resident}}
    - {{name: Resident 241, affiliation: resident, badge_id: B-241}}
    - {{name: Resident 242, affiliation: resident, badge_id: B-242}}
    - {{name: Bahati, affiliation: visitor, party: the visiting vessel, roles: [commander]}}
    - {{name: Zane, affiliation: visitor, party: the visiting vessel}}
    - {{name: Warrior 01, affiliation: visitor, party: the visiting vessel, badge_id: W-01}}
  posts:
    - {{name: South airlock post, portal: South airlock, zone: South corridor, assigned: [Priya]}}
  accounts:
    - {{username: john, person: John, roles: [commander], password: {PASSWORD}}}
    - {{username: priya, person: Priya, roles: [guard], password: {PASSWORD}}}
    - {{username: olga, roles: [observer], password: {PASSWORD}}}
"""

AT_THE_DOOR = ["Bahati", "Zane", "Warrior 01", "Resident 241", "Resident 242"]
HELD = ["Resident 241", "Resident 242"]


def standoff(
    db: Database,
    *,
    zone: str = "South corridor",
    at_door: Iterable[str] = AT_THE_DOOR,
    held: Iterable[str] = HELD,
) -> None:
    """Put ``at_door`` in ``zone`` and hold ``held`` (unless already held)."""
    with db.session_scope() as session:
        zone_id = find_zone(session, zone).id
        for name in at_door:
            person = find_person(session, name)
            set_presence(
                session,
                person_id=person.id,
                zone_id=zone_id,
                reason="seen at the airlock",
                actor=SETUP,
            )
        for name in held:
            person = find_person(session, name)
            if not open_holds(session, person.id):
                place_hold(
                    session,
                    person_id=person.id,
                    kind=HoldKind.PROVISIONAL,
                    reason=HOLD_REASON,
                    actor=SETUP,
                )


def build_small_station(db: Database) -> None:
    """The small station with its stand-off at the South airlock."""
    run_plan(db, parse_scenario(SMALL_STATION, "console-test-station"))
    standoff(db)


WARRIORS = [f"Warrior {n:02d}" for n in range(1, 12)]
RESIDENTS = [f"Resident {n}" for n in range(241, 253)]
GROUP_AT_THE_DOOR = ["Bahati", "Zane", *WARRIORS, *RESIDENTS]  # 25: 13 visitors, 12 residents
GROUP_HELD = RESIDENTS[:4]


def group_station_yaml() -> str:
    """The small station with a group of 25 at the South airlock (badges on everyone)."""
    extra = [
        f"    - {{name: {w}, affiliation: visitor, party: the visiting vessel, "
        f"badge_id: W-{w[-2:]}}}"
        for w in WARRIORS[1:]
    ]
    extra += [
        f"    - {{name: {r}, affiliation: resident, badge_id: B-{r[-3:]}}}" for r in RESIDENTS[2:]
    ]
    marker = "  posts:\n"
    head, tail = SMALL_STATION.split(marker)
    return (
        head.replace("expected_aboard: 3", "expected_aboard: 13")
        + "\n".join(extra)
        + "\n"
        + marker
        + tail
    )


def build_group_station(db: Database) -> None:
    """The station with 25 at the South airlock: 13 visitors, 12 residents, 4 of them held."""
    run_plan(db, parse_scenario(group_station_yaml(), "console-group-station"))
    standoff(db, at_door=GROUP_AT_THE_DOOR, held=GROUP_HELD)
