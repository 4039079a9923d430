"""A caller that may not take a step on a consent case learns nothing about the case: a
plain 403 comes before any lookup, conflict or validation (issue 20)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from muster.auth import service as auth_service
from muster.db import Database
from muster.policy.actor import Actor
from welfare.station import build_station

CASES = "/api/v1/welfare/cases"
STEPS = (
    ("interviews", {"stated_wish": "I wish to go.", "assessment": "free_choice"}),
    ("screening", None),
    ("approvals", {"capacity": "welfare"}),
    ("checkups", {"still_wishes_to_stay": True}),
)


def _bound_client(
    db: Database, make_client: Callable[..., TestClient], *, portal: str | None, channel: bool
) -> TestClient:
    """A client on a reader token (bound to ``portal``) or a handset token (one channel)."""
    base = make_client("device", username="post-device")
    with db.session_scope() as session:
        _token, secret = auth_service.create_token(
            session,
            name="bound",
            username="post-device",
            scopes=[],
            portal_id=portal,
            channel_ids=["a-channel"] if channel else None,
            actor=Actor.system("test"),
        )
    return TestClient(base.app, headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def stopped_case(db: Database, make_client: Callable[..., TestClient]) -> tuple[str, str]:
    """Lisa's case W-1, stopped by Amara's finding of coercion: (case id, airlock id)."""
    with db.session_scope() as session:
        station = build_station(session)
        amara_id = station.persons["Amara"].id
        airlock = station.airlock.id
    amara = make_client("welfare", person_id=amara_id, username="amara")
    opened = amara.post(CASES, json={"person_id": "Lisa", "vessel_party_id": "Vessel"})
    assert opened.status_code == 201, opened.text
    case_id = str(opened.json()["id"])
    body = {"stated_wish": "They say I must.", "assessment": "coerced"}
    assert amara.post(f"{CASES}/{case_id}/interviews", json=body).status_code == 201
    return case_id, airlock


def _assert_plain_refusal(response: Any, *secrets: str) -> None:
    assert response.status_code == 403, response.text
    for secret in secrets:
        assert secret not in response.text


class TestRefusedCallerLearnsNothing:
    """Observer, reader and handset tokens get 403 naming no one, on any case reference."""

    @pytest.mark.parametrize("kind", ["observer", "reader", "handset"])
    def test_every_step_refused_plainly(
        self,
        db: Database,
        make_client: Callable[..., TestClient],
        stopped_case: tuple[str, str],
        kind: str,
    ) -> None:
        case_id, airlock = stopped_case
        if kind == "observer":
            caller = make_client("observer")
        else:
            caller = _bound_client(
                db,
                make_client,
                portal=airlock if kind == "reader" else None,
                channel=kind != "reader",
            )
        for ref in (case_id, "W-1", "W-99"):
            for step, body in STEPS:
                response = caller.post(f"{CASES}/{ref}/{step}", json=body)
                _assert_plain_refusal(response, "Lisa", "Amara", "coerced", "stopped")

    def test_opening_refused_before_the_person_is_looked_up(
        self, db: Database, make_client: Callable[..., TestClient], stopped_case: tuple[str, str]
    ) -> None:
        """An observer naming someone who is not registered gets 403, not 404."""
        observer = make_client("observer")
        response = observer.post(CASES, json={"person_id": "Nobody", "vessel_party_id": "Vessel"})
        _assert_plain_refusal(response, "Nobody")
        named = observer.post(CASES, json={"person_id": "Lisa", "vessel_party_id": "Vessel"})
        _assert_plain_refusal(named, "Lisa", "W-1")

    def test_revocation_refused_before_the_person_is_looked_up(
        self, make_client: Callable[..., TestClient], stopped_case: tuple[str, str]
    ) -> None:
        """revoke_consent authorizes first: an observer learns nothing of who exists."""
        observer = make_client("observer")
        for ref in ("Nobody", "Lisa"):
            body = {"person_id": ref, "statement": "I stay."}
            response = observer.post("/api/v1/welfare/revocations", json=body)
            _assert_plain_refusal(response, ref, "W-1")

    def test_officer_still_told_why(
        self, make_client: Callable[..., TestClient], stopped_case: tuple[str, str]
    ) -> None:
        """A welfare officer who may take steps still hears that the case is stopped."""
        case_id, _airlock = stopped_case
        with_role = make_client("welfare", person_id=None)
        assert with_role.post(f"{CASES}/{case_id}/screening").status_code == 409


@pytest.fixture
def suspended_case(db: Database) -> str:
    """Lisa's approved case W-1, suspended by an overdue check-up: its id."""
    from datetime import timedelta

    from muster import clock
    from muster.welfare.checkups import run_due_checkups
    from muster.welfare.enums import CaseStatus
    from welfare.helpers import approved

    with db.session_scope() as session:
        station = build_station(session)
        case = approved(station)
        assert run_due_checkups(session, now=clock.now() + timedelta(days=7, minutes=1)) == 1
        assert case.status is CaseStatus.SUSPENDED
        return case.id


# What a refusal about the suspended case must not say: whose it is, its state and why.
SUSPENDED_SECRETS = ("Lisa", "suspended", "overdue", "check-up", "Amara", "Chiara")


class TestSuspendedCase:
    """A caller that may not act on the suspended case W-1 hears a plain 403, over HTTP and
    at the command line (the report's "case W-1 is suspended (the check-up of ... is
    overdue)")."""

    @pytest.mark.parametrize("kind", ["observer", "reader", "handset"])
    def test_every_step_over_http(
        self,
        db: Database,
        make_client: Callable[..., TestClient],
        suspended_case: str,
        kind: str,
    ) -> None:
        """Each step on the case, by id or number, is 403 naming no one."""
        if kind == "observer":
            caller = make_client("observer")
        else:
            caller = _bound_client(db, make_client, portal=None, channel=kind == "handset")
        for ref in (suspended_case, "W-1"):
            for step, body in STEPS:
                response = caller.post(f"{CASES}/{ref}/{step}", json=body)
                _assert_plain_refusal(response, *SUSPENDED_SECRETS)

    def test_at_the_command_line(
        self, db: Database, monkeypatch: pytest.MonkeyPatch, suspended_case: str
    ) -> None:
        """An observer's ``muster welfare checkup`` and ``approve`` of W-1 fail the same way
        as for a case that does not exist, naming no one."""
        from typer.testing import CliRunner

        from muster.cli.main import app
        from muster.config import get_settings

        with db.session_scope() as session:
            auth_service.create_account(
                session,
                username="olive",
                display_name="Olive",
                roles=["observer"],
                password="correct horse battery",
                actor=Actor.system("test"),
            )
        monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
        monkeypatch.setenv("MUSTER_USER", "olive")
        monkeypatch.setenv("MUSTER_PASSWORD", "correct horse battery")
        monkeypatch.delenv("MUSTER_MODE", raising=False)
        get_settings.cache_clear()
        try:
            outputs = {}
            for ref in ("W-1", "W-99"):
                for args in (["checkup", ref, "--stays"], ["approve", ref, "welfare"]):
                    result = CliRunner().invoke(app, ["welfare", *args], terminal_width=300)
                    assert result.exit_code != 0, result.output
                    assert "Traceback" not in result.output
                    for secret in SUSPENDED_SECRETS:
                        assert secret not in result.output, result.output
                    outputs[(args[0], ref)] = result.output.replace(ref, "REF")
        finally:
            get_settings.cache_clear()
        assert outputs[("checkup", "W-1")] == outputs[("checkup", "W-99")]
        assert outputs[("approve", "W-1")] == outputs[("approve", "W-99")]
