"""The casualty and screening commands."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from muster.auth.service import create_account
from muster.config import get_settings
from muster.db import Database
from muster.incidents.enums import Severity
from muster.incidents.schemas import IncidentCreate
from muster.incidents.service import declare_incident
from muster.medical.cli import casualty_app, screening_app
from muster.people.enums import Affiliation
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.policy.actor import Actor


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The test database as the CLI's database."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


class TestCommands:
    """Commands record through the services and report in plain words."""

    def test_record_count_and_screen(
        self, cli_db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A casualty shows in the counts; a positive screening reports its hold."""
        with cli_db.session_scope() as s:
            ken = create_person(
                s, data=PersonCreate(name="Ken", affiliation=Affiliation.CREW), actor=Actor.system()
            )
            declare_incident(
                s,
                data=IncidentCreate(
                    title="West airlock",
                    kind="security",
                    severity=Severity.CRITICAL,
                    location="West airlock",
                    commander_id=ken.id,
                ),
                actor=Actor.system(),
            )
            create_account(
                s,
                username="mia",
                display_name="Mia",
                roles=["medic"],
                password="correct horse battery",
                actor=Actor.system(),
            )
        monkeypatch.setenv("MUSTER_USER", "mia")  # the CLI acts as a signed-in medic
        monkeypatch.setenv("MUSTER_PASSWORD", "correct horse battery")
        runner = CliRunner()
        done = runner.invoke(
            casualty_app,
            [
                *("record", "--found-at", "West", "--person", "Ken"),
                *("--cannot-walk", "--breathing", "--rate", "34"),
            ],
        )
        assert done.exit_code == 0, done.output
        assert "immediate): respiratory rate 34/min, over 30" in done.output
        counts = runner.invoke(casualty_app, ["counts"])
        assert "station" in counts.output
        assert "1 immediate" in counts.output
        screened = runner.invoke(screening_app, ["record", "Ken", "positive"])
        assert screened.exit_code == 0, screened.output
        assert "medical hold placed" in screened.output

    def test_missing_finding_and_override(
        self, cli_db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Findings that stop short are refused naming what to record; an officer may not
        set a category over the findings."""
        with cli_db.session_scope() as s:
            ken = create_person(
                s, data=PersonCreate(name="Ken", affiliation=Affiliation.CREW), actor=Actor.system()
            )
            declare_incident(
                s,
                data=IncidentCreate(
                    title="West airlock",
                    kind="security",
                    severity=Severity.CRITICAL,
                    location="West airlock",
                    commander_id=ken.id,
                ),
                actor=Actor.system(),
            )
            create_account(
                s,
                username="dom",
                display_name="Dom",
                roles=["officer"],
                password="correct horse battery",
                actor=Actor.system(),
            )
        monkeypatch.setenv("MUSTER_USER", "dom")
        monkeypatch.setenv("MUSTER_PASSWORD", "correct horse battery")
        runner = CliRunner()
        base = ["record", "--found-at", "West", "--person", "Ken", "--cannot-walk", "--breathing"]
        short = runner.invoke(casualty_app, base)
        assert short.exit_code == 1
        assert "record respiratory_rate" in short.output
        over = runner.invoke(casualty_app, [*base, "--category", "minor", "--reason", "fine"])
        assert over.exit_code == 1
        assert "may not triage.override" in over.output
