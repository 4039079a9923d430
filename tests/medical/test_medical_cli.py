"""The casualty and screening commands."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from muster.auth.service import create_account
from muster.config import get_settings
from muster.db import Database
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
            create_person(
                s, data=PersonCreate(name="Ken", affiliation=Affiliation.CREW), actor=Actor.system()
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
            casualty_app, ["record", "immediate", "--found-at", "West", "--person", "Ken"]
        )
        assert done.exit_code == 0, done.output
        counts = runner.invoke(casualty_app, ["counts"])
        assert "station" in counts.output
        assert "1 immediate" in counts.output
        screened = runner.invoke(screening_app, ["record", "Ken", "positive"])
        assert screened.exit_code == 0, screened.output
        assert "medical hold placed" in screened.output
