"""The freshness contract at the door: holds arrive, a lost link fails exits secure, the
journal lands once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from door.conftest import DoorKit, FakeClock, MakeClient
from harness.waiting import BOUND
from muster.access.enums import Direction
from muster.access.models import Decision, Passage
from muster.door.controller import STALE_RULE
from muster.door.freshness import FRESH_FOR, Freshness
from muster.door.journal import PASSAGE
from muster.events.models import Event


def _place_hold(make_client: MakeClient, person_id: str) -> None:
    answer = make_client("commander").post(
        "/api/v1/holds",
        json={"person": person_id, "kind": "provisional", "reason": "seen with the party"},
    )
    assert answer.status_code == 201, answer.text


def _cut(kit: DoorKit) -> None:
    """Stop the server, wait for the door to notice, and let more than a second pass."""
    kit.server.stop()
    assert kit.door.freshness.wait_for(lambda f: not f.link_up, BOUND)
    kit.clock.advance(FRESH_FOR + 0.5)


class TestHoldAtTheDoor:
    """A hold placed on the server denies the person at the door once the door has it."""

    def test_hold_denies_exit_at_the_door(self, kit: DoorKit, make_client: MakeClient) -> None:
        """Permitted before; after the hold's event is applied, denied by the hold rule."""
        assert kit.decide("Ana", "exit")["allowed"] == 1
        _place_hold(make_client, kit.ids["Ana"])
        kit.caught_up()
        answer = kit.decide("Ana", "exit")
        decision = answer["decisions"][0]
        assert answer["allowed"] == 0
        assert not answer["alert"]
        assert STALE_RULE not in decision["rule_ids"]
        assert decision["rule_ids"]
        assert "hold" in decision["explanation"].lower()

    def test_door_behind_a_head_it_heard_denies_exit(self, kit: DoorKit) -> None:
        """A door that knows of an event it has not applied is stale: the exit is denied."""
        kit.link.stop()
        kit.door.freshness.heard_event(kit.door.freshness.applied_seq + 1)
        answer = kit.decide("Ana", "exit")
        assert answer["allowed"] == 0
        assert answer["decisions"][0]["rule_ids"] == [STALE_RULE]
        assert "1 events behind" in answer["alert"]


class TestLinkLoss:
    """With the server gone for over a second, exits fail secure and the rest goes on."""

    def test_exit_denied_with_the_reason(self, kit: DoorKit) -> None:
        """The airlock exit is denied, saying the door heard nothing; the post is told."""
        _cut(kit)
        answer = kit.decide("Ana", "exit")
        decision = answer["decisions"][0]
        assert answer["allowed"] == 0
        assert decision["rule_ids"] == [STALE_RULE]
        assert "heard nothing from the server" in decision["explanation"]
        assert answer["alert"].startswith("Exit denied at the door, failing secure")
        assert not kit.door.health()["fresh"]

    def test_entries_and_internal_doors_keep_deciding(self, kit: DoorKit) -> None:
        """An airlock entry and an internal door are decided on the replica, stale or not."""
        _cut(kit)
        for portal, direction in (("South airlock", "enter"), ("Hospital door", "exit")):
            decision = kit.decide("Bo", direction, portal)["decisions"][0]
            assert decision["rule_ids"] != [STALE_RULE], (portal, direction, decision)


class TestJournalUpload:
    """What the door journalled while cut off lands in the central record exactly once."""

    def test_uploaded_once_after_reconnect(self, kit: DoorKit, make_client: MakeClient) -> None:
        """Decisions and a passage made offline arrive after the link returns; uploading
        them again (a retry with the same Idempotency-Keys) records nothing more."""
        kit.link.stop()  # cut before the permit is decided: nothing is uploaded yet
        kit.server.stop()
        permit = kit.decide("Ana", "exit")
        assert permit["allowed"] == 1  # the door's clock has not moved: still fresh
        kit.door.record_passage(
            portal_id=kit.ids["South airlock"],
            person_ref="Ana",
            direction=Direction.EXIT,
            idempotency_key="pass-1",
        )
        kit.clock.advance(FRESH_FOR + 0.5)
        refused = kit.decide("Bo", "exit")
        assert refused["decisions"][0]["rule_ids"] == [STALE_RULE]
        assert kit.door.journal.pending_count() == 3
        kit.server.start()
        kit.restart_door()
        assert kit.door.journal.wait_uploaded(BOUND), kit.door.journal.pending()
        entries = kit.door.journal.entries()
        assert [e.outcome for e in entries] == ["201", "201", "201"]
        with kit.link.client() as http:
            again = [kit.link._upload(http, e).status_code for e in entries]
        assert again == [200, 200, 200]
        with kit.db.session_scope(write=False) as s:
            for request in (permit, refused):
                count = s.scalar(
                    select(func.count())
                    .select_from(Decision)
                    .where(Decision.request_id == request["request_id"])
                )
                assert count == 1
            passages = s.scalars(select(Passage).where(Passage.idempotency_key == "pass-1"))
            assert [p.decision_id for p in passages] == [permit["decisions"][0]["decision_id"]]
            alerts = s.scalars(select(Event).where(Event.kind == "access.alert")).all()
            assert [a.payload["request_id"] for a in alerts] == [refused["request_id"]]
        assert [e.kind for e in entries].count(PASSAGE) == 1


