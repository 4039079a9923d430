"""Portal modes: only the commander changes how an airlock is run, always with a reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from access.station import Station, build_station
from muster.db import Database

MakeClient = Callable[..., TestClient]


@pytest.fixture
def built(db: Database) -> Station:
    """The test station, committed."""
    with db.session_scope() as session:
        return build_station(session)


def put_mode(
    client: TestClient, portal: str, mode: str, reason: str = "boarding alarm"
) -> Response:
    """Ask to change a portal's mode."""
    return client.put(f"/api/v1/portals/{portal}/mode", json={"mode": mode, "reason": reason})


class TestWhoMayChangeAMode:
    """The commander (or an administrator) may; an officer or a guard may not."""

    @pytest.mark.parametrize("role", ["officer", "guard", "observer"])
    def test_refused(self, make_client: MakeClient, built: Station, role: str) -> None:
        portal = built.portals["South airlock"].id
        refused = put_mode(make_client(role), portal, "lockdown")
        assert refused.status_code == 403, refused.text
        assert "portal.mode" in refused.json()["detail"]
        listed = make_client("commander").get("/api/v1/portals").json()["items"]
        assert {p["name"]: p["mode"] for p in listed}["South airlock"] == "normal"

    def test_the_commander_locks_down(self, make_client: MakeClient, built: Station) -> None:
        portal = built.portals["South airlock"].id
        answer = put_mode(make_client("commander"), portal, "lockdown", "  boarding alarm ")
        assert answer.status_code == 200, answer.text
        assert (answer.json()["mode"], answer.json()["reason"]) == ("lockdown", "boarding alarm")


class TestRefusals:
    """A mode change names what to fix."""

    def test_a_blank_reason(self, make_client: MakeClient, built: Station) -> None:
        portal = built.portals["South airlock"].id
        refused = put_mode(make_client("commander"), portal, "lockdown", "   ")
        assert refused.status_code == 422, refused.text
        assert "reason" in refused.json()["detail"]

    def test_an_unknown_portal(self, make_client: MakeClient, built: Station) -> None:
        refused = put_mode(make_client("commander"), "Nowhere airlock", "lockdown")
        assert refused.status_code == 404, refused.text
        assert "Nowhere airlock" in refused.json()["detail"]

    def test_an_unknown_mode(self, make_client: MakeClient, built: Station) -> None:
        portal = built.portals["South airlock"].id
        refused = put_mode(make_client("commander"), portal, "open-all")
        assert refused.status_code == 422, refused.text
        assert "mode" in refused.json()["detail"]
