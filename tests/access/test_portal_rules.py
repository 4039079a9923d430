"""Authorizing at a portal before it is read: a caller who may not act learns nothing of the
portal, not even whether it exists; a bound token is checked on the portal it reads."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from access.station import Station, committed_station
from muster.access.portal_rules import authorize_portal_ref
from muster.db import Database
from muster.errors import Forbidden
from muster.policy.actor import Actor

MakeClient = Callable[..., TestClient]


@pytest.fixture
def built(db: Database) -> Station:
    """The test station, committed."""
    with committed_station(db) as st:
        return st


class TestNothingLearnt:
    """The same refusal at a real portal and at one that does not exist."""

    def test_a_mode_change_by_a_guard(self, make_client: MakeClient, built: Station) -> None:
        guard = make_client("guard")
        body = {"mode": "lockdown", "reason": "alarm"}
        real = guard.put(f"/api/v1/portals/{built.portals['South airlock'].id}/mode", json=body)
        made_up = guard.put("/api/v1/portals/no-such-portal/mode", json=body)
        assert real.status_code == made_up.status_code == 403, made_up.text
        assert "portal.mode" in made_up.json()["detail"]
        missing = make_client("commander").put("/api/v1/portals/no-such-portal/mode", json=body)
        assert missing.status_code == 404, missing.text

    def test_a_request_by_an_observer(self, make_client: MakeClient, built: Station) -> None:
        observer = make_client("observer")
        body = {"persons": ["B-Ana"], "direction": "exit"}
        real = observer.post(
            f"/api/v1/portals/{built.portals['South airlock'].id}/requests", json=body
        )
        made_up = observer.post("/api/v1/portals/no-such-portal/requests", json=body)
        assert real.status_code == made_up.status_code == 403, made_up.text
        assert "access.request" in made_up.json()["detail"]


class TestBoundTokens:
    """A reader's token is not judged on the name it gave, but on the portal it reads."""

    def test_a_reader_passes_the_first_check(self) -> None:
        reader = Actor(
            kind="token", id="tok-r", name="Reader", roles=frozenset({"device"}), portal_id="p1"
        )
        authorize_portal_ref(reader, "access.request", "some-other-portal")

    def test_an_unbound_operator_is_judged_on_the_name(self) -> None:
        observer = Actor(kind="account", id="acc-o", name="Olga", roles=frozenset({"observer"}))
        with pytest.raises(Forbidden, match=r"access\.request on Portal no-such-portal"):
            authorize_portal_ref(observer, "access.request", "no-such-portal")
