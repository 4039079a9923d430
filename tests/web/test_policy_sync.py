"""Operator permissions follow the policy activated last, wherever it was activated."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from muster.access.policy_store import activate_version, save_version
from muster.db import Database
from muster.policy.actor import Actor
from muster.policy.engine import install_engine, shipped_policy_text


class TestPolicyFollowsActivation:
    """A version activated elsewhere governs the next API request of this process."""

    def test_removed_registry_rule_refuses_next_request(
        self, db: Database, make_client: Callable[..., TestClient]
    ) -> None:
        """After activating a policy without the registry-write rule, a commander gets 403."""
        commander = make_client("commander")
        created = commander.post("/api/v1/zones", json={"name": "Store room", "kind": "internal"})
        assert created.status_code == 201, created.text
        text = shipped_policy_text()
        start = text.index('@id("registry.write.command")')
        end = text.index(";", start) + 1
        weakened = text[:start] + text[end:]
        with db.session_scope() as session:  # as another node or the CLI would
            row = save_version(
                session, policy_text=weakened, comment="drop registry writes", actor=Actor.system()
            )
            activate_version(session, ref=row.id, actor=Actor.system())
        install_engine(None)  # this process still holds the shipped policy in memory
        try:
            refused = commander.post(
                "/api/v1/zones", json={"name": "Second store", "kind": "internal"}
            )
            assert refused.status_code == 403, refused.text
        finally:
            install_engine(None)
