"""Side doors to the airlocks, attacked through the HTTP API as the role that would abuse them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from access.station import build_station
from muster import clock
from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.people.enums import Affiliation
from muster.welfare.enums import CaseStatus

Client = Callable[..., TestClient]
Invoke = Callable[..., Result]


@pytest.fixture
def muster(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``muster`` commands against the test database."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


def _station(db: Database, *, case: CaseStatus | None = None) -> dict[str, str]:
    """The test station with a resident (Ana, optionally with a consent case), a visitor
    of the docked vessel waiting in the South collar and a crew member (Ken) outside."""
    with db.session_scope() as s:
        st = build_station(s)
        st.add_person("Ana", Affiliation.RESIDENT, zone="south")
        st.add_person("Surgeon", Affiliation.VISITOR, party=st.vessel, zone="south_collar")
        st.add_person("Ken", Affiliation.CREW, zone="south_collar")
        if case is not None:
            st.consent_case("Ana", status=case)
        return {
            "south": st.portals["South airlock"].id,
            "empty": st.portals["Empty airlock"].id,
            "vessel": st.vessel.id,
            "ana": st.persons["Ana"].id,
            "south_zone": st.zones["south"].id,
            "hospital_zone": st.zones["hospital"].id,
        }


def _window() -> dict[str, str]:
    now = clock.now()
    return {
        "valid_from": (now - timedelta(minutes=5)).isoformat(),
        "valid_until": (now + timedelta(hours=2)).isoformat(),
    }


def _ask(guard: TestClient, portal: str, persons: list[str], direction: str) -> list[Any]:
    resp = guard.post(
        f"/api/v1/portals/{portal}/requests", json={"persons": persons, "direction": direction}
    )
    assert resp.status_code == 200, resp.text
    return list(resp.json()["decisions"])


class TestNoGrantedTransfer:
    """A transfer is derived from an approved consent case; no endpoint grants one."""

    def test_welfare_officer_cannot_grant_a_transfer(
        self, db: Database, make_client: Client
    ) -> None:
        ids = _station(db)
        welfare, guard = make_client("welfare"), make_client("guard")
        resp = welfare.post(
            "/api/v1/transfer-authorizations",
            json={"person": "Ana", "vessel_party_id": ids["vessel"], **_window()},
        )
        assert resp.status_code in (404, 405), resp.text
        decision = _ask(guard, ids["south"], ["Ana"], "exit")[0]
        assert not decision["allowed"]
        assert decision["rule_ids"] == ["exit.forbid.resident-to-vessel"]

    def test_approved_case_is_the_transfer(self, db: Database, make_client: Client) -> None:
        ids = _station(db, case=CaseStatus.APPROVED)
        officer, guard = make_client("officer"), make_client("guard")
        shown = officer.get("/api/v1/transfers", params={"person": "Ana"}).json()
        assert [(t["person_id"], t["vessel_party_id"]) for t in shown] == [
            (ids["ana"], ids["vessel"])
        ]
        assert _ask(guard, ids["south"], ["Ana"], "exit")[0]["rule_ids"] == [
            "exit.station.transfer"
        ]

    def test_suspended_case_shows_no_transfer(self, db: Database, make_client: Client) -> None:
        ids = _station(db, case=CaseStatus.SUSPENDED)
        assert make_client("officer").get("/api/v1/transfers").json() == []
        assert not _ask(make_client("guard"), ids["south"], ["Ana"], "exit")[0]["allowed"]


class TestDutyPass:
    """A commander's duty pass names its duty and never lets a resident out to the vessel."""

    def test_duty_pass_does_not_open_the_vessel_for_a_resident(
        self, db: Database, make_client: Client
    ) -> None:
        ids = _station(db)
        commander, guard = make_client("commander"), make_client("guard")
        resp = commander.post(
            "/api/v1/duty-passes",
            json={"person": "Ana", "purpose": "inspect the collar seals", **_window()},
        )
        assert resp.status_code == 201, resp.text
        decision = _ask(guard, ids["south"], ["Ana"], "exit")[0]
        assert not decision["allowed"]
        assert "consent case" in decision["explanation"]
        assert _ask(guard, ids["empty"], ["Ana"], "exit")[0]["allowed"]


class TestVisitorBoarding:
    """A visitor boards only into a zone the visit allows, with an escort who is permitted."""

    def _visit(self, client: TestClient, zone_ids: list[str]) -> None:
        resp = client.post(
            "/api/v1/visits",
            json={
                "person": "Surgeon",
                "host": "Ken",
                "purpose": "nanite work",
                "zone_ids": zone_ids,
                **_window(),
            },
        )
        assert resp.status_code == 201, resp.text

    def test_hospital_visit_does_not_board_into_the_corridor(
        self, db: Database, make_client: Client
    ) -> None:
        ids = _station(db)
        self._visit(make_client("liaison"), [ids["hospital_zone"]])
        surgeon, ken = _ask(make_client("guard"), ids["south"], ["Surgeon", "Ken"], "enter")
        assert ken["allowed"]
        assert not surgeon["allowed"]
        assert "does not allow the zone inside this airlock" in surgeon["explanation"]

    def test_escort_denied_in_the_same_request_does_not_count(
        self, db: Database, make_client: Client
    ) -> None:
        ids = _station(db)
        officer = make_client("officer")
        self._visit(make_client("liaison"), [ids["south_zone"], ids["hospital_zone"]])
        # Ken is already aboard, so his own boarding is refused (anti-passback).
        resp = officer.post(
            "/api/v1/presence",
            json={"person": "Ken", "zone_id": ids["south_zone"], "reason": "seen"},
        )
        assert resp.status_code == 200, resp.text
        surgeon, ken = _ask(make_client("guard"), ids["south"], ["Surgeon", "Ken"], "enter")
        assert not ken["allowed"]
        assert not surgeon["allowed"]
        assert "escort" in surgeon["explanation"]


class TestDutyPassCommand:
    """``muster access duty-pass`` names the duty, and the pass opens no vessel to a resident."""

    def test_blank_duty_is_refused(self, db: Database, muster: Invoke) -> None:
        _station(db)
        result = muster("access", "duty-pass", "Ana", "--purpose", "   ")
        assert result.exit_code == 1
        assert "name the duty" in result.output

    def test_resident_pass_does_not_open_the_vessel(self, db: Database, muster: Invoke) -> None:
        _station(db)
        issued = muster("access", "duty-pass", "Ana", "--purpose", "collar seals", "--hours", "2")
        assert issued.exit_code == 0, issued.output
        result = muster("access", "request", "South airlock", "Ana", "--direction", "exit")
        assert result.exit_code == 0, result.output
        assert "None may pass" in result.output
