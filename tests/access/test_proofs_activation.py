"""Activation refuses a policy that fails a safety property, through the service, API and CLI;
only the commander may override, with a written reason, and that raises an alert."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from muster.access import policy_store
from muster.access.policy_cli import policy_app
from muster.config import get_settings
from muster.db import Database
from muster.errors import Conflict, Forbidden, Invalid
from muster.events.models import Event
from muster.policy.actor import Actor
from muster.policy.engine import shipped_policy_text

COMMANDER = Actor(kind="account", id="acc-cmd", name="Cmdr", roles=frozenset({"commander"}))
ADMIN = Actor(kind="account", id="acc-adm", name="Admin", roles=frozenset({"admin"}))


def failing_draft() -> str:
    """The shipped policy with the hold rule sparing visitors (fails held-never-exits)."""
    return shipped_policy_text().replace(
        "when { principal.held };",
        'when { principal.held } unless { principal.affiliation == "visitor" };',
    )


def alerts(session: Session) -> list[Event]:
    """The policy override alerts in the log."""
    rows = session.scalars(select(Event).where(Event.kind == "access.alert")).all()
    return [r for r in rows if r.payload.get("alert") == "policy.override"]


class TestService:
    """The store proves before activating and records the proofs with the activation."""

    def test_failing_version_refused(self, session: Session) -> None:
        row = policy_store.save_version(
            session, policy_text=failing_draft(), comment="spare visitors", actor=COMMANDER
        )
        with pytest.raises(Conflict, match="held-never-exits") as caught:
            policy_store.activate_version(session, ref=row.id, actor=COMMANDER)
        assert "exit.visitor.own-vessel" in caught.value.message
        assert caught.value.details["failed"] == ["held-never-exits"]
        assert row.activated_at is None
        assert policy_store.active_version_id(session) == "shipped"

    def test_properties_stored_with_version(self, session: Session) -> None:
        row = policy_store.save_version(
            session, policy_text=shipped_policy_text(), comment="same", actor=COMMANDER
        )
        assert "held-never-exits" in row.properties_text

    def test_proved_version_activates_with_proofs_logged(self, session: Session) -> None:
        row = policy_store.save_version(
            session, policy_text=shipped_policy_text(), comment="same", actor=COMMANDER
        )
        policy_store.activate_version(session, ref=row.id, actor=COMMANDER)
        event = session.scalars(select(Event).where(Event.kind == "access.policy.activated")).one()
        assert event.payload["proofs"]["held-never-exits"] == "proved"
        assert alerts(session) == []

    def test_override_only_for_commander(self, session: Session) -> None:
        row = policy_store.save_version(
            session, policy_text=failing_draft(), comment="x", actor=ADMIN
        )
        with pytest.raises(Forbidden, match="commander"):
            policy_store.activate_version(
                session, ref=row.id, actor=ADMIN, override_reason="needed"
            )

    def test_override_needs_reason(self, session: Session) -> None:
        row = policy_store.save_version(
            session, policy_text=failing_draft(), comment="x", actor=COMMANDER
        )
        with pytest.raises(Invalid, match="reason"):
            policy_store.activate_version(session, ref=row.id, actor=COMMANDER, override_reason=" ")

    def test_override_raises_alert(self, session: Session) -> None:
        row = policy_store.save_version(
            session, policy_text=failing_draft(), comment="x", actor=COMMANDER
        )
        policy_store.activate_version(
            session, ref=row.id, actor=COMMANDER, override_reason="visitors evacuate now"
        )
        assert row.activated_at is not None
        [alert] = alerts(session)
        assert alert.payload["reason"] == "visitors evacuate now"
        assert alert.payload["failed"] == ["held-never-exits"]
        assert alert.actor == "Cmdr"


class TestApi:
    """Proofs over HTTP, and activation refused with the explanation."""

    def test_prove_active_and_draft(self, client: TestClient) -> None:
        active = client.get("/api/v1/policies/active/proofs")
        assert active.status_code == 200, active.text
        assert active.json()["failed"] == 0
        draft = client.post("/api/v1/policies/prove", json={"policy_text": failing_draft()})
        assert draft.status_code == 200, draft.text
        body = draft.json()
        assert body["failed"] == 1
        [failed] = [r for r in body["results"] if not r["proved"]]
        assert failed["property_id"] == "held-never-exits"
        residual = failed["failures"][0]["residuals"][0]
        assert residual["rule_id"] == "exit.visitor.own-vessel"
        assert residual["cedar"].startswith('@id("exit.visitor.own-vessel")')

    def test_activation_refused_then_overridden(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        commander = make_client("commander")
        saved = commander.post(
            "/api/v1/policies", json={"policy_text": failing_draft(), "comment": "spare visitors"}
        )
        assert saved.status_code == 201, saved.text
        ref = saved.json()["id"]
        refused = commander.post(f"/api/v1/policies/{ref}/activate")
        assert refused.status_code == 409
        assert "held-never-exits" in refused.text
        admin = make_client("admin")
        forbidden = admin.post(
            f"/api/v1/policies/{ref}/activate", json={"override_reason": "needed"}
        )
        assert forbidden.status_code == 403
        done = commander.post(
            f"/api/v1/policies/{ref}/activate", json={"override_reason": "visitors evacuate"}
        )
        assert done.status_code == 200, done.text
        assert done.json()["activated_at"] is not None


class TestCli:
    """muster policy prove exits non-zero on a failure; activate refuses it too."""

    def test_prove_and_activate(
        self, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
        get_settings.cache_clear()  # settings are read once per process: read this test's URL
        runner = CliRunner()
        ok = runner.invoke(policy_app, ["prove"])
        assert ok.exit_code == 0, ok.output
        assert "0 failed" in ok.output
        draft = tmp_path / "draft.cedar"
        draft.write_text(failing_draft())
        bad = runner.invoke(policy_app, ["prove", str(draft)])
        assert bad.exit_code == 1
        assert "FAILED held-never-exits" in bad.output
        assert "exit.visitor.own-vessel" in bad.output
        saved = runner.invoke(policy_app, ["save", str(draft), "--comment", "spare visitors"])
        assert saved.exit_code == 0, saved.output
        refused = runner.invoke(policy_app, ["activate", "1"])
        assert refused.exit_code != 0
        assert "held-never-exits" in refused.output
        nameless = runner.invoke(policy_app, ["activate", "1", "--override", "evacuation"])
        assert nameless.exit_code != 0
        done = runner.invoke(
            policy_app, ["activate", "1", "--override", "evacuation", "--commander", "Ruth"]
        )
        assert done.exit_code == 0, done.output
        with db.session_scope(write=False) as s:
            [alert] = alerts(s)
            assert alert.actor.startswith("Ruth")
        get_settings.cache_clear()
