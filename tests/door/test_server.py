"""The door's own HTTP, as its readers use it, and ``muster door run`` as an operator starts it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from door.conftest import DoorKit
from muster.cli.main import app
from muster.door.server import create_door_app

SECRET = "reader secret of the south door"


def _reader(kit: DoorKit, secret: str | None = SECRET) -> TestClient:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return TestClient(create_door_app(kit.door, reader_secret=SECRET), headers=headers)


class TestDoorHttp:
    """Readers ask the door on the server's paths; a passage needs a permit and lands once."""

    def test_reader_needs_the_secret(self, kit: DoorKit) -> None:
        """Without the reader secret, or with another, 401 and nothing journalled."""
        url = f"/api/v1/portals/{kit.ids['South airlock']}/requests"
        for reader in (_reader(kit, None), _reader(kit, "guessed")):
            answer = reader.post(url, json={"persons": ["Ana"], "direction": "exit"})
            assert answer.status_code == 401
        assert kit.door.journal.entries() == []

    def test_request_then_passage_once(self, kit: DoorKit) -> None:
        """A permitted exit, its passage (201), the retry (200, the same passage)."""
        reader = _reader(kit)
        portal = kit.ids["South airlock"]
        answer = reader.post(
            f"/api/v1/portals/{portal}/requests", json={"persons": ["B-Ana"], "direction": "exit"}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["allowed"] == 1
        assert answer.json()["decided_at_door"] is True
        url = f"/api/v1/portals/{portal}/passages"
        body = {"person": "Ana", "direction": "exit"}
        first = reader.post(url, json=body, headers={"Idempotency-Key": "p-1"})
        again = reader.post(url, json=body, headers={"Idempotency-Key": "p-1"})
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json() == again.json()
        assert first.json()["decision_id"] == answer.json()["decisions"][0]["decision_id"]

    def test_passage_without_permit_is_409(self, kit: DoorKit) -> None:
        """Bo was never permitted here: the passage is refused, saying to ask first."""
        answer = _reader(kit).post(
            f"/api/v1/portals/{kit.ids['South airlock']}/passages",
            json={"person": "Bo", "direction": "exit"},
            headers={"Idempotency-Key": "p-2"},
        )
        assert answer.status_code == 409
        assert "ask the door for a decision first" in answer.json()["detail"]

    def test_portal_not_served_is_404(self, kit: DoorKit) -> None:
        """The West airlock is in the replica but not this door's: 404 naming it."""
        answer = _reader(kit).post(
            f"/api/v1/portals/{kit.ids['West airlock']}/requests",
            json={"persons": ["Ana"], "direction": "exit"},
        )
        assert answer.status_code == 404
        assert "West airlock" in answer.json()["detail"]

    def test_health_reports_freshness_and_backlog(self, kit: DoorKit) -> None:
        """Fresh, no lag, nothing waiting: the door is caught up."""
        kit.door.journal.wait_uploaded(10)
        health = _reader(kit).get("/healthz").json()
        assert health["fresh"] is True
        assert health["lag_events"] == 0
        assert health["journal_pending"] == 0


class TestDoorCli:
    """``muster door run`` refuses to start without what it needs."""

    def test_run_without_token_says_what_to_set(self, tmp_path: object) -> None:
        """No MUSTER_DOOR_TOKEN: exit 1, naming the variable."""
        result = CliRunner().invoke(
            app,
            ["door", "run", "--portal", "South airlock", "--server", "http://x", "--data", "d"],
            env={"MUSTER_DOOR_TOKEN": ""},
        )
        assert result.exit_code == 1
        assert "MUSTER_DOOR_TOKEN" in result.output
