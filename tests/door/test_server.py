"""The door's own HTTP, as its readers use it, and ``muster door run`` as an operator starts it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
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


class TestDoorWebSocket:
    """Readers on a WebSocket get what HTTP gives them, from the same code."""

    def test_unsigned_reader_is_closed(self, kit: DoorKit) -> None:
        """No reader secret: the handshake is closed with 4401 and nothing is journalled."""
        url = f"/api/v1/portals/{kit.ids['South airlock']}/ws"
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            _reader(kit, None).websocket_connect(url),
        ):
            pass
        assert closed.value.code == 4401
        assert kit.door.journal.entries() == []

    def test_request_passage_and_refusals(self, kit: DoorKit) -> None:
        """A request, its passage and the retry, then the refusals HTTP would give: a NUL
        (422 naming it), a portal this door does not serve (404), a message of no kind."""
        reader = _reader(kit)
        with reader.websocket_connect(f"/api/v1/portals/{kit.ids['South airlock']}/ws") as ws:
            ws.send_json({"id": 1, "request": {"persons": ["Ana"], "direction": "exit"}})
            decided = ws.receive_json()
            assert (decided["id"], decided["status"]) == (1, 200), decided
            assert decided["body"]["allowed"] == 1
            assert decided["body"]["decided_at_door"] is True
            passage = {"person": "Ana", "direction": "exit"}
            for expected in (201, 200):
                ws.send_json({"id": 2, "passage": passage, "idempotency_key": "ws-1"})
                answer = ws.receive_json()
                assert answer["status"] == expected, answer
                assert (
                    answer["body"]["decision_id"] == decided["body"]["decisions"][0]["decision_id"]
                )
            ws.send_json({"request": {"persons": ["A\x00na"], "direction": "exit"}})
            nul = ws.receive_json()
            assert nul["status"] == 422, nul
            assert "NUL" in nul["detail"]
            ws.send_json({"hello": True})
            assert ws.receive_json()["status"] == 400
            ws.send_json({"request": {"persons": [], "direction": "exit"}})
            assert ws.receive_json()["status"] == 422
        with reader.websocket_connect(f"/api/v1/portals/{kit.ids['West airlock']}/ws") as ws:
            ws.send_json({"request": {"persons": ["Ana"], "direction": "exit"}})
            other = ws.receive_json()
            assert other["status"] == 404
            assert "West airlock" in other["detail"]
        kinds = [e.kind for e in kit.door.journal.entries()]
        assert kinds == ["request", "passage"]

    def test_same_decision_as_http(self, kit: DoorKit) -> None:
        """Bo asking to exit (no pass): the same denial and rule over both."""
        reader = _reader(kit)
        http = reader.post(
            f"/api/v1/portals/{kit.ids['South airlock']}/requests",
            json={"persons": ["Bo"], "direction": "exit"},
        ).json()
        with reader.websocket_connect(f"/api/v1/portals/{kit.ids['South airlock']}/ws") as ws:
            ws.send_json({"request": {"persons": ["Bo"], "direction": "exit"}})
            socket = ws.receive_json()["body"]
        for field in ("allowed", "denied", "instruction"):
            assert socket[field] == http[field]
        assert socket["decisions"][0]["rule_ids"] == http["decisions"][0]["rule_ids"]
        assert socket["decisions"][0]["explanation"] == http["decisions"][0]["explanation"]


class TestHostileReaders:
    """What a reader holding the secret sent that the door took wrongly (hostile review)."""

    def test_keys_the_server_would_refuse_and_keys_reused(self, kit: DoorKit) -> None:
        """A 300-character key (the server takes 200: the passage vanished at upload) is a
        422; a key used for Ana's passage is not Bo's retry (it answered with hers); a
        binary frame is a 400, not a dropped connection."""
        reader = _reader(kit)
        with reader.websocket_connect(f"/api/v1/portals/{kit.ids['South airlock']}/ws") as ws:
            ws.send_json({"request": {"persons": ["Ana"], "direction": "exit"}})
            assert ws.receive_json()["body"]["allowed"] == 1
            ana = {"person": "Ana", "direction": "exit"}
            ws.send_json({"passage": ana, "idempotency_key": "y" * 300})
            long = ws.receive_json()
            assert long["status"] == 422, long
            assert "200" in long["detail"]
            ws.send_json({"passage": ana, "idempotency_key": "k1"})
            assert ws.receive_json()["status"] == 201
            ws.send_json(
                {"passage": {"person": "Bo", "direction": "exit"}, "idempotency_key": "k1"}
            )
            reused = ws.receive_json()
            assert reused["status"] == 409, reused
            assert "another passage" in reused["detail"]
            ws.send_bytes(b"\x00\x01")
            assert ws.receive_json()["status"] == 400
        passages = [e for e in kit.door.journal.entries() if e.kind == "passage"]
        assert [e.body["person"] for e in passages] == [kit.ids["Ana"]]


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

    def test_run_without_reader_secret_refuses(self) -> None:
        """No MUSTER_DOOR_READER_SECRET (or a short one): exit 1 before listening, naming it;
        an open door port would take anyone's requests in the door's name."""
        for secret in ("", "short"):
            result = CliRunner().invoke(
                app,
                ["door", "run", "--portal", "South airlock", "--server", "http://x", "--data", "d"],
                env={"MUSTER_DOOR_TOKEN": "a-door-token", "MUSTER_DOOR_READER_SECRET": secret},
            )
            assert result.exit_code == 1, result.output
            assert "MUSTER_DOOR_READER_SECRET" in result.output
