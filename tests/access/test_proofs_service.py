"""Activation refuses a policy that fails a safety property, through the service, API and CLI;
only an authenticated commander account may override, with a written reason, and every
officer is alerted (P7)."""

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
from muster.auth import service as auth_service
from muster.config import get_settings
from muster.db import Database
from muster.errors import Conflict, Forbidden, Invalid
from muster.events.models import Event
from muster.policy.actor import Actor, Role
from muster.policy.engine import shipped_policy_text

PASSWORD = "correct horse battery"


def account(session: Session, username: str, *roles: str) -> Actor:
    """A real operator account with ``roles``, as it acts once signed in."""
    row = auth_service.create_account(
        session,
        username=username,
        display_name=username.capitalize(),
        roles=list(roles),
        password=PASSWORD,
        actor=Actor.system("test"),
    )
    return auth_service.actor_for(row)


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
        commander = account(session, "cmdr", "commander")
        row = policy_store.save_version(
            session, policy_text=failing_draft(), comment="spare visitors", actor=commander
        )
        with pytest.raises(Conflict, match="held-never-exits") as caught:
            policy_store.activate_version(session, ref=row.id, actor=commander)
        assert "exit.visitor.own-vessel" in caught.value.message
        assert caught.value.details["failed"] == ["held-never-exits"]
        assert row.activated_at is None
        assert policy_store.active_version_id(session) == "shipped"

    def test_properties_stored_with_version(self, session: Session) -> None:
        commander = account(session, "cmdr", "commander")
        row = policy_store.save_version(
            session, policy_text=shipped_policy_text(), comment="same", actor=commander
        )
        assert "held-never-exits" in row.properties_text

    def test_proved_version_activates_with_proofs_logged(self, session: Session) -> None:
        commander = account(session, "cmdr", "commander")
        row = policy_store.save_version(
            session, policy_text=shipped_policy_text(), comment="same", actor=commander
        )
        policy_store.activate_version(session, ref=row.id, actor=commander)
        event = session.scalars(select(Event).where(Event.kind == "access.policy.activated")).one()
        assert event.payload["proofs"]["held-never-exits"] == "proved"
        assert alerts(session) == []

    def test_override_only_for_commander(self, session: Session) -> None:
        admin = account(session, "adm", "admin")
        row = policy_store.save_version(
            session, policy_text=failing_draft(), comment="x", actor=admin
        )
        with pytest.raises(Forbidden, match="commander"):
            policy_store.activate_version(
                session, ref=row.id, actor=admin, override_reason="needed"
            )

    def test_override_needs_reason(self, session: Session) -> None:
        commander = account(session, "cmdr", "commander")
        row = policy_store.save_version(
            session, policy_text=failing_draft(), comment="x", actor=commander
        )
        with pytest.raises(Invalid, match="reason"):
            policy_store.activate_version(session, ref=row.id, actor=commander, override_reason=" ")

    def test_override_alerts_every_officer(self, session: Session) -> None:
        commander = account(session, "cmdr", "commander")
        officer = account(session, "olga", "officer")
        account(session, "gus", "guard")
        row = policy_store.save_version(
            session, policy_text=failing_draft(), comment="x", actor=commander
        )
        policy_store.activate_version(
            session, ref=row.id, actor=commander, override_reason="visitors evacuate now"
        )
        assert row.activated_at is not None
        [alert] = alerts(session)
        assert alert.payload["reason"] == "visitors evacuate now"
        assert alert.payload["failed"] == ["held-never-exits"]
        assert alert.actor == "Cmdr"
        assert alert.actor_id == commander.id
        assert set(alert.payload["officers"]) == {"cmdr", "olga"}
        assert officer.account_id in alert.subjects


