"""The door's replica: it catches up, resumes exactly, and refuses a feed that breaks a chain."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from door.conftest import DoorKit, MakeClient
from muster import clock
from muster.door.replica import EVENT_HASHES, ROW_HASHES, ChainBroken, Replica
from muster.events.models import Event
from muster.people.enums import Affiliation, PersonStatus
from muster.people.models import Person


def _hold(commander: TestClient, person_id: str) -> dict[str, Any]:
    answer = commander.post(
        "/api/v1/holds",
        json={"person": person_id, "kind": "provisional", "reason": "seen with the party"},
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


class TestCatchUp:
    """A new door fills its replica from the feed and decides as the server does."""

    def test_door_decides_as_the_server_does(self, kit: DoorKit, make_client: MakeClient) -> None:
        """For each person and direction the door's verdict, rules and words are the server's."""
        guard = make_client("guard")
        for person in ("Ana", "Bo", "nobody"):
            for direction in ("exit", "enter"):
                kit.caught_up()  # the server's last decision is in the record too
                here = kit.decide(person, direction)["decisions"][0]
                there = guard.post(
                    f"/api/v1/portals/{kit.ids['South airlock']}/requests",
                    json={"persons": [person], "direction": direction},
                ).json()["decisions"][0]
                keys = ("allowed", "rule_ids", "explanation", "person_id")
                assert {k: here[k] for k in keys} == {k: there[k] for k in keys}
        kit.caught_up()
        assert kit.decide("Ana", "exit")["allowed"] == 1  # her consent case allows it

    def test_replica_holds_only_what_decisions_read(self, kit: DoorKit) -> None:
        """Accounts and tokens reach the door as hashes only: no table of theirs exists."""
        names = set(kit.door.replica.tables)
        assert "persons" in names
        assert "holds" in names
        assert not names & {"accounts", "api_tokens", "screenings", "access_decisions"}


class TestResume:
    """A door stopped anywhere resumes from its files with nothing lost or applied twice."""

    def test_restart_resumes_after_its_cursors(self, kit: DoorKit, make_client: MakeClient) -> None:
        """Changes made while the door was down arrive; each event and row version once."""
        kit.link.stop()
        commander = make_client("commander")
        at = clock.now()
        with kit.db.session_scope() as s:
            s.add(
                Person(
                    name="Cy",
                    badge_id="B-Cy",
                    affiliation=Affiliation.CREW,
                    roles=[],
                    status=PersonStatus.ACTIVE,
                    created_at=at,
                    updated_at=at,
                )
            )
        _hold(commander, kit.ids["Ana"])
        kit.restart_door()
        seq = kit.caught_up()
        _seq, n = kit.heads()
        cursors = kit.door.replica.cursors()
        assert (cursors.event_seq, cursors.row_n, cursors.applied_seq) == (seq, n, seq)
        with kit.door.replica.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(EVENT_HASHES)) == seq
            assert conn.scalar(select(func.count()).select_from(ROW_HASHES)) == n
        with kit.db.session_scope(write=False) as s:
            central = dict(s.execute(select(Event.seq, Event.hash)).all())
        with kit.door.replica.engine.connect() as conn:
            held = dict(conn.execute(select(EVENT_HASHES.c.seq, EVENT_HASHES.c.hash)).all())
        assert held == central
        assert kit.decide("Cy", "enter")["decisions"][0]["person_id"] is not None
        assert kit.decide("Ana", "exit")["allowed"] == 0


class TestChainChecks:
    """A feed that does not extend the replica's chains is refused whole."""

    @pytest.fixture
    def feed(self, kit: DoorKit, make_client: MakeClient) -> dict[str, Any]:
        """The whole feed from the start, as a guard reads it."""
        body: dict[str, Any] = (
            make_client("guard").get("/api/v1/doors/feed", params={"after_seq": 0}).json()
        )
        return body

    def _fresh(self, kit: DoorKit) -> Replica:
        return Replica(kit.data_dir.parent / "fresh.db")

    def test_whole_feed_applies(self, kit: DoorKit, feed: dict[str, Any]) -> None:
        """The untouched feed applies to an empty replica."""
        assert feed["complete"]
        after = self._fresh(kit).apply(feed)
        assert after.event_seq == feed["events"][-1]["seq"]

    @pytest.mark.parametrize(
        "tamper",
        ["drop_event", "edit_event", "edit_row", "relink_row"],
    )
    def test_tampered_feed_is_refused(
        self, kit: DoorKit, feed: dict[str, Any], tamper: str
    ) -> None:
        """A missing event, an altered event or row image, a broken row link: ChainBroken,
        and the replica is left as it was."""
        bad = copy.deepcopy(feed)
        rows_with_images = [r for r in bad["rows"] if "image" in r]
        if tamper == "drop_event":
            del bad["events"][1]
        elif tamper == "edit_event":
            bad["events"][2]["payload"] = {"forged": True}
        elif tamper == "edit_row":
            rows_with_images[0]["image"] = {**rows_with_images[0]["image"], "name": "forged"}
        else:
            bad["rows"][3]["prev_hash"] = "0" * 64
        replica = self._fresh(kit)
        with pytest.raises(ChainBroken):
            replica.apply(bad)
        assert replica.cursors().event_seq == 0
