"""``muster welfare`` at the command line: steps taken in person are the signed-in
officer's own (P5); ``--as`` exists only for exercises, and marks what it writes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from muster.auth import service as auth_service
from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.events.models import Event
from muster.policy.actor import Actor
from muster.welfare.cases import open_case
from muster.welfare.models import CaseStep
from welfare.station import ADMIN, build_station

PASSWORD = "correct horse battery"
runner = CliRunner()
INTERVIEW = ["welfare", "interview", "W-1", "free_choice", "--wish", "I wish to go."]


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The welfare station with case W-1 open for Lisa, accounts for the administrator and
    Amara (welfare, linked to her person record), named to the CLI; production mode."""
    with db.session_scope() as session:
        station = build_station(session)
        for username, roles, person in (
            ("admin", ["admin"], None),
            ("amara", ["welfare"], station.persons["Amara"].id),
        ):
            auth_service.create_account(
                session,
                username=username,
                display_name=username.capitalize(),
                roles=roles,
                password=PASSWORD,
                actor=Actor.system("test"),
                person_id=person,
            )
        open_case(
            session,
            person_id=station.persons["Lisa"].id,
            vessel_party_id=station.vessel.id,
            statement="",
            actor=ADMIN,
        )
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    for name in ("MUSTER_MODE", "MUSTER_USER", "MUSTER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def _interviews(db: Database) -> list[CaseStep]:
    with db.session_scope(write=False) as session:
        return list(session.scalars(select(CaseStep).where(CaseStep.kind == "interview")).all())


def _interview_events(db: Database) -> list[Event]:
    with db.session_scope(write=False) as session:
        query = select(Event).where(Event.kind == "welfare.case.interviewed")
        return list(session.scalars(query).all())


class TestStepsInPerson:
    """An interview is recorded under the account that authenticated for it."""

    def test_as_refused_on_a_production_database(self, cli_db: Database) -> None:
        """The breach: a shell user credits an officer with a step, with no credential."""
        result = runner.invoke(app, [*INTERVIEW, "--as", "amara"])
        assert result.exit_code != 0
        assert "exists only for exercises" in result.output
        assert _interviews(cli_db) == []

    def test_signed_in_officer_is_recorded(
        self, cli_db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MUSTER_USER", "amara")
        monkeypatch.setenv("MUSTER_PASSWORD", PASSWORD)
        result = runner.invoke(app, INTERVIEW)
        assert result.exit_code == 0, result.output
        [step] = _interviews(cli_db)
        [event] = _interview_events(cli_db)
        with cli_db.session_scope(write=False) as session:
            amara = auth_service.get_account_by_username(session, "amara")
            assert step.officer_person_id == amara.person_id
        assert (event.actor_id, event.actor) == (amara.id, "Amara")
        assert "exercise" not in event.payload

    def test_password_from_the_prompt(
        self, cli_db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MUSTER_USER", "amara")
        result = runner.invoke(app, INTERVIEW, input=f"{PASSWORD}\n")
        assert result.exit_code == 0, result.output
        assert len(_interviews(cli_db)) == 1

    def test_wrong_password_refused(
        self, cli_db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MUSTER_USER", "amara")
        monkeypatch.setenv("MUSTER_PASSWORD", "not her password")
        result = runner.invoke(app, INTERVIEW)
        assert result.exit_code != 0
        assert "wrong username or password" in result.output
        assert _interviews(cli_db) == []
        with cli_db.session_scope(write=False) as session:
            assert auth_service.get_account_by_username(session, "amara").failed_signins == 1

    def test_local_administrator_is_not_an_interviewer(self, cli_db: Database) -> None:
        """Without MUSTER_USER the command acts as the administrator's own account, which
        holds no welfare role and no person record: refused."""
        result = runner.invoke(app, INTERVIEW)
        assert result.exit_code != 0
        assert "Admin may not consent.interview" in result.output
        assert _interviews(cli_db) == []


class TestExerciseAs:
    """On an exercise database ``--as`` records the step in the officer's name, marked."""

    def test_dev_mode_marks_every_event(
        self, cli_db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MUSTER_MODE", "dev")
        get_settings.cache_clear()
        result = runner.invoke(app, [*INTERVIEW, "--as", "amara"])
        assert result.exit_code == 0, result.output
        [event] = _interview_events(cli_db)
        assert event.actor == "Amara"
        assert event.payload["exercise"] is True
        assert event.payload["entered_by"] == "Admin"
