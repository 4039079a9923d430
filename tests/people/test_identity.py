"""Changing who a person is never sheds a hold or a consent requirement (issue 14).

Attacked through the HTTP API and the CLI as the roles that would abuse it: an officer
and a welfare officer who edit the registry, an administrator, and the commander, whose
change of someone held or in a consent case is allowed but alerted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from access.station import build_station
from muster.access.enums import HoldKind
from muster.access.holds import place_hold
from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.events.models import Event
from muster.people.enums import Affiliation
from muster.people.identity import ALERT
from muster.policy.actor import Actor
from muster.welfare.enums import CaseStatus

Client = Callable[..., TestClient]
Invoke = Callable[..., Result]
PERSONS = "/api/v1/persons"


@pytest.fixture
def muster(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``muster`` commands against the test database."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args, env=None: runner.invoke(app, list(args), env=env)
    get_settings.cache_clear()


def _station(db: Database, *, case: CaseStatus | None = None, held: bool = False) -> dict[str, str]:
    """Ana, a resident in the South corridor (perhaps in a case, perhaps held), and the
    South airlock with the visiting vessel docked outside."""
    with db.session_scope() as s:
        st = build_station(s)
        ana = st.add_person("Ana", Affiliation.RESIDENT, zone="south")
        if case is not None:
            st.consent_case("Ana", status=case)
        if held:
            place_hold(
                s,
                person_id=ana.id,
                reason="exposure",
                kind=HoldKind.PROVISIONAL,
                actor=Actor.system("test"),
            )
        return {"ana": ana.id, "vessel": st.vessel.id, "south": st.portals["South airlock"].id}


def _exit(client: TestClient, ids: dict[str, str]) -> dict[str, Any]:
    resp = client.post(
        f"/api/v1/portals/{ids['south']}/requests",
        json={"persons": [ids["ana"]], "direction": "exit"},
    )
    assert resp.status_code == 200, resp.text
    decision: dict[str, Any] = resp.json()["decisions"][0]
    return decision


def _alerts(db: Database, person_id: str) -> list[dict[str, Any]]:
    with db.session_scope(write=False) as s:
        rows = s.scalars(select(Event).where(Event.kind == ALERT)).all()
        return [e.payload for e in rows if person_id in e.payload.get("person_id", "")]


class TestResidentToVisitor:
    """A resident turned into a visitor of the docked vessel still needs a consent case."""

    def test_officer_cannot_walk_a_resident_out_as_a_visitor(
        self, db: Database, make_client: Client
    ) -> None:
        ids = _station(db)
        officer, guard = make_client("officer"), make_client("guard")
        resp = officer.patch(
            f"{PERSONS}/{ids['ana']}", json={"affiliation": "visitor", "party_id": ids["vessel"]}
        )
        assert resp.status_code == 200, resp.text
        decision = _exit(guard, ids)
        assert not decision["allowed"], decision
        assert decision["rule_ids"] == ["exit.forbid.resident-to-vessel"]

    def test_officer_cannot_walk_a_resident_out_as_crew_with_a_duty_pass(
        self, db: Database, make_client: Client
    ) -> None:
        ids = _station(db)
        officer, commander = make_client("officer"), make_client("commander")
        resp = officer.patch(f"{PERSONS}/{ids['ana']}", json={"affiliation": "crew"})
        assert resp.status_code == 200, resp.text
        assert resp.json()["consent_required"] is True
        window = {"valid_from": "2000-01-01T00:00:00Z", "valid_until": "2999-01-01T00:00:00Z"}
        resp = commander.post(
            "/api/v1/duty-passes", json={"person": "Ana", "purpose": "hull work", **window}
        )
        assert resp.status_code == 201, resp.text
        decision = _exit(make_client("guard"), ids)
        assert not decision["allowed"]
        assert decision["rule_ids"] == ["exit.forbid.resident-to-vessel"]

    def test_re_registration_under_the_same_badge_is_refused(
        self, db: Database, make_client: Client
    ) -> None:
        _station(db, held=True)
        commander = make_client("commander")
        body = {"name": "Ana Again", "affiliation": "visitor", "badge_id": "B-Ana"}
        resp = commander.post(PERSONS, json=body)
        assert resp.status_code == 409
        assert "already belongs to Ana" in resp.json()["detail"]


class TestGuardedChanges:
    """Changing who someone held or in a consent case is: the commander's, and alerted."""

    @pytest.mark.parametrize("role", ["officer", "welfare", "admin"])
    @pytest.mark.parametrize(
        "change",
        [{"affiliation": "crew"}, {"badge_id": "B-new"}, {"name": "Anna"}, {"party_id": None}],
    )
    def test_others_are_refused_while_held(
        self, db: Database, make_client: Client, role: str, change: dict[str, Any]
    ) -> None:
        ids = _station(db, held=True)
        if "party_id" in change:
            change = {"party_id": ids["vessel"]}
        resp = make_client(role).patch(f"{PERSONS}/{ids['ana']}", json=change)
        assert resp.status_code == 403, resp.text
        if role != "welfare":
            assert "only the commander" in resp.json()["detail"]
        shown = make_client("officer").get(f"{PERSONS}/{ids['ana']}").json()
        assert (shown["name"], shown["badge_id"], shown["affiliation"]) == (
            "Ana",
            "B-Ana",
            "resident",
        )
        assert _alerts(db, ids["ana"]) == []

    @pytest.mark.parametrize("case", [CaseStatus.OPEN, CaseStatus.APPROVED, CaseStatus.STOPPED])
    def test_officer_refused_with_a_live_case(
        self, db: Database, make_client: Client, case: CaseStatus
    ) -> None:
        ids = _station(db, case=case)
        resp = make_client("officer").patch(
            f"{PERSONS}/{ids['ana']}", json={"affiliation": "visitor", "party_id": ids["vessel"]}
        )
        assert resp.status_code == 403
        assert "consent case(s) W-1" in resp.json()["detail"]

    def test_commander_may_and_is_alerted_and_the_hold_follows(
        self, db: Database, make_client: Client
    ) -> None:
        ids = _station(db, held=True)
        commander = make_client("commander")
        resp = commander.patch(
            f"{PERSONS}/{ids['ana']}",
            json={"affiliation": "visitor", "party_id": ids["vessel"], "badge_id": "B-v"},
        )
        assert resp.status_code == 200, resp.text
        [alert] = _alerts(db, ids["ana"])
        assert alert["holds"] == 1
        assert alert["audience"] == "commander"
        decision = _exit(make_client("guard"), ids)
        assert not decision["allowed"]
        assert "exit.forbid.held" in decision["rule_ids"]

    def test_status_and_notes_stay_open_to_the_registry(
        self, db: Database, make_client: Client
    ) -> None:
        ids = _station(db, held=True)
        resp = make_client("officer").patch(
            f"{PERSONS}/{ids['ana']}", json={"notes": "in the hospital", "status": "injured"}
        )
        assert resp.status_code == 200, resp.text
        assert _alerts(db, ids["ana"]) == []

    def test_medic_records_a_status_only(self, db: Database, make_client: Client) -> None:
        ids = _station(db)
        medic = make_client("medic")
        url = f"{PERSONS}/{ids['ana']}"
        assert medic.patch(url, json={"status": "injured"}).status_code == 200
        assert medic.patch(url, json={"affiliation": "crew"}).status_code == 403

    def test_archive_by_admin_refused_while_held(self, db: Database, make_client: Client) -> None:
        ids = _station(db, held=True)
        resp = make_client("admin").delete(f"{PERSONS}/{ids['ana']}")
        assert resp.status_code == 403
        assert "only the commander may archive" in resp.json()["detail"]
        resp = make_client("commander").delete(f"{PERSONS}/{ids['ana']}")
        assert resp.status_code == 200
        assert resp.json()["outcome"] == "archived"
        assert len(_alerts(db, ids["ana"])) == 1
        assert not _exit(make_client("guard"), ids)["allowed"]


class TestGuardedChangesByCommand:
    """The CLI is the same use case: the local administrator is refused, the commander's
    signed-in account is not."""

    def test_local_admin_refused(self, db: Database, muster: Invoke) -> None:
        _station(db, held=True)
        result = muster("person", "update", "Ana", "--affiliation", "crew")
        assert result.exit_code == 1
        assert "only the commander" in result.output
        assert "resident" in muster("person", "show", "Ana").output

    def test_commander_account(self, db: Database, muster: Invoke, make_client: Client) -> None:
        ids = _station(db, held=True)
        make_client("commander", username="cmdr")
        env = {"MUSTER_USER": "cmdr", "MUSTER_PASSWORD": "correct horse battery"}
        result = muster("person", "update", "Ana", "--badge", "B-9", env=env)
        assert result.exit_code == 0, result.output
        assert len(_alerts(db, ids["ana"])) == 1
