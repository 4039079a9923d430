"""Handsets: a guard's handset reports and calls help; the commander's handset gets the page
live at flash and acknowledges it over the WebSocket as any flash order."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from comms.station import Station
from posts.conftest import guard

WS = "/api/v1/handsets/ws"
WEST = "West airlock post"
SOUTH = "South airlock post"


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


def channel(commander: TestClient, name: str, rule: dict[str, Any]) -> str:
    """A comms channel made by the commander; its id."""
    made = commander.post(
        "/api/v1/comms/channels", json={"name": name, "kind": "group", "rule": rule}
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def handset(
    make_client: Callable[..., TestClient], crew: Station, name: str, channels: list[str]
) -> TestClient:
    """``name``'s handset: a guard's account with a token bound to ``channels``, as deployed."""
    from muster.auth.service import create_token
    from muster.policy.actor import Actor

    username = f"{name.lower()}-handset-{uuid.uuid4().hex[:6]}"
    account = make_client("guard", username=username, person_id=crew.persons[name])
    with account.app.state.db.session_scope() as session:  # type: ignore[attr-defined]
        _token, secret = create_token(
            session,
            name=f"{username}-token",
            username=username,
            scopes=[],
            actor=Actor.system("test"),
            channel_ids=channels,
        )
    return TestClient(account.app, headers={"Authorization": f"Bearer {secret}"})


class TestBoundHandsets:
    """A handset's token, bound to its post's channel, reports and calls help for that post
    only; other posts and every other action stay refused."""

    def test_reports_and_calls_help_for_its_post(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Gail's handset on the South airlock channel files a report and pages for help."""
        john = make_client("commander", person_id=crew.persons["John"])
        south = channel(
            john, "South airlock", {"kind": "posts", "portal_id": crew.portals["South airlock"]}
        )
        gail = handset(make_client, crew, "Gail", [south])
        filed = gail.post(
            f"/api/v1/posts/{SOUTH}/reports", json={"status": "standoff", "visitors": 15}
        )
        assert filed.status_code == 201, filed.text
        called = gail.post(f"/api/v1/posts/{SOUTH}/help", json={"text": "Blades drawn."})
        assert called.status_code == 201, called.text
        row = next(r for r in john.get("/api/v1/post-board").json() if r["post"] == SOUTH)
        assert (row["status"], row["help_open"]) == ("standoff", True)

    def test_another_post_is_refused_as_a_made_up_one(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """Bound to South, the handset is refused West in the words a post of no one gets:
        it cannot read the board, so it learns nothing of which posts exist."""
        john = make_client("commander", person_id=crew.persons["John"])
        south = channel(
            john, "South airlock", {"kind": "posts", "portal_id": crew.portals["South airlock"]}
        )
        dominic_handset = handset(make_client, crew, "Dominic", [south])  # an officer's account
        answers = {}
        for ref in (WEST, crew.posts[WEST], "no-such-post"):
            for path, body in (("reports", {"status": "quiet"}), ("help", {})):
                response = dominic_handset.post(f"/api/v1/posts/{ref}/{path}", json=body)
                assert response.status_code == 403, response.text
                answers[(ref, path)] = response.json()["detail"].replace(repr(ref), "REF")
        assert len(set(answers.values())) == 1, answers
        assert "not bound to a channel of the post" in next(iter(answers.values()))

    def test_a_handset_on_no_posts_channel_reports_nowhere(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """A token bound to a channel that is no posts group (everyone) reports for no post,
        and still reads no board."""
        john = make_client("commander", person_id=crew.persons["John"])
        everyone = channel(john, "All stations", {"kind": "all"})
        wes = handset(make_client, crew, "Wes", [everyone])
        refused = wes.post(f"/api/v1/posts/{WEST}/reports", json={"status": "quiet"})
        assert refused.status_code == 403
        assert wes.get("/api/v1/post-board").status_code == 403
        assert "may only use comms" in wes.get("/api/v1/post-board").json()["detail"]

    def test_the_socket_offers_its_posts(
        self, make_client: Callable[..., TestClient], crew: Station, incident: str
    ) -> None:
        """The handset's hello lists the posts it reports for: its person's, on its channels."""
        john = make_client("commander", person_id=crew.persons["John"])
        airlocks = channel(john, "Airlock posts", {"kind": "posts", "portal_kind": "airlock"})
        south = channel(
            john, "South airlock", {"kind": "posts", "portal_id": crew.portals["South airlock"]}
        )
        cases = (("Gail", [airlocks], [SOUTH]), ("Wes", [south], []), ("Wes", [airlocks], [WEST]))
        for name, channels, posts in cases:
            device = handset(make_client, crew, name, channels)
            with device.websocket_connect(f"{WS}?token={token_of(device)}") as ws:
                hello = next_of(ws, "hello")
            assert [p["name"] for p in hello["posts"]] == posts, (name, hello["posts"])
