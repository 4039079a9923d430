"""Supply requests: who asks, who decides, and what a request must say; refusals change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from muster.errors import Conflict
from muster.logistics.requests import approve_request, reject_request
from muster.policy.actor import Actor

from .conftest import Station, weapons_request

MakeClient = Callable[..., TestClient]


def item(client: TestClient, name: str = "Ration pack") -> str:
    """A consumable in the catalogue (made by the logistics officer); its id."""
    made = client.post("/api/v1/items", json={"name": name, "kind": "consumable"})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def rations(ids: dict[str, str], item_id: str, **extra: Any) -> dict[str, Any]:
    """A request for two ration packs from the armory to the South post."""
    return {
        "title": "Rations for the South post",
        "source": {"kind": "zone", "id": ids["armory"]},
        "lines": [
            {"item_id": item_id, "quantity": "2", "dest": {"kind": "post", "id": ids["south"]}}
        ],
        **extra,
    }


class TestAsking:
    """Crew who work the crisis ask; an observer does not; a request asks for something."""

    def test_an_observer_may_not_ask(self, make_client: MakeClient, ids: dict[str, str]) -> None:
        item_id = item(make_client("logistics"))
        refused = make_client("observer").post("/api/v1/requests", json=rations(ids, item_id))
        assert refused.status_code == 403, refused.text
        assert "logistics.request.create" in refused.json()["detail"]
        assert make_client("officer").get("/api/v1/requests").json()["total"] == 0

    def test_a_guard_asks(self, make_client: MakeClient, ids: dict[str, str]) -> None:
        item_id = item(make_client("logistics"))
        asked = make_client("guard").post("/api/v1/requests", json=rations(ids, item_id))
        assert asked.status_code == 201, asked.text
        assert asked.json()["status"] == "requested"

    def test_request_with_no_lines_is_422(self, client: TestClient, ids: dict[str, str]) -> None:
        """A request must ask for something."""
        response = client.post(
            "/api/v1/requests",
            json={"title": "Nothing", "source": {"kind": "zone", "id": ids["armory"]}, "lines": []},
        )
        assert response.status_code == 422
        assert client.get("/api/v1/requests").json()["total"] == 0

    def test_the_destination_is_not_the_source(
        self, make_client: MakeClient, ids: dict[str, str]
    ) -> None:
        item_id = item(make_client("logistics"))
        body = rations(ids, item_id)
        body["lines"][0]["dest"] = {"kind": "zone", "id": ids["armory"]}
        refused = make_client("guard").post("/api/v1/requests", json=body)
        assert refused.status_code == 422, refused.text
        assert "line 1: the destination is the source" in refused.json()["detail"]

    def test_needed_by_has_a_zone(self, make_client: MakeClient, ids: dict[str, str]) -> None:
        item_id = item(make_client("logistics"))
        body = rations(ids, item_id, needed_by="2031-05-14T06:30:00")
        refused = make_client("guard").post("/api/v1/requests", json=body)
        assert refused.status_code == 422, refused.text
        assert "time zone" in refused.json()["detail"]

    def test_an_unknown_incident(self, make_client: MakeClient, ids: dict[str, str]) -> None:
        item_id = item(make_client("logistics"))
        body = rations(ids, item_id, incident_id="nope")
        refused = make_client("guard").post("/api/v1/requests", json=body)
        assert refused.status_code == 404, refused.text
        assert "no incident" in refused.json()["detail"]


class TestDeciding:
    """Command decides; a guard may not approve; a rejection says why; decided stays decided."""

    def test_a_guard_may_not_approve(self, make_client: MakeClient, ids: dict[str, str]) -> None:
        item_id = item(make_client("logistics"))
        guard = make_client("guard")
        request_id = guard.post("/api/v1/requests", json=rations(ids, item_id)).json()["id"]
        refused = guard.post(f"/api/v1/requests/{request_id}/approve", json={"note": ""})
        assert refused.status_code == 403, refused.text
        assert "logistics.request.approve" in refused.json()["detail"]
        assert guard.get(f"/api/v1/requests/{request_id}").json()["status"] == "requested"

    def test_a_rejection_needs_a_note(self, make_client: MakeClient, ids: dict[str, str]) -> None:
        item_id = item(make_client("logistics"))
        request_id = (
            make_client("guard").post("/api/v1/requests", json=rations(ids, item_id)).json()["id"]
        )
        officer = make_client("officer")
        refused = officer.post(f"/api/v1/requests/{request_id}/reject", json={"note": " "})
        assert refused.status_code == 422, refused.text
        assert "say why" in refused.json()["detail"]
        rejected = officer.post(f"/api/v1/requests/{request_id}/reject", json={"note": "not now"})
        assert rejected.json()["status"] == "rejected"
        late = officer.post(f"/api/v1/requests/{request_id}/cancel", json={"note": ""})
        assert late.status_code == 409, late.text
        assert "cannot be cancelled" in late.json()["detail"]

    def test_rejected_request_cannot_be_approved(
        self, session: Session, actor: Actor, station: Station
    ) -> None:
        """Once rejected, a request is closed to approval."""
        _rifle, request = weapons_request(session, actor, station)
        reject_request(session, request_id=request.id, note="not now", actor=actor)
        with pytest.raises(Conflict):
            approve_request(session, request_id=request.id, actor=actor)
