"""The places registry over HTTP: sign-in, roles, refusals, paging, filters and members."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from muster.db import Database
from muster.events.models import Event

API = "/api/v1"


def post_json(client: TestClient, path: str, **body: Any) -> dict[str, Any]:
    """POST ``body`` to ``path``, expect 201, and return the JSON."""
    response = client.post(f"{API}/{path}", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def event_count(db: Database) -> int:
    """How many events the log holds."""
    with db.session_scope(write=False) as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


@pytest.fixture
def station(client: TestClient) -> dict[str, dict[str, Any]]:
    """Two internal zones, a collar, an airlock, a post at it and a guard."""
    hub = post_json(client, "zones", name="Hub", kind="internal")
    ward = post_json(client, "zones", name="Ward", kind="internal")
    collar = post_json(client, "zones", name="Collar", kind="collar")
    airlock = post_json(
        client,
        "portals",
        name="South airlock",
        kind="airlock",
        inside_zone_id=hub["id"],
        outside_zone_id=collar["id"],
    )
    post = post_json(client, "posts", name="South post", portal_id=airlock["id"])
    ken = post_json(client, "persons", name="Ken", affiliation="crew")
    return {
        "hub": hub,
        "ward": ward,
        "collar": collar,
        "airlock": airlock,
        "post": post,
        "ken": ken,
    }


class TestAccess:
    """Reads need a sign-in; writes need an officer or the commander."""

    def test_sign_in_required(self, client: TestClient) -> None:
        anonymous = TestClient(client.app)
        for path in ("zones", "portals", "posts"):
            assert anonymous.get(f"{API}/{path}").status_code == 401
        response = anonymous.post(f"{API}/zones", json={"name": "Hub", "kind": "internal"})
        assert response.status_code == 401
        assert client.get(f"{API}/zones").json()["total"] == 0

    def test_guard_cannot_write(
        self, make_client: Callable[..., TestClient], station: dict[str, dict[str, Any]]
    ) -> None:
        guard = make_client("guard")
        assert guard.get(f"{API}/portals").json()["total"] == 1
        response = guard.post(f"{API}/zones", json={"name": "Lab", "kind": "internal"})
        assert response.status_code == 403
        members = f"{API}/posts/{station['post']['id']}/members"
        assert guard.post(members, json={"person_id": station["ken"]["id"]}).status_code == 403
        assert guard.get(members).json() == []
        assert guard.get(f"{API}/zones").json()["total"] == 3


class TestRefusals:
    """Bad input is refused with the right status and changes nothing."""

    def test_malformed_json_and_bad_fields(self, client: TestClient, db: Database) -> None:
        before = event_count(db)
        headers = {"content-type": "application/json"}
        assert client.post(f"{API}/zones", content=b"{", headers=headers).status_code == 400
        bodies = [
            {"name": "Hub", "kind": "internal", "pressure": 1},
            {"name": "Hub", "kind": "outside"},
            {"name": "Hub", "kind": "internal", "map_x": "far"},
        ]
        for body in bodies:
            assert client.post(f"{API}/zones", json=body).status_code == 422
        assert client.get(f"{API}/zones").json()["total"] == 0
        assert event_count(db) == before

    def test_portal_refusals(
        self, client: TestClient, db: Database, station: dict[str, dict[str, Any]]
    ) -> None:
        before = event_count(db)
        body = {
            "name": "Bad",
            "kind": "airlock",
            "inside_zone_id": station["hub"]["id"],
            "outside_zone_id": station["ward"]["id"],
        }
        response = client.post(f"{API}/portals", json=body)
        assert response.status_code == 422
        assert "docking collar" in response.json()["detail"]
        assert client.post(f"{API}/portals", json={**body, "mode": "normal"}).status_code == 422
        missing = {**body, "outside_zone_id": "ghost"}
        assert client.post(f"{API}/portals", json=missing).status_code == 404
        taken = {**body, "name": "South airlock", "kind": "door"}
        response = client.post(f"{API}/portals", json=taken)
        assert response.status_code == 409
        assert "'South airlock'" in response.json()["detail"]
        url = f"{API}/portals/{station['airlock']['id']}"
        assert client.patch(url, json={"mode": "lockdown"}).status_code == 422
        assert client.get(url).json()["mode"] == "normal"
        assert client.get(f"{API}/portals").json()["total"] == 1
        assert event_count(db) == before

    def test_unknown_ids(self, client: TestClient, station: dict[str, dict[str, Any]]) -> None:
        for path in ("zones/ghost", "portals/ghost", "posts/ghost", "posts/ghost/members"):
            assert client.get(f"{API}/{path}").status_code == 404
        post_url = f"{API}/posts/{station['post']['id']}"
        assert client.post(f"{post_url}/members", json={"person_id": "ghost"}).status_code == 404
        assert client.delete(f"{post_url}/members/{station['ken']['id']}").status_code == 404
        assert client.patch(f"{API}/zones/ghost", json={"name": "X"}).status_code == 404


class TestPlaces:
    """Zones, portals and posts are created, changed, paged and filtered."""

    def test_paging_and_filters(
        self, client: TestClient, station: dict[str, dict[str, Any]]
    ) -> None:
        page = client.get(f"{API}/zones", params={"limit": 1, "offset": 1}).json()
        assert (page["total"], [z["name"] for z in page["items"]]) == (3, ["Hub"])
        collars = client.get(f"{API}/zones", params={"kind": "collar"}).json()
        assert [z["name"] for z in collars["items"]] == ["Collar"]
        doors = client.get(f"{API}/portals", params={"kind": "door"}).json()
        assert doors["total"] == 0
        by_zone = client.get(f"{API}/portals", params={"zone_id": station["hub"]["id"]}).json()
        assert by_zone["total"] == 1
        at_airlock = {"portal_id": station["airlock"]["id"]}
        assert client.get(f"{API}/posts", params=at_airlock).json()["total"] == 1
        assert client.get(f"{API}/posts", params={"zone_id": "ghost"}).json()["total"] == 0

    def test_updates(self, client: TestClient, station: dict[str, dict[str, Any]]) -> None:
        zone_url = f"{API}/zones/{station['hub']['id']}"
        assert client.patch(zone_url, json={"name": "Ward"}).status_code == 409
        assert client.patch(zone_url, json={"description": "core"}).json()["description"] == "core"
        post_url = f"{API}/posts/{station['post']['id']}"
        response = client.patch(post_url, json={"zone_id": station["hub"]["id"]})
        assert response.json()["zone_id"] == station["hub"]["id"]

    def test_members(self, client: TestClient, station: dict[str, dict[str, Any]]) -> None:
        members = f"{API}/posts/{station['post']['id']}/members"
        ken_id = station["ken"]["id"]
        response = client.post(members, json={"person_id": ken_id})
        assert response.status_code == 201
        assert response.json()["person_id"] == ken_id
        assert client.post(members, json={"person_id": ken_id}).status_code == 409
        assert [p["name"] for p in client.get(members).json()] == ["Ken"]
        assert client.delete(f"{members}/{ken_id}").status_code == 204
        assert client.get(members).json() == []
