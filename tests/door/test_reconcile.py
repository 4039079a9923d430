"""Reconciliation: a decision a door made on facts it had not received is decided again
centrally when it is uploaded, and a permit the central record would have denied is raised
to the post, naming the person and the door."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from door.conftest import DoorKit, MakeClient
from door.test_freshness import _cut, _place_hold
from harness.waiting import until
from muster import clock
from muster.access.decisions import ALERT
from muster.access.presence import move_person
from muster.db import new_id
from muster.door.link import Link
from muster.door.reconcile import RECHECK_MARGIN, RECHECKED
from muster.events.chain import format_time
from muster.events.models import Event
from muster.places.models import Zone


def _rechecked(kit: DoorKit) -> list[dict[str, Any]]:
    with kit.db.session_scope(write=False) as s:
        events = s.scalars(select(Event).where(Event.kind == ALERT).order_by(Event.seq))
        return [e.payload for e in events if e.payload.get("about") == RECHECKED]


def _reconnect(kit: DoorKit) -> None:
    kit.link = Link(kit.door, server_url=kit.server.url, token=kit.token).start()
    kit.caught_up()


class TestRecheckAfterTheLinkReturns:
    """The door keeps deciding while cut off; the server re-checks what it decided."""

    def test_exit_decided_fresh_after_a_hold_it_never_heard(
        self, kit: DoorKit, make_client: MakeClient
    ) -> None:
        """The link drops, a hold is placed centrally, and within its second of freshness
        the door lets Ana out. On upload the server decides again and alerts the post."""
        kit.link.stop()
        _place_hold(make_client, kit.ids["Ana"])
        permit = kit.decide("Ana", "exit")
        assert permit["allowed"] == 1, permit  # the door's clock has not moved: fresh
        _reconnect(kit)
        alerts = _rechecked(kit)
        assert len(alerts) == 1, alerts
        alert = alerts[0]
        assert alert["person"] == "Ana"
        assert alert["portal"] == "South airlock"
        assert alert["audience"] == "post"
        assert alert["decision_id"] == permit["decisions"][0]["decision_id"]
        assert "exit.forbid.held" in alert["rules"]
        assert "Ana" in alert["text"]
        assert "South airlock" in alert["text"]

    def test_entry_decided_cut_off_after_a_lockdown(
        self, kit: DoorKit, make_client: MakeClient
    ) -> None:
        """Bo waits outside; the server goes down (the door goes stale) and the South airlock
        is locked down centrally. The door still decides entries and lets Bo in; the
        server, back, re-checks and alerts naming Bo and the door."""
        with kit.db.session_scope() as s:
            collar = s.scalar(select(Zone.id).where(Zone.name == "south_collar"))
            assert collar is not None
            move_person(s, person_id=kit.ids["Bo"], zone_id=collar, source="test")
        n = kit.heads()[1]
        assert kit.door.freshness.wait_for(lambda f: f.applied_rows >= n, 15)
        _cut(kit)
        kit.link.stop()
        locked = make_client("commander").put(
            f"/api/v1/portals/{kit.ids['South airlock']}/mode",
            json={"mode": "lockdown", "reason": "breach drill"},
        )
        assert locked.status_code == 200, locked.text
        entry = kit.decide("Bo", "enter")
        assert entry["allowed"] == 1, entry
        assert not kit.door.health()["fresh"]
        kit.server.start()
        _reconnect(kit)
        alerts = _rechecked(kit)
        assert [(a["person"], a["portal"], a["direction"]) for a in alerts] == [
            ("Bo", "South airlock", "enter")
        ]
        assert "any.forbid.lockdown" in alerts[0]["rules"]

    def test_denials_and_current_permits_raise_nothing(
        self, kit: DoorKit, make_client: MakeClient
    ) -> None:
        """A denial the door made is not re-raised, and a permit decided on a current
        replica is the server's own decision: no alert, though a hold follows it."""
        kit.caught_up()
        # A timed job's event between the catch-up and the decision leaves the door behind
        # for as long as it takes to apply it; under load that outlasts the door's wait of
        # one heartbeat and it fails secure (a denial, which raises nothing either): ask
        # again until the permit comes.
        assert until(lambda: kit.decide("Ana", "exit")["allowed"] == 1, every=0.1)
        kit.caught_up()
        _place_hold(make_client, kit.ids["Ana"])
        kit.caught_up()
        assert kit.decide("Ana", "exit")["allowed"] == 0
        kit.caught_up()
        assert _rechecked(kit) == []