class TestQuietEvents:
    """Other doors' decisions do not make a door wait; a hold or a moved rows head does."""

    def test_decisions_are_not_waited_for(self) -> None:
        """Told of decisions only, the door is fresh; of a hold, behind until it applies it."""
        fresh = Freshness(FakeClock())
        fresh.applied(3, rows=9)
        fresh.heard_head(3, rows=9)
        fresh.heard_event(4, "access.decided")
        assert fresh.stale_reason() == ""
        fresh.heard_event(5, "access.hold.placed")
        assert fresh.stale_reason() == "this door's replica is 2 events behind the server"
        fresh.applied(5, rows=9)
        assert fresh.stale_reason() == ""

    def test_alerts_are_not_waited_for(self) -> None:
        """Alerts (another door's uploaded backlog of failed-secure exits) change no row a
        door replicates: told of them, the door stays fresh; a heartbeat naming a row
        change in their transaction still makes it behind."""
        fresh = Freshness(FakeClock())
        fresh.applied(3, rows=9)
        fresh.heard_head(3, rows=9)
        for seq in range(4, 40):
            fresh.heard_event(seq, "access.alert")
        assert fresh.stale_reason() == ""
        fresh.heard_head(39, rows=10)
        assert fresh.stale_reason() == "this door's replica is 1 row changes behind the server"

    def test_rows_head_ahead_is_behind(self) -> None:
        """A heartbeat naming a row version not applied yet makes the door behind."""
        fresh = Freshness(FakeClock())
        fresh.applied(3, rows=9)
        fresh.heard_head(3, rows=10)
        assert fresh.stale_reason() == "this door's replica is 1 row changes behind the server"


class TestCatchingUp:
    """A replica that is only behind is waited for (one heartbeat at most), not denied at
    once; a door that is stale for any other reason is not waited for."""

    def test_only_behind_while_the_heads_are_recent(self) -> None:
        """Behind with a recent head: waited for. Silent past a second, or failed
        verification: not (those are not caught up by waiting)."""
        clock = FakeClock()
        fresh = Freshness(clock)
        fresh.applied(3, rows=9)
        fresh.heard_head(3, rows=9)
        assert not fresh.only_behind()  # fresh: nothing to wait for
        fresh.heard_event(4, "access.hold.placed")
        assert fresh.only_behind()
        clock.advance(1.5)
        assert not fresh.only_behind()
        fresh.heard_head(4, rows=9)
        fresh.fail("hash mismatch at 4")
        assert not fresh.only_behind()

    def test_catch_up_returns_once_applied(self) -> None:
        """The link's thread applying the event ends the wait."""
        fresh = Freshness(FakeClock())
        fresh.applied(3, rows=9)
        fresh.heard_head(3, rows=9)
        fresh.heard_event(4, "access.hold.placed")
        applier = threading.Thread(target=fresh.applied, args=(4, 9))
        applier.start()
        assert fresh.catch_up(BOUND)
        applier.join()
        assert fresh.stale_reason() == ""

    def test_catch_up_gives_up_after_its_bound(self) -> None:
        """Nothing applied: the wait ends and the door is still behind (it fails secure)."""
        fresh = Freshness(FakeClock())
        fresh.heard_head(3, rows=9)
        assert not fresh.catch_up(0.01)
        assert "behind" in fresh.stale_reason()


class TestUploadedDecisions:
    """The server answers an upload with the events it appended."""

    def test_uploaded_decision_returns_its_events(
        self, kit: DoorKit, make_client: MakeClient
    ) -> None:
        """The server answers an upload with the seqs it appended, each an access.decided."""
        kit.decide("Ana", "exit")
        assert kit.door.journal.wait_uploaded(BOUND)
        with kit.db.session_scope(write=False) as s:
            request_id = kit.door.journal.entries()[0].key
            kinds = s.scalars(
                select(Event.kind).where(Event.payload["request_id"].as_string() == request_id)
            ).all()
        assert kinds == ["access.decided"]
        assert kit.door.freshness.wait_for(lambda f: f.stale_reason() == "", BOUND)
