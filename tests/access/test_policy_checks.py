"""Checking a policy before it is in force: proofs, test cases and what-if, each authorized.

Reading the policy (proofs of it, tests of a stored version) is any operator's; running a
draft (its tests, its what-if over the population) is the policy writers'.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from access.station import committed_station
from muster.db import Database
from muster.people.enums import Affiliation
from muster.policy.engine import shipped_policy_text

MakeClient = Callable[..., TestClient]
VISITOR_LEAVES = {
    "name": "a visitor leaves to their own vessel",
    "person": {"affiliation": "visitor", "party_id": "vessel-1"},
    "portal": {"vessel_party_id": "vessel-1"},
    "direction": "exit",
    "expect": "allow",
    "rules": ["exit.visitor.own-vessel"],
}


class TestReading:
    """Operators prove drafts and test stored versions; a door device does neither."""

    def test_a_guard_proves_a_draft(self, make_client: MakeClient) -> None:
        answer = make_client("guard").post(
            "/api/v1/policies/prove", json={"policy_text": shipped_policy_text()}
        )
        assert answer.status_code == 200, answer.text

    def test_a_device_may_not(self, make_client: MakeClient) -> None:
        device = make_client("device")
        proved = device.post("/api/v1/policies/prove", json={"policy_text": shipped_policy_text()})
        tested = device.post("/api/v1/policies/tests", json={"cases": [VISITOR_LEAVES]})
        for refused in (proved, tested):
            assert refused.status_code == 403, refused.text
            assert "policy.read" in refused.json()["detail"]

    def test_the_active_version_passes_its_case(self, make_client: MakeClient) -> None:
        answer = make_client("observer").post(
            "/api/v1/policies/tests", json={"cases": [VISITOR_LEAVES]}
        )
        assert answer.status_code == 200, answer.text
        assert (answer.json()["passed"], answer.json()["failed"]) == (1, 0)
        wrong = {**VISITOR_LEAVES, "expect": "deny"}
        failed = make_client("observer").post("/api/v1/policies/tests", json={"cases": [wrong]})
        assert (failed.json()["passed"], failed.json()["failed"]) == (0, 1)


class TestWhatIf:
    """Officers ask who a draft would decide differently; a guard may not."""

    @pytest.fixture
    def aboard(self, db: Database) -> None:
        """Zane of the docked vessel in the South corridor, and Ana, committed."""
        with committed_station(db) as st:
            st.add_person("Zane", Affiliation.VISITOR, party=st.vessel, zone="south")
            st.add_person("Ana", Affiliation.RESIDENT, zone="south")

    def test_a_guard_may_not(self, make_client: MakeClient, aboard: None) -> None:
        refused = make_client("guard").post(
            "/api/v1/policies/whatif", json={"policy_text": shipped_policy_text()}
        )
        assert refused.status_code == 403, refused.text
        assert "policy.write" in refused.json()["detail"]

    def test_the_same_text_changes_nothing(self, make_client: MakeClient, aboard: None) -> None:
        answer = make_client("officer").post(
            "/api/v1/policies/whatif", json={"policy_text": shipped_policy_text()}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["checked_population"] > 0
        assert answer.json()["changes"] == []

    def test_a_draft_that_does_not_parse(self, make_client: MakeClient, aboard: None) -> None:
        refused = make_client("officer").post(
            "/api/v1/policies/whatif", json={"policy_text": "permit (principal"}
        )
        assert refused.status_code == 422, refused.text
        assert "does not parse" in refused.json()["detail"]
