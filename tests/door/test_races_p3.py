"""P3 at the doors, raced: what a visitor's boarding and passing rest on is changed on the
server at the same moment as a reader asks the door to let them through, round after
round, every other round with the door's link down (the door still fresh by its own
clock, so it cannot know of the change).

- Boarding (South airlock, enter): a visitor with a current visit and a crew escort in the
  same request; the escort's status is recorded as missing, so the visitor has no escort.
- An internal door (Hospital door): a crew member is reclassified as a visitor, without a
  visit, so the hospital is no longer a zone they may pass into.

Whichever wins, the central record never holds the passage after the change, and every
permit the door gave on facts it had not received is raised to the post."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from access.station import Station
from door.conftest import DoorKit, MakeClient
from door.test_races import _event_of
from muster import clock
from muster.access.decisions import ALERT
from muster.access.enums import Direction
from muster.access.models import Passage
from muster.access.passes import issue_visit
from muster.db import Database
from muster.door.link import Link
from muster.door.reconcile import RECHECKED
from muster.errors import Conflict
from muster.events.models import Event
from muster.people.enums import Affiliation
from muster.people.models import Party
from muster.places.models import Portal, Zone
from muster.policy.actor import Actor

pytestmark = pytest.mark.slow  # runs early: see pytest_collection_modifyitems

ROUNDS = 6


@dataclass(frozen=True)
class Round:
    """Who asks the door (the one P3 protects first), and whose record is changed."""

    group: list[str]
    changed: str


@dataclass(frozen=True)
class Case:
    """A P3 race: where, which way, who, and the change sent to the server."""

    portal: str
    direction: Direction
    build: Callable[[Station, int], Round]
    change: Callable[[MakeClient, str], None]
    kind: str  # the change's event


def _boarding(station: Station, i: int) -> Round:
    """A visitor of the docked vessel in the South collar with a visit to the South
    corridor, and a crew member beside her to escort her aboard."""
    visitor = station.add_person(
        f"Visitor {i}", Affiliation.VISITOR, party=station.vessel, zone="south_collar"
    )
    escort = station.add_person(f"Escort {i}", Affiliation.CREW, zone="south_collar")
    now = clock.now()
    issue_visit(
        station.session,
        person_id=visitor.id,
        host_id=escort.id,
        purpose="inspection",
        zone_ids=[station.zones["south"].id],
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(hours=4),
        actor=Actor.system("test"),
    )
    return Round([visitor.id, escort.id], escort.id)


def _crew_at_the_hospital(station: Station, i: int) -> Round:
    """A crew member in the South corridor, about to pass into the hospital."""
    crew = station.add_person(f"Orderly {i}", Affiliation.CREW, zone="south")
    return Round([crew.id], crew.id)


def _missing(make_client: MakeClient, person_id: str) -> None:
    answer = make_client("medic").patch(f"/api/v1/persons/{person_id}", json={"status": "missing"})
    assert answer.status_code == 200, answer.text


def _reclassified(make_client: MakeClient, person_id: str) -> None:
    answer = make_client("commander").patch(
        f"/api/v1/persons/{person_id}", json={"affiliation": "visitor"}
    )
    assert answer.status_code == 200, answer.text


CASES = {
    "escort-missing": Case(
        "South airlock", Direction.ENTER, _boarding, _missing, "people.person.status_changed"
    ),
    "reclassified": Case(
        "Hospital door",
        Direction.EXIT,
        _crew_at_the_hospital,
        _reclassified,
        "people.person.updated",
    ),
}


def _rounds(db: Database, case: Case) -> list[Round]:
    with db.session_scope() as s:
        vessel = s.scalar(select(Party).where(Party.name == "Vessel"))
        other = s.scalar(select(Party).where(Party.name == "Other vessel"))
        assert vessel is not None
        assert other is not None
        station = Station(session=s, vessel=vessel, other_vessel=other)
        station.zones = {z.name: z for z in s.scalars(select(Zone))}
        station.portals = {p.name: p for p in s.scalars(select(Portal))}
        return [case.build(station, i) for i in range(ROUNDS)]


def _race(kit: DoorKit, make_client: MakeClient, case: Case, one: Round) -> dict[str, Any]:
    """The change and the door's passage (decision, then each permitted passage) at once."""
    start = threading.Barrier(2)
    outcome: dict[str, Any] = {"passages": {}}

    def changer() -> None:
        start.wait()
        case.change(make_client, one.changed)

    def reader() -> None:
        start.wait()
        answer = kit.door.decide(
            portal_id=kit.ids[case.portal], person_refs=one.group, direction=case.direction
        )
        outcome["decision"] = answer
        for person_id, decided in zip(one.group, answer["decisions"], strict=True):
            if not decided["allowed"]:
                continue
            try:
                kit.door.record_passage(
                    portal_id=kit.ids[case.portal],
                    person_ref=person_id,
                    direction=case.direction,
                    idempotency_key=f"race-{person_id}",
                )
                outcome["passages"][person_id] = "journalled"
            except Conflict as exc:
                outcome["passages"][person_id] = f"refused at the door: {exc}"

    threads = [threading.Thread(target=changer), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcome


@pytest.mark.parametrize("which", ["escort-missing", "reclassified"])
def test_p3_raced_at_the_door(
    kit: DoorKit, make_client: MakeClient, db: Database, which: str
) -> None:
    """A visitor's escort lost, or a crew member made a visitor, against their passage."""
    case = CASES[which]
    rounds = _rounds(db, case)
    outcomes = []
    for i, one in enumerate(rounds):
        cut = i % 2 == 1
        kit.caught_up()
        if cut:
            kit.link.stop()
        outcomes.append(_race(kit, make_client, case, one))
        if cut:
            kit.link = Link(kit.door, server_url=kit.server.url, token=kit.token).start()
            kit.caught_up()
    # The cut rounds: the door cannot have heard of the change, so it permitted.
    assert all(o["decision"]["decisions"][0]["allowed"] for o in outcomes[1::2]), outcomes
    kit.caught_up()
    portal_id = kit.ids[case.portal]
    with db.session_scope(write=False) as s:
        passed = {
            p.person_id
            for p in s.scalars(
                select(Passage).where(
                    Passage.portal_id == portal_id, Passage.direction == case.direction.value
                )
            )
        }
        alerts = [
            e.payload
            for e in s.scalars(select(Event).where(Event.kind == ALERT))
            if e.payload.get("about") in (RECHECKED, "door.upload_refused")
        ]
    for one, outcome in zip(rounds, outcomes, strict=True):
        change_event = _event_of(db, case.kind, one.changed)
        protected = one.group[0]  # the visitor boarding, or the one reclassified
        decision = outcome["decision"]
        # The central record: no passage of the protected person after the change.
        if protected in passed:
            recorded = [
                e
                for e in _events(db, "access.passage.recorded", protected)
                if e.payload.get("direction") == case.direction.value
            ]
            assert [e.seq < change_event.seq for e in recorded] == [True], (which, outcome)
        first = decision["decisions"][0]
        if not first["allowed"]:
            continue
        journalled = kit.door.journal.entries_of("request", decision["request_id"])[0]
        decided = datetime.fromisoformat(journalled.body["decided_at"])
        # A permit decided after the change was committed is raised to the post.
        if decided >= change_event.at:
            raised = [a for a in alerts if a.get("decision_id") == first["decision_id"]]
            assert raised, (which, outcome, alerts)
        # A passage the door journalled after the change is refused on upload, and raised.
        if outcome["passages"].get(protected) == "journalled" and protected not in passed:
            entry = kit.door.journal.entries_of("passage", f"race-{protected}")[0]
            assert entry.outcome.startswith("refused:"), entry
            assert [a for a in alerts if a.get("entry_key") == entry.key], alerts


def _events(db: Database, kind: str, person_id: str) -> list[Event]:
    with db.session_scope(write=False) as s:
        return [
            e for e in s.scalars(select(Event).where(Event.kind == kind)) if person_id in e.subjects
        ]
