"""What a door refuses, and that the post hears of every passage the record cannot hold.

A reader's input the server could not store is refused at the door before anything is
decided or journalled; a passage on a permit whose facts changed is refused at the door
by the server's own rule; and an entry the server refuses for good is raised as an alert.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from door.conftest import DoorKit, MakeClient
from door.test_freshness import _place_hold
from muster.access.decisions import ALERT
from muster.door.link import Link
from muster.door.server import create_door_app
from muster.events.models import Event


def _reader(kit: DoorKit) -> TestClient:
    return TestClient(create_door_app(kit.door))


def _url(kit: DoorKit, what: str) -> str:
    return f"/api/v1/portals/{kit.ids['South airlock']}/{what}"


def _alerts(kit: DoorKit, about: str) -> list[dict[str, Any]]:
    with kit.db.session_scope(write=False) as s:
        events = s.scalars(select(Event).where(Event.kind == ALERT).order_by(Event.seq))
        return [e.payload for e in events if e.payload.get("about") == about]


class TestInputLimitsAtTheDoor:
    """The door holds readers to the server's input limits, before it decides anything."""

    def test_nul_in_a_person_reference_is_refused(self, kit: DoorKit) -> None:
        """A NUL next to a permitted person: 422 naming the field; nothing decided or
        journalled, so there is no permit for a passage the record would never get."""
        reader = _reader(kit)
        answer = reader.post(
            _url(kit, "requests"), json={"persons": ["Ana", "x\x00y"], "direction": "exit"}
        )
        assert answer.status_code == 422, answer.text
        assert "body.persons.1" in answer.text
        assert "NUL" in answer.text
        assert kit.door.journal.entries() == []
        passage = reader.post(
            _url(kit, "passages"),
            json={"person": "Ana", "direction": "exit"},
            headers={"Idempotency-Key": "ana-out-1"},
        )
        assert passage.status_code == 409, passage.text
        assert kit.door.journal.entries() == []

    def test_nul_in_a_passage_is_refused(self, kit: DoorKit) -> None:
        """The passage route is held to the same limits."""
        answer = _reader(kit).post(
            _url(kit, "passages"),
            json={"person": "A\x00na", "direction": "exit"},
            headers={"Idempotency-Key": "ana-out-2"},
        )
        assert answer.status_code == 422, answer.text
        assert "body.person" in answer.text
        assert kit.door.journal.entries() == []


class TestPassageOnChangedFacts:
    """A permit decided before a hold reached the door does not carry a passage."""

    def test_passage_after_a_hold_is_refused_and_the_post_alerted(
        self, kit: DoorKit, make_client: MakeClient
    ) -> None:
        """409 with the reason, no passage journalled, the permit spent, the post alerted
        on the central record."""
        reader = _reader(kit)
        decided = reader.post(_url(kit, "requests"), json={"persons": ["Ana"], "direction": "exit"})
        assert decided.json()["allowed"] == 1, decided.text
        permit = decided.json()["decisions"][0]["decision_id"]
        _place_hold(make_client, kit.ids["Ana"])
        kit.caught_up()
        passage = reader.post(
            _url(kit, "passages"),
            json={"person": "Ana", "direction": "exit"},
            headers={"Idempotency-Key": "ana-after-hold"},
        )
        assert passage.status_code == 409, passage.text
        assert "a hold was placed on them" in passage.json()["detail"]
        assert not [e for e in kit.door.journal.entries() if e.kind == "passage"]
        again = reader.post(
            _url(kit, "passages"),
            json={"person": "Ana", "direction": "exit"},
            headers={"Idempotency-Key": "ana-after-hold"},
        )
        assert again.status_code == 409
        assert "no recent unused permit" in again.json()["detail"]
        kit.caught_up()
        alerts = _alerts(kit, "passage.refused")
        assert [a["decision_id"] for a in alerts] == [permit]
        assert alerts[0]["audience"] == "post"
        assert alerts[0]["person"] == "Ana"
        assert "a hold was placed on them" in alerts[0]["text"]

    def test_passage_on_unchanged_facts_is_still_recorded(self, kit: DoorKit) -> None:
        """The rule refuses changes only: a permit whose facts hold carries its passage."""
        reader = _reader(kit)
        reader.post(_url(kit, "requests"), json={"persons": ["Ana"], "direction": "exit"})
        passage = reader.post(
            _url(kit, "passages"),
            json={"person": "Ana", "direction": "exit"},
            headers={"Idempotency-Key": "ana-out-ok"},
        )
        assert passage.status_code == 201, passage.text
        kit.caught_up()
        assert _alerts(kit, "passage.refused") == []
        assert _alerts(kit, "door.upload_refused") == []


class TestRefusedUploads:
    """An entry the server refuses for good is raised to the post, not only logged."""

    def test_refused_passage_upload_alerts_the_post(
        self, kit: DoorKit, make_client: MakeClient
    ) -> None:
        """The hold is placed while the door's link is down, so the door journals the
        passage; the server refuses it on upload and the door raises the refusal once."""
        reader = _reader(kit)
        decided = reader.post(_url(kit, "requests"), json={"persons": ["Ana"], "direction": "exit"})
        assert decided.json()["allowed"] == 1, decided.text
        kit.link.stop()
        _place_hold(make_client, kit.ids["Ana"])
        passage = reader.post(
            _url(kit, "passages"),
            json={"person": "Ana", "direction": "exit"},
            headers={"Idempotency-Key": "ana-offline"},
        )
        assert passage.status_code == 201, passage.text
        kit.link = Link(kit.door, server_url=kit.server.url, token=kit.token).start()
        kit.caught_up()
        entry = kit.door.journal.entries_of("passage", "ana-offline")[0]
        assert entry.outcome.startswith("refused:")
        alerts = _alerts(kit, "door.upload_refused")
        assert [a["entry_key"] for a in alerts] == ["ana-offline"]
        assert alerts[0]["audience"] == "post"
        assert alerts[0]["person"] == "Ana"
        assert "not in the central record" in alerts[0]["text"]
        with kit.db.session_scope(write=False) as s:
            portal_alerts = [
                e
                for e in s.scalars(select(Event).where(Event.kind == ALERT))
                if kit.ids["South airlock"] in e.subjects
            ]
        assert len([e for e in portal_alerts if e.payload["about"] == "door.upload_refused"]) == 1

    def test_an_alert_uploaded_twice_is_raised_once(
        self, kit: DoorKit, make_client: MakeClient
    ) -> None:
        """The door's alert upload is keyed: a retry raises nothing more and answers 200."""
        guard = make_client("guard")
        url = f"/api/v1/doors/portals/{kit.ids['South airlock']}/alerts"
        body = {"about": "door.upload_refused", "text": "The server refused an entry."}
        first = guard.post(url, json=body, headers={"Idempotency-Key": "alert-1"})
        assert first.status_code == 201, first.text
        second = guard.post(url, json=body, headers={"Idempotency-Key": "alert-1"})
        assert second.status_code == 200, second.text
        assert len(_alerts(kit, "door.upload_refused")) == 1
        long_key = guard.post(url, json=body, headers={"Idempotency-Key": "k" * 60})
        assert long_key.status_code == 422, long_key.text