class TestOverrideNeedsCommanderAccount:
    """An override is refused to anything but a signed-in commander's own account (P7)."""

    def test_named_commander_without_account_refused(self, session: Session) -> None:
        """A system actor carrying a commander's name and role (the old CLI's
        ``--commander "Nobody Atall"``) is no account: refused, nothing activated."""
        admin = account(session, "adm", "admin")
        row = policy_store.save_version(
            session, policy_text=failing_draft(), comment="x", actor=admin
        )
        nobody = Actor(
            kind="system",
            id="system:cli:commander",
            name="Nobody Atall (commander, at the command line)",
            roles=frozenset({Role.COMMANDER}),
        )
        with pytest.raises(Forbidden, match="own account"):
            policy_store.activate_version(
                session, ref=row.id, actor=nobody, override_reason="drill"
            )
        assert row.activated_at is None
        assert alerts(session) == []

    def test_disabled_commander_account_refused(self, session: Session) -> None:
        """A commander whose account was disabled no longer overrides."""
        commander = account(session, "cmdr", "commander")
        row = policy_store.save_version(
            session, policy_text=failing_draft(), comment="x", actor=commander
        )
        auth_service.get_account_by_username(session, "cmdr").active = False
        with pytest.raises(Forbidden, match="own account"):
            policy_store.activate_version(
                session, ref=row.id, actor=commander, override_reason="drill"
            )


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
    """muster policy prove exits non-zero on a failure; activate refuses it too, and an
    override is the signed-in commander's (MUSTER_USER), never a name typed on the line."""

    def test_prove_and_activate(
        self, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
        monkeypatch.delenv("MUSTER_USER", raising=False)
        get_settings.cache_clear()  # settings are read once per process: read this test's URL
        with db.session_scope() as s:
            account(s, "admin", "admin")
            ruth = account(s, "ruth", "commander")
            account(s, "olga", "officer")
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
        as_admin = runner.invoke(policy_app, ["activate", "1", "--override", "evacuation"])
        assert as_admin.exit_code != 0
        assert "commander" in as_admin.output
        monkeypatch.setenv("MUSTER_USER", "ruth")
        monkeypatch.setenv("MUSTER_PASSWORD", PASSWORD)
        done = runner.invoke(policy_app, ["activate", "1", "--override", "evacuation"])
        assert done.exit_code == 0, done.output
        with db.session_scope(write=False) as s:
            [alert] = alerts(s)
            assert alert.actor == "Ruth"
            assert alert.actor_id == ruth.id
            assert set(alert.payload["officers"]) == {"ruth", "olga"}
        get_settings.cache_clear()

    def test_override_under_a_typed_name_refused(
        self, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``activate N --override ... --commander "Nobody Atall"`` activates nothing."""
        monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
        monkeypatch.delenv("MUSTER_USER", raising=False)
        get_settings.cache_clear()
        draft = tmp_path / "draft.cedar"
        draft.write_text(failing_draft())
        runner = CliRunner()
        assert runner.invoke(policy_app, ["save", str(draft), "--comment", "x"]).exit_code == 0
        forged = runner.invoke(
            policy_app, ["activate", "1", "--override", "drill", "--commander", "Nobody Atall"]
        )
        assert forged.exit_code != 0
        with db.session_scope(write=False) as s:
            assert policy_store.active_version_id(s) == "shipped"
            assert alerts(s) == []
        get_settings.cache_clear()

    def test_wrong_password_refused(
        self, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The commander's username with a wrong password is refused and counted."""
        monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
        get_settings.cache_clear()
        with db.session_scope() as s:
            account(s, "ruth", "commander")
        draft = tmp_path / "draft.cedar"
        draft.write_text(failing_draft())
        runner = CliRunner()
        monkeypatch.setenv("MUSTER_USER", "ruth")
        monkeypatch.setenv("MUSTER_PASSWORD", "not her password")
        forged = runner.invoke(policy_app, ["save", str(draft), "--comment", "x", "--activate"])
        assert forged.exit_code != 0
        assert "refused" in forged.output
        with db.session_scope(write=False) as s:
            assert policy_store.list_versions(s)[1] == 0
            assert auth_service.get_account_by_username(s, "ruth").failed_signins == 1
        get_settings.cache_clear()
