"""Handsets: a guard's handset reports and calls help; the commander's handset gets the page
live at flash and acknowledges it over the WebSocket as any flash order."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from comms.station import Station
from posts.conftest import guard

WS = "/api/v1/handsets/ws"
WEST = "West airlock post"


def token_of(client: TestClient) -> str:
    """The bearer token a test client signs in with (a handset's token)."""
    return str(client.headers["Authorization"]).removeprefix("Bearer ")


def next_of(ws: WebSocketTestSession, kind: str) -> dict[str, Any]:
    """The next frame of ``kind``, skipping others."""
    for _ in range(50):
        frame: dict[str, Any] = json.loads(ws.receive_text())
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


class TestHandsets:
    """The help page travels to handsets like any flash order, and is acknowledged there."""

    def test_commander_handset_gets_help_live_and_acknowledges(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Wes's handset reports and calls help; John's handset is paged and answers."""
        wes = guard(make_client, crew, "Wes")  # the handset at the West post, by its token
        john = make_client("commander", person_id=crew.persons["John"])
        with john.websocket_connect(f"{WS}?token={token_of(john)}") as ws:
            next_of(ws, "hello")
            filed = wes.post(
                f"/api/v1/posts/{WEST}/reports",
                json={"status": "casualties", "station_dead": 2, "station_wounded": 4},
            )
            assert filed.status_code == 201, filed.text
            called = wes.post(f"/api/v1/posts/{WEST}/help", json={"text": "Medics needed."})
            assert called.status_code == 201, called.text
            page = next_of(ws, "message")
            assert page["id"] == called.json()["message_id"]
            assert page["precedence"] == "flash"
            assert "Casualties seen: station 2 dead, 4 wounded." in page["text"]
            ws.send_text(json.dumps({"type": "ack", "message_id": page["id"], "key": "k-1"}))
            acked = next_of(ws, "acked")
            assert acked["message_id"] == page["id"]
        board = john.get(f"/api/v1/comms/messages/{page['id']}/board").json()
        mine = next(r for r in board["rows"] if r["person_id"] == crew.persons["John"])
        assert mine["status"] == "answered"

    def test_channel_bound_handset_token_may_not_report(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """A handset token bound to comms channels only does comms: a report is refused."""
        from muster.auth.service import create_token
        from muster.policy.actor import Actor

        username = "wes-handset"
        wes = make_client("guard", username=username, person_id=crew.persons["Wes"])
        with wes.app.state.db.session_scope() as session:  # type: ignore[attr-defined]
            _token, secret = create_token(
                session,
                name="west-handset",
                username=username,
                scopes=[],
                actor=Actor.system("test"),
                channel_ids=["no-channel"],
            )
        bound = TestClient(wes.app, headers={"Authorization": f"Bearer {secret}"})
        response = bound.post(f"/api/v1/posts/{WEST}/reports", json={"status": "quiet"})
        assert response.status_code == 403
        assert "handset token may only use comms" in response.json()["detail"]
