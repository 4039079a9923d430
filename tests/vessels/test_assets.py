"""The asset board: the command roles' alone; statuses stay consistent; every change logged."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

LASER = {"name": "Long-range laser", "kind": "laser", "owner": "George", "readiness": "standby"}


class TestAssetBoard:
    """Only the command roles see and change the asset board; every change is logged."""

    def test_commander_manages_and_history_is_kept(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        commander = make_client("commander")
        aid = commander.post("/api/v1/assets", json=LASER).json()["id"]
        change = {"operational": True, "readiness": "ready", "reason": "repairs complete"}
        assert commander.patch(f"/api/v1/assets/{aid}", json=change).status_code == 200
        board = commander.get("/api/v1/assets").json()
        assert board["items"][0]["operational"] is True
        history = commander.get(f"/api/v1/assets/{aid}/history").json()["items"]
        assert [e["kind"] for e in history] == ["vessels.asset.created", "vessels.asset.updated"]
        assert history[1]["payload"]["reason"] == "repairs complete"

    @pytest.mark.parametrize("role", ["officer", "guard", "engineer", "liaison", "observer"])
    def test_hidden_from_other_roles(
        self, make_client: Callable[..., TestClient], role: str
    ) -> None:
        aid = make_client("commander").post("/api/v1/assets", json=LASER).json()["id"]
        other = make_client(role)
        assert other.get("/api/v1/assets").status_code == 403
        assert other.get(f"/api/v1/assets/{aid}").status_code == 403
        assert other.patch(f"/api/v1/assets/{aid}", json={"reason": "x"}).status_code == 403

    def test_inconsistent_status_refused(self, client: TestClient) -> None:
        bad = {**LASER, "operational": False, "readiness": "ready"}
        assert client.post("/api/v1/assets", json=bad).status_code == 422


class TestRefusals:
    """A name of its own, a status that holds together, a known asset."""

    def test_a_name_on_the_board(self, make_client: Callable[..., TestClient]) -> None:
        commander = make_client("commander")
        assert commander.post("/api/v1/assets", json=LASER).status_code == 201
        again = commander.post("/api/v1/assets", json=LASER)
        assert again.status_code == 409, again.text
        assert "already on the board" in again.json()["detail"]

    def test_a_change_that_does_not_hold_together(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        commander = make_client("commander")
        aid = commander.post("/api/v1/assets", json=LASER).json()["id"]
        refused = commander.patch(f"/api/v1/assets/{aid}", json={"readiness": "ready"})
        assert refused.status_code == 422, refused.text
        assert "set operational too" in refused.json()["detail"]
        assert commander.get(f"/api/v1/assets/{aid}").json()["readiness"] == "standby"
        history = commander.get(f"/api/v1/assets/{aid}/history").json()["items"]
        assert [e["kind"] for e in history] == ["vessels.asset.created"]

    def test_an_unknown_asset(self, make_client: Callable[..., TestClient]) -> None:
        missing = make_client("commander").patch("/api/v1/assets/nope", json={"reason": "x"})
        assert missing.status_code == 404, missing.text
        assert "no asset named 'nope'" in missing.json()["detail"]