def _ana_leaving(kit: DoorKit) -> dict[str, Any]:
    """The Cedar request of Ana's exit on the central facts now, as a door sends it."""
    from muster.access.decisions import cedar_input_for
    from muster.access.enums import Direction
    from muster.access.facts import load_persons, load_portal

    with kit.db.session_scope(write=False) as s:
        ana = load_persons(s, [kit.ids["Ana"]], clock.now())[kit.ids["Ana"]]
        portal = load_portal(s, kit.ids["South airlock"])
        return cedar_input_for(ana, portal, Direction.EXIT, [ana]).as_dict()


def _upload(
    make_client: MakeClient,
    kit: DoorKit,
    *,
    decided_at: str,
    replica_rows: int | None,
    cedar_input: dict[str, Any],
) -> Any:
    body: dict[str, Any] = {
        "request_id": new_id(),
        "direction": "exit",
        "policy_version": "shipped",
        "decided_at": decided_at,
        "decisions": [
            {
                "decision_id": new_id(),
                "person_ref": "Ana",
                "person_id": kit.ids["Ana"],
                "allowed": True,
                "rule_ids": ["exit.station.transfer"],
                "explanation": "Permitted at the door.",
                "cedar_input": cedar_input,
            }
        ],
    }
    if replica_rows is not None:
        body["replica_rows"] = replica_rows
    answer = make_client("guard").post(
        f"/api/v1/doors/portals/{kit.ids['South airlock']}/requests",
        json=body,
        headers={"Idempotency-Key": body["request_id"]},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


class TestRecheckRule:
    """The server's rule over uploads, driven over HTTP as a door's account would."""

    def test_only_changes_before_the_decision_count(
        self, kit: DoorKit, make_client: MakeClient
    ) -> None:
        """Against the same hold and the same replica cursor: a permit decided before the
        hold raises nothing; one decided after it raises the alert."""
        kit.link.stop()
        rows_before = kit.heads()[1]
        earlier = format_time(clock.now() - RECHECK_MARGIN - timedelta(minutes=1))
        seen = _ana_leaving(kit)  # what the door's replica held: no hold yet
        _place_hold(make_client, kit.ids["Ana"])
        _upload(make_client, kit, decided_at=earlier, replica_rows=rows_before, cedar_input=seen)
        assert _rechecked(kit) == []
        now = format_time(clock.now())
        _upload(make_client, kit, decided_at=now, replica_rows=rows_before, cedar_input=seen)
        assert [a["person"] for a in _rechecked(kit)] == ["Ana"]

    def test_a_door_that_does_not_say_or_overstates_is_rechecked(
        self, kit: DoorKit, make_client: MakeClient
    ) -> None:
        """No cursor, or a cursor past the server's own head: re-checked, so an alert."""
        kit.link.stop()
        seen = _ana_leaving(kit)
        _place_hold(make_client, kit.ids["Ana"])
        now = format_time(clock.now())
        _upload(make_client, kit, decided_at=now, replica_rows=None, cedar_input=seen)
        _upload(make_client, kit, decided_at=now, replica_rows=2**40, cedar_input=seen)
        assert len(_rechecked(kit)) == 2


class TestForgedPermit:
    """A permit that Cedar denies on the facts it carries is refused, never stored (P1):
    a guard sent a held person's own facts with ``allowed`` and then recorded her exit
    (found by the hostile review)."""

    def test_a_held_persons_facts_sent_as_a_permit(
        self, kit: DoorKit, make_client: MakeClient
    ) -> None:
        kit.link.stop()
        _place_hold(make_client, kit.ids["Ana"])
        held = _ana_leaving(kit)  # her facts now: the hold included
        guard = make_client("guard")
        body: dict[str, Any] = {
            "request_id": new_id(),
            "direction": "exit",
            "policy_version": "shipped",
            "decided_at": format_time(clock.now()),
            "replica_rows": kit.heads()[1],
            "decisions": [
                {
                    "decision_id": new_id(),
                    "person_ref": "Ana",
                    "person_id": kit.ids["Ana"],
                    "allowed": True,
                    "rule_ids": ["exit.station.transfer"],
                    "explanation": "Permitted at the door.",
                    "cedar_input": held,
                }
            ],
        }
        south = kit.ids["South airlock"]
        forged = guard.post(
            f"/api/v1/doors/portals/{south}/requests",
            json=body,
            headers={"Idempotency-Key": body["request_id"]},
        )
        assert forged.status_code == 409, forged.text
        assert "not what the policy decides" in forged.json()["detail"]
        passage = guard.post(
            f"/api/v1/portals/{south}/passages",
            json={"person": kit.ids["Ana"], "direction": "exit"},
            headers={"Idempotency-Key": new_id()},
        )
        assert passage.status_code == 409, passage.text  # no permit to pass on
        body["decisions"][0].pop("cedar_input")
        bare = guard.post(
            f"/api/v1/doors/portals/{south}/requests",
            json=body,
            headers={"Idempotency-Key": body["request_id"]},
        )
        assert bare.status_code == 422, bare.text
