"""Handset tokens held to their channels on every comms operation, and refused before lookups."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from comms.station import Station, build_station
from muster import clock
from muster.auth import service as auth_service
from muster.comms import api as comms_api
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.groups import PostsRule
from muster.comms.models import Announcement
from muster.comms.service import create_channel, send_message, store_clip
from muster.db import Database
from muster.policy.actor import Actor
from muster.web.contract import effective_routes

WS = "/api/v1/handsets/ws"
ADMIN = Actor.system("test")
CAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>bound-1</identifier><sender>gateway@example</sender>
  <sent>2026-03-01T12:00:00+00:00</sent><status>Actual</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info><category>Safety</category><event>Test</event><urgency>Future</urgency>
    <severity>Minor</severity><certainty>Observed</certainty><headline>Hello</headline></info>
</alert>"""


@dataclass
class Channels:
    """Two channels: the handset's own (South) and another (West) with a message, clip, PA."""

    station: Station
    own: str
    other: str
    message: str
    clip: str
    announcement: str


@pytest.fixture
def channels(db: Database) -> Channels:
    """The station, its two airlock channels, and a voice order with an announcement on West."""
    with db.session_scope() as session:
        station = build_station(session)
        own, other = (
            create_channel(
                session,
                name=f"{side} airlock",
                kind=ChannelKind.GROUP,
                rule=PostsRule(portal_id=station.portals[f"{side} airlock"]),
                actor=ADMIN,
            ).id
            for side in ("South", "West")
        )
        clip = store_clip(session, data=b"\x1aE\xdf\xa3 opus", mime="audio/webm", actor=ADMIN)
        message = send_message(
            session,
            channel_id=other,
            precedence=Precedence.IMMEDIATE,
            text="West: hold the line.",
            clip_id=clip.id,
            actor=ADMIN,
        )
        row = Announcement(
            text="West airlock closed",
            voice="en",
            audio=b"RIFF",
            message_id=message.id,
            created_by="test",
            created_at=clock.now(),
        )
        session.add(row)
        session.flush()
        return Channels(station, own, other, message.id, clip.id, row.id)


def bound_client(
    db: Database, make_client: Callable[..., TestClient], person_id: str, channel_ids: list[str]
) -> TestClient:
    """A handset: an administrator's account (the strongest) with a token bound to channels."""
    username = f"handset-{person_id[:8]}"
    unbound = make_client("admin", username=username, person_id=person_id)
    with db.session_scope() as session:
        _token, secret = auth_service.create_token(
            session,
            name=f"handset-{username}",
            username=username,
            scopes=[],
            channel_ids=channel_ids,
            actor=ADMIN,
        )
    return TestClient(unbound.app, headers={"Authorization": f"Bearer {secret}"})


