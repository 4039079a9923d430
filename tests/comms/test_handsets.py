"""Handsets over WebSocket: live delivery, catch-up after reconnecting, floor, clips."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.testclient import WebSocketTestSession

from comms.station import Station, build_station
from harness.checkpoints import sign_now, verify_carried
from harness.waiting import until
from muster.comms.models import Recipient
from muster.db import Database

WS = "/api/v1/handsets/ws"


@pytest.fixture
def crew(db: Database) -> Station:
    """The station, committed."""
    with db.session_scope() as session:
        return build_station(session)


def token_of(client: TestClient) -> str:
    """The bearer token a test client signs in with."""
    return str(client.headers["Authorization"]).removeprefix("Bearer ")


def west_channel(client: TestClient, crew: Station) -> str:
    """The West airlock channel."""
    rule = {"kind": "posts", "portal_id": crew.portals["West airlock"]}
    response = client.post(
        "/api/v1/comms/channels", json={"name": "West airlock", "kind": "group", "rule": rule}
    )
    return str(response.json()["id"])


def next_of(ws: WebSocketTestSession, kind: str) -> dict[str, Any]:
    """The next frame of ``kind``, skipping others."""
    for _ in range(50):
        frame: dict[str, Any] = json.loads(ws.receive_text())
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


class TestLiveAndCatchUp:
    """A connected handset gets messages live; a reconnecting one gets what it missed."""

    def test_catch_up_after_reconnect(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database
    ) -> None:
        """A message sent while Wes was away arrives first thing when he reconnects."""
        john = make_client("commander", person_id=crew.persons["John"])
        wes = make_client("guard", person_id=crew.persons["Wes"])
        channel = west_channel(john, crew)
        with wes.websocket_connect(f"{WS}?token={token_of(wes)}") as ws:
            hello = next_of(ws, "hello")
            assert hello["person_id"] == crew.persons["Wes"]
        sent = john.post(
            "/api/v1/comms/messages",
            json={"channel_id": channel, "precedence": "immediate", "text": "Report status."},
        ).json()
        with wes.websocket_connect(f"{WS}?token={token_of(wes)}&after=0") as ws:
            missed = next_of(ws, "message")
            assert missed["id"] == sent["id"]
            assert missed["reason"] == "catch-up"
            ws.send_text(json.dumps({"type": "delivered", "message_id": sent["id"]}))
            ws.send_text(json.dumps({"type": "ping"}))
            next_of(ws, "pong")

        def delivered() -> bool:
            with db.session_scope(write=False) as session:
                at = session.scalar(
                    select(Recipient.delivered_at).where(
                        Recipient.message_id == sent["id"],
                        Recipient.person_id == crew.persons["Wes"],
                    )
                )
            return at is not None

        assert until(delivered)
        with wes.websocket_connect(f"{WS}?token={token_of(wes)}&after={missed['cursor']}") as ws:
            next_of(ws, "hello")
            ws.send_text(json.dumps({"type": "ping"}))
            # nothing replayed before it; no checkpoint signed yet
            assert next_of(ws, "pong") == {"type": "pong", "checkpoint": None}

    def test_live_text_between_handsets(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """Tara's text on the West channel reaches Wes's open handset."""
        john = make_client("commander", person_id=crew.persons["John"])
        channel = west_channel(john, crew)
        wes = make_client("guard", person_id=crew.persons["Wes"])
        tara = make_client("guard", person_id=crew.persons["Tara"])
        with (
            wes.websocket_connect(f"{WS}?token={token_of(wes)}") as ws_wes,
            tara.websocket_connect(f"{WS}?token={token_of(tara)}") as ws_tara,
        ):
            next_of(ws_wes, "hello")
            next_of(ws_tara, "hello")
            ws_tara.send_text(
                json.dumps({"type": "text", "channel_id": channel, "text": "Two visitors at door."})
            )
            assert next_of(ws_tara, "sent")["id"]
            got = next_of(ws_wes, "message")
            assert got["text"] == "Two visitors at door."
            assert got["sender"].startswith("op-")

    def test_refused_without_token(self, client: TestClient) -> None:
        """A handset without a token or cookie is closed with a policy-violation code."""
        from starlette.websockets import WebSocketDisconnect

        with pytest.raises(WebSocketDisconnect) as caught, client.websocket_connect(WS) as ws:
            ws.receive_text()
        assert caught.value.code == 1008


class TestFloorAndClips:
    """Push to talk: a clip while another holds the floor is refused; a clip is played out."""

    def test_clip_respects_floor(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """Wes holds the floor; Tara's clip is refused; Wes's clip reaches Tara inline."""
        john = make_client("commander", person_id=crew.persons["John"])
        channel = west_channel(john, crew)
        wes = make_client("guard", person_id=crew.persons["Wes"])
        tara = make_client("guard", person_id=crew.persons["Tara"])
        audio = base64.b64encode(b"\x1aE\xdf\xa3 opus frames").decode()
        with (
            wes.websocket_connect(f"{WS}?token={token_of(wes)}") as ws_wes,
            tara.websocket_connect(f"{WS}?token={token_of(tara)}") as ws_tara,
        ):
            next_of(ws_wes, "hello")
            next_of(ws_tara, "hello")
            ws_wes.send_text(
                json.dumps({"type": "floor", "action": "request", "channel_id": channel})
            )
            assert next_of(ws_wes, "floor")["event"] in ("granted", "grant")
            clip = {"type": "clip", "channel_id": channel, "mime": "audio/webm", "data": audio}
            ws_tara.send_text(json.dumps(clip))
            assert "has the floor" in next_of(ws_tara, "error")["detail"]
            ws_wes.send_text(json.dumps(clip))
            got = next_of(ws_tara, "message")
            assert base64.b64decode(got["clip_data"]) == b"\x1aE\xdf\xa3 opus frames"
            assert got["clip_url"].startswith("/api/v1/comms/clips/")


class TestLargeAudience:
    """When the event does not name its recipients, the hub reads them from the database."""

    def test_hub_reads_recipients(
        self, make_client: Callable[..., TestClient], crew: Station, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the naming limit at zero, Wes still receives the order live."""
        from muster.comms import service as svc

        monkeypatch.setattr(svc, "EVENT_RECIPIENT_LIMIT", 0)
        john = make_client("commander", person_id=crew.persons["John"])
        channel = west_channel(john, crew)
        wes = make_client("guard", person_id=crew.persons["Wes"])
        with wes.websocket_connect(f"{WS}?token={token_of(wes)}") as ws:
            next_of(ws, "hello")
            john.post(
                "/api/v1/comms/messages",
                json={"channel_id": channel, "precedence": "flash", "text": "Seal the West door."},
            )
            assert next_of(ws, "message")["text"] == "Seal the West door."


class TestCheckpoints:
    """A handset is given the record's newest signed checkpoint to keep, and it verifies."""

    def test_hello_and_pong_carry_the_newest(
        self, make_client: Callable[..., TestClient], crew: Station, db: Database, signing_key: Path
    ) -> None:
        """The hello carries the newest checkpoint; a later one arrives with the next pong."""
        wes = make_client("guard", person_id=crew.persons["Wes"])
        first = sign_now(db, signing_key)
        with wes.websocket_connect(f"{WS}?token={token_of(wes)}") as ws:
            hello = next_of(ws, "hello")
            assert hello["checkpoint"] == first.to_dict()
            make_client("commander", person_id=crew.persons["John"])  # the log grows
            second = sign_now(db, signing_key)
            ws.send_text(json.dumps({"type": "ping"}))
            kept = next_of(ws, "pong")["checkpoint"]
        assert kept == second.to_dict()
        assert second.size > first.size
        for name, carried in (("hello.json", hello["checkpoint"]), ("pong.json", kept)):
            result = verify_carried(signing_key, carried, name)
            assert result.exit_code == 0, result.output
