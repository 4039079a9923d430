"""The airlock use cases authorize themselves: the CLI and scenario paths, which never
authorized in their entry points, refuse the roles the API refuses (issue 14)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from access.station import build_station
from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.events.models import Event
from muster.people.enums import Affiliation
from muster.people.models import Party
from muster.places.models import Portal

Client = Callable[..., TestClient]
Invoke = Callable[..., Result]
PASSWORD = "correct horse battery"


@pytest.fixture
def muster(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``muster`` commands against the test database, as a named account or not."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, user: str | None = None) -> Result:
        env = {"MUSTER_USER": user, "MUSTER_PASSWORD": PASSWORD} if user else None
        return runner.invoke(app, list(args), env=env)

    yield invoke
    get_settings.cache_clear()


@pytest.fixture
def station(db: Database, make_client: Client) -> dict[str, str]:
    """The test station, Ana aboard, and an observer and a guard who can sign in."""
    with db.session_scope() as s:
        st = build_station(s)
        st.add_person("Ana", Affiliation.RESIDENT, zone="south")
    make_client("observer", username="olga")
    make_client("guard", username="priya")
    return {"ana": "Ana"}


def _mode(db: Database, name: str) -> str:
    with db.session_scope(write=False) as s:
        return str(s.scalar(select(Portal.mode).where(Portal.name == name)))


def _events(db: Database, kind: str) -> int:
    with db.session_scope(write=False) as s:
        return len(s.scalars(select(Event.seq).where(Event.kind == kind)).all())


class TestByCommand:
    """A signed-in account at the shell may do only what its roles allow."""

    def test_observer_cannot_lock_an_airlock(
        self, db: Database, muster: Invoke, station: dict[str, str]
    ) -> None:
        result = muster("access", "mode", "South airlock", "lockdown", "--reason", "x", user="olga")
        assert result.exit_code == 1
        assert "may not portal.mode" in result.output
        assert _mode(db, "South airlock") == "normal"

    def test_guard_asks_but_cannot_issue_a_duty_pass(
        self, db: Database, muster: Invoke, station: dict[str, str]
    ) -> None:
        asked = muster(
            "access", "request", "South airlock", "Ana", "--direction", "exit", user="priya"
        )
        assert asked.exit_code == 0, asked.output
        result = muster("access", "duty-pass", "Ana", "--purpose", "hull", user="priya")
        assert result.exit_code == 1
        assert "may not duty_pass.issue" in result.output
        assert _events(db, "access.duty_pass.issued") == 0

    def test_observer_cannot_ask_place_or_start_a_roll_call(
        self, db: Database, muster: Invoke, station: dict[str, str]
    ) -> None:
        asked = muster(
            "access", "request", "South airlock", "Ana", "--direction", "exit", user="olga"
        )
        assert asked.exit_code == 1
        assert "may not access.request" in asked.output
        assert muster("rollcall", "start", "--reason", "drill", user="olga").exit_code == 1
        assert _events(db, "access.decided") == 0
        assert _events(db, "access.rollcall.started") == 0

    def test_refusal_names_no_one(self, muster: Invoke, station: dict[str, str]) -> None:
        result = muster("hold", "place", "Nobody Atall", "--reason", "x", user="olga")
        assert result.exit_code == 1
        assert "may not hold.place" in result.output
        assert "Nobody" not in result.output


class TestByApi:
    """The routes only translate: the use case's refusal is the API's 403."""

    def test_observer_refused_before_the_person_is_looked_up(
        self, make_client: Client, station: dict[str, str]
    ) -> None:
        observer = make_client("observer")
        for url, body in [
            ("/api/v1/holds", {"person": "Nobody", "kind": "provisional", "reason": "x"}),
            ("/api/v1/presence", {"person": "Nobody", "zone_id": "z", "reason": "x"}),
        ]:
            resp = observer.post(url, json=body)
            assert resp.status_code == 403, (url, resp.text)
            assert "Nobody" not in resp.text


class TestVisits:
    """issue_visit owns who may let a visitor aboard: the command, or a medic hosting."""

    def _visit(self, client: TestClient, host: str) -> int:
        body = {
            "person": "Surgeon",
            "host": host,
            "purpose": "nanite work",
            "zone_ids": [],
            "valid_from": "2000-01-01T00:00:00Z",
            "valid_until": "2999-01-01T00:00:00Z",
        }
        return client.post("/api/v1/visits", json=body).status_code

    @pytest.fixture
    def visitor(self, db: Database, make_client: Client, station: dict[str, str]) -> None:
        with db.session_scope(write=False) as s:
            vessel_id = s.scalar(select(Party.id).where(Party.name == "Vessel"))
        admin = make_client("admin")
        for body in (
            {"name": "Surgeon", "affiliation": "visitor", "party_id": vessel_id},
            {"name": "Mia", "affiliation": "crew", "roles": ["medic"]},
            {"name": "Ken", "affiliation": "crew"},
        ):
            assert admin.post("/api/v1/persons", json=body).status_code == 201

    def test_liaison_issues_and_observer_is_refused(
        self, make_client: Client, visitor: None
    ) -> None:
        assert self._visit(make_client("observer"), "Ken") == 403
        assert self._visit(make_client("liaison"), "Ken") == 201

    def test_medic_only_as_the_hospital_host(self, make_client: Client, visitor: None) -> None:
        medic = make_client("medic")
        assert self._visit(medic, "Ken") == 403
        assert self._visit(medic, "Mia") == 201

    def test_observer_refused_at_the_shell(
        self, db: Database, muster: Invoke, visitor: None
    ) -> None:
        result = muster(
            "access",
            "visit",
            "Surgeon",
            "--host",
            "Ken",
            "--purpose",
            "x",
            "--until",
            "2999-01-01T00:00:00",
            user="olga",
        )
        assert result.exit_code == 1
        assert "may not visit.issue" in result.output
        assert _events(db, "access.visit.issued") == 0