def comms_routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) of the app's comms API, found from ``app.routes`` (routers
    included in routers too), so a comms operation added anywhere is walked."""
    found = sorted(
        (method, route.path)
        for route in effective_routes(app)
        if getattr(route, "include_in_schema", False) and route.path.startswith(COMMS)
        for method in route.methods
    )
    router = {
        (method, route.path)
        for route in comms_api.router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods
    }
    assert router <= set(found)  # the walk reaches at least the comms router
    return found


COMMS = "/api/v1/comms/"


COLLECTIONS = {("GET", "/api/v1/comms/channels")}


def call(client: TestClient, method: str, path: str, c: Channels) -> Any:
    """Call one route at the other channel: its ids in the path, query and body."""
    ids = {
        "channel_id": c.other,
        "message_id": c.message,
        "clip_id": c.clip,
        "announcement_id": c.announcement,
    }
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
    query = {"channel_id": c.other}
    if path.endswith("/cap"):
        return client.post(url, params=query, content=CAP, headers={"content-type": XML})
    if path.endswith("/clips"):
        audio = {"content-type": "audio/webm"}
        return client.post(url, params=query, content=b"opus", headers=audio)
    bodies: dict[str, dict[str, Any]] = {
        "/api/v1/comms/channels": {"name": "Mine now", "rule": {"kind": "all"}},
        "/api/v1/comms/messages": {"channel_id": c.other, "text": "Open the West airlock."},
        "/api/v1/comms/rollcalls": {"channel_id": c.other, "text": "All posts report."},
        "/api/v1/comms/announcements": {"text": "Attention", "message_id": c.message},
    }
    if path.endswith("/ack"):
        bodies[path] = {"person_ids": [c.station.persons["Wes"]]}
    body = bodies.get(path)
    if method == "GET":
        return client.get(url, params=query)
    return client.request(method, url, params=query, json=body)


XML = "application/xml"


class TestBoundToItsChannels:
    """A token bound to one channel is refused on every comms operation about another."""

    def test_every_route_refuses_the_other_channel(
        self, db: Database, make_client: Callable[..., TestClient], channels: Channels
    ) -> None:
        """Each comms route answers 403 (a list leaves the other channel out)."""
        gail = channels.station.persons["Gail"]
        handset = bound_client(db, make_client, gail, [channels.own])
        routes = comms_routes(handset.app)
        assert len(routes) > 15  # the walk reaches the router, not an empty list
        answers = {}
        for method, path in routes:
            response = call(handset, method, path, channels)
            if (method, path) in COLLECTIONS:
                assert response.status_code == 200, response.text
                assert channels.other not in {i["id"] for i in response.json()["items"]}
                continue
            answers[f"{method} {path}"] = response.status_code
        assert answers == dict.fromkeys(answers, 403)

    def test_nothing_was_written(
        self, db: Database, make_client: Callable[..., TestClient], channels: Channels
    ) -> None:
        """After every refusal the West order is still open and unanswered."""
        handset = bound_client(db, make_client, channels.station.persons["Gail"], [channels.own])
        for method, path in comms_routes(handset.app):
            call(handset, method, path, channels)
        board = make_client("admin").get(f"/api/v1/comms/messages/{channels.message}/board")
        assert board.json()["answered"] == 0
        assert board.json()["result"] == "pending"

    def test_own_channel_still_works(
        self, db: Database, make_client: Callable[..., TestClient], channels: Channels
    ) -> None:
        """On its own channel the handset sends, and lists only its own messages."""
        handset = bound_client(db, make_client, channels.station.persons["Gail"], [channels.own])
        sent = handset.post(
            "/api/v1/comms/messages", json={"channel_id": channels.own, "text": "South ready."}
        )
        assert sent.status_code == 201, sent.text
        listed = handset.get("/api/v1/comms/messages").json()["items"]
        assert {m["channel_id"] for m in listed} == {channels.own}

    def test_no_acknowledging_for_others_on_its_own_channel(
        self, db: Database, make_client: Callable[..., TestClient], channels: Channels
    ) -> None:
        """A handset on an administrator's account answers only for its own person."""
        station = channels.station
        commander = make_client("commander", person_id=station.persons["John"])
        order = commander.post(
            "/api/v1/comms/messages",
            json={"channel_id": channels.own, "precedence": "immediate", "text": "Report."},
        ).json()["id"]
        handset = bound_client(db, make_client, station.persons["Gail"], [channels.own])
        for_sam = handset.post(
            f"/api/v1/comms/messages/{order}/ack", json={"person_ids": [station.persons["Sam"]]}
        )
        assert for_sam.status_code == 403, for_sam.text
        own = handset.post(f"/api/v1/comms/messages/{order}/ack", json={})
        assert own.status_code == 200, own.text


class TestRefusedBeforeLookup:
    """A caller that may not act is refused before it learns whether the resource exists."""

    def test_unknown_channel_is_403_for_a_bound_token(
        self, db: Database, make_client: Callable[..., TestClient], channels: Channels
    ) -> None:
        """Members, messages and sends about a channel that does not exist answer 403, not 404."""
        handset = bound_client(db, make_client, channels.station.persons["Gail"], [channels.own])
        missing = "no-such-channel"
        assert handset.get(f"/api/v1/comms/channels/{missing}/members").status_code == 403
        listed = handset.get("/api/v1/comms/messages", params={"channel_id": missing})
        assert listed.status_code == 403
        sent = handset.post("/api/v1/comms/messages", json={"channel_id": missing, "text": "x"})
        assert sent.status_code == 403


class TestHandsetSocket:
    """Over the handset socket a bound token hears and sends only on its channels."""

    def test_socket_keeps_to_its_channels(
        self, db: Database, make_client: Callable[..., TestClient], channels: Channels
    ) -> None:
        """Hello lists only its channel; the catch-up leaves out West; sending to West fails."""
        wes = channels.station.persons["Wes"]  # a West recipient, handset bound to South only
        handset = bound_client(db, make_client, wes, [channels.own])
        token = str(handset.headers["Authorization"]).removeprefix("Bearer ")
        with handset.websocket_connect(f"{WS}?token={token}") as ws:
            hello = json.loads(ws.receive_text())
            assert [c["id"] for c in hello["channels"]] == [channels.own]
            ws.send_text(json.dumps({"type": "text", "channel_id": channels.other, "text": "x"}))
            ws.send_text(json.dumps({"type": "ping"}))
            frames = []
            while not frames or frames[-1]["type"] != "pong":
                frames.append(json.loads(ws.receive_text()))
        assert all(f.get("id") != channels.message for f in frames)
        errors = [f for f in frames if f["type"] == "error"]
        assert errors
        assert "bound to other channels" in errors[0]["detail"]
