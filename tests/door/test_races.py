"""P1 and P2 at the doors, raced: a hold (P1) or a consent revocation (P2) is sent to the
server at the same moment as a reader asks the door to let the person out, round after
round, every other round with the door's link down (the door still fresh by its own
clock, so it cannot know of the change). Whichever wins, the central record never holds
an exit after the change, and every permit the door gave on facts it had not received is
raised to the post."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from access.station import Station
from door.conftest import DoorKit, MakeClient
from muster.access.decisions import ALERT
from muster.access.enums import Direction
from muster.access.models import Passage
from muster.db import Database
from muster.door.link import Link
from muster.door.reconcile import RECHECKED
from muster.errors import Conflict
from muster.events.models import Event
from muster.people.enums import Affiliation
from muster.people.models import Party
from muster.places.models import Portal, Zone

pytestmark = pytest.mark.slow  # runs early: see pytest_collection_modifyitems

ROUNDS = 6
Change = Callable[[MakeClient, str], None]


def _hold(make_client: MakeClient, person_id: str) -> None:
    answer = make_client("commander").post(
        "/api/v1/holds", json={"person": person_id, "kind": "provisional", "reason": "race"}
    )
    assert answer.status_code == 201, answer.text


def _revoke(make_client: MakeClient, person_id: str) -> None:
    answer = make_client("officer").post(
        "/api/v1/welfare/revocations",
        json={"person_id": person_id, "statement": "I want to stay on the station."},
    )
    assert answer.status_code == 200, answer.text


def _residents(db: Database, count: int) -> list[str]:
    """``count`` residents in the South corridor, each with an approved consent case for
    the vessel docked at the South airlock (the kit's station, added to)."""
    with db.session_scope() as s:
        vessel = s.scalar(select(Party).where(Party.name == "Vessel"))
        other = s.scalar(select(Party).where(Party.name == "Other vessel"))
        assert vessel is not None
        assert other is not None
        station = Station(session=s, vessel=vessel, other_vessel=other)
        station.zones = {z.name: z for z in s.scalars(select(Zone))}
        station.portals = {p.name: p for p in s.scalars(select(Portal))}
        ids = []
        for i in range(count):
            name = f"Racer {i}"
            ids.append(station.add_person(name, Affiliation.RESIDENT, zone="south").id)
            station.consent_case(name)
    return ids


CHANGE_KINDS = {"hold": "access.hold.placed", "revocation": "welfare.case.revoked"}


def _event_of(db: Database, kind: str, person_id: str) -> Event:
    """The person's one event of ``kind`` (its seq orders it in the record)."""
    with db.session_scope(write=False) as s:
        found = [
            e for e in s.scalars(select(Event).where(Event.kind == kind)) if person_id in e.subjects
        ]
    assert len(found) == 1, (kind, found)
    return found[0]


def _race(kit: DoorKit, make_client: MakeClient, person_id: str, change: Change) -> Any:
    """The change and the door's exit (decision, then passage if permitted) at once."""
    start = threading.Barrier(2)
    outcome: dict[str, Any] = {}

    def changer() -> None:
        start.wait()
        change(make_client, person_id)

    def reader() -> None:
        start.wait()
        answer = kit.decide(person_id, "exit")
        outcome["decision"] = answer
        if answer["allowed"]:
            try:
                kit.door.record_passage(
                    portal_id=kit.ids["South airlock"],
                    person_ref=person_id,
                    direction=Direction.EXIT,
                    idempotency_key=f"race-{person_id}",
                )
                outcome["passage"] = "journalled"
            except Conflict as exc:
                outcome["passage"] = f"refused at the door: {exc}"

    threads = [threading.Thread(target=changer), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcome


@pytest.mark.parametrize(("which", "change"), [("hold", _hold), ("revocation", _revoke)])
def test_change_raced_against_an_exit(
    kit: DoorKit, make_client: MakeClient, db: Database, which: str, change: Change
) -> None:
    """P1 (a hold) and P2 (consent revoked) against an exit at a fresh door."""
    persons = _residents(db, ROUNDS)
    kit.caught_up()
    outcomes = []
    for i, person_id in enumerate(persons):
        cut = i % 2 == 1  # every other round the door's link is down (still fresh by its clock)
        kit.caught_up()  # the previous round's change applied: the door starts current
        if cut:
            kit.link.stop()
        outcomes.append(_race(kit, make_client, person_id, change))
        if cut:
            kit.link = Link(kit.door, server_url=kit.server.url, token=kit.token).start()
            kit.caught_up()
    if which == "hold":  # the cut rounds: the door cannot have heard of the hold
        assert all(o["decision"]["allowed"] for o in outcomes[1::2]), outcomes
    kit.caught_up()
    with db.session_scope(write=False) as s:
        exits = {
            p.person_id
            for p in s.scalars(
                select(Passage).where(
                    Passage.portal_id == kit.ids["South airlock"], Passage.direction == "exit"
                )
            )
        }
        alerts = [
            e.payload
            for e in s.scalars(select(Event).where(Event.kind == ALERT))
            if e.payload.get("about") in (RECHECKED, "door.upload_refused")
        ]
    for person_id, outcome in zip(persons, outcomes, strict=True):
        change_event = _event_of(db, CHANGE_KINDS[which], person_id)
        changed = change_event.at
        decision = outcome["decision"]
        # The central record: no exit recorded after the change (in the log's order).
        if person_id in exits:
            passed = _event_of(db, "access.passage.recorded", person_id)
            assert passed.seq < change_event.seq, (which, outcome)
        if not decision["allowed"]:
            continue
        journalled = kit.door.journal.entries_of("request", decision["request_id"])[0]
        decided = datetime.fromisoformat(journalled.body["decided_at"])
        decision_id = decision["decisions"][0]["decision_id"]
        # A permit decided after the change was committed is raised to the post.
        if decided >= changed:
            raised = [a for a in alerts if a.get("decision_id") == decision_id]
            assert raised, (which, outcome, alerts)
        # A passage the door journalled after the change is refused on upload, and raised.
        if outcome.get("passage") == "journalled" and person_id not in exits:
            entry = kit.door.journal.entries_of("passage", f"race-{person_id}")[0]
            assert entry.outcome.startswith("refused:"), entry
            assert [a for a in alerts if a.get("entry_key") == entry.key], alerts
