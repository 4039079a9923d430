"""``muster person ...`` and ``muster party ...`` through Typer's runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from typer.testing import CliRunner

from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.people import service

Invoke = Callable[..., Result]


@pytest.fixture
def muster(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``muster`` commands against the test database."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


class TestPersonCommands:
    """Persons are added, shown, listed, updated and deleted by name or id."""

    def test_lifecycle(self, muster: Invoke, db: Database) -> None:
        result = muster("person", "add", "Lisa", "--affiliation", "resident", "--badge", "L-1")
        assert result.exit_code == 0, result.output
        assert "Lisa" in result.output
        result = muster("person", "update", "L-1", "--status", "injured", "--role", "patient")
        assert result.exit_code == 0, result.output
        shown = muster("person", "show", "Lisa").output
        assert "injured" in shown
        assert "patient" in shown
        assert "Lisa" in muster("person", "list", "--status", "injured").output
        assert "1 of 1 shown" in muster("person", "list", "--role", "patient").output
        assert "0 of 0 shown" in muster("person", "list", "--affiliation", "crew").output
        result = muster("person", "delete", "Lisa")
        assert result.exit_code == 0
        assert "archived, not deleted" in result.output
        with db.session_scope(write=False) as session:
            assert service.find_person(session, "L-1").archived_at is not None

    def test_delete_unrecorded_person(self, muster: Invoke, db: Database) -> None:
        muster("person", "add", "Temp", "--affiliation", "crew")
        result = muster("person", "delete", "Temp")
        assert result.exit_code == 0
        assert "Temp deleted" in result.output
        with db.session_scope(write=False) as session:
            _rows, total = service.list_persons(
                session, flt=service.PersonFilter(include_archived=True), limit=10, offset=0
            )
        assert total == 0

    def test_refusals_are_messages(self, muster: Invoke, db: Database) -> None:
        muster("person", "add", "Lisa", "--affiliation", "resident")
        result = muster("person", "add", "Lisa", "--affiliation", "crew")
        assert result.exit_code == 1
        assert "already registered" in result.output
        result = muster("person", "add", "Ken", "--affiliation", "crew", "--role", "Bad Role")
        assert result.exit_code == 1
        assert "roles" in result.output
        assert muster("person", "show", "Nobody").exit_code == 1
        assert muster("person", "add", "X", "--affiliation", "pirate").exit_code == 2
        with db.session_scope(write=False) as session:
            _rows, total = service.list_persons(
                session, flt=service.PersonFilter(), limit=10, offset=0
            )
        assert total == 1


class TestPartyCommands:
    """Parties are added, given a commander from their members, listed and shown."""

    def test_party_with_commander(self, muster: Invoke) -> None:
        result = muster("party", "add", "Vessel", "--kind", "vessel", "--expected", "25")
        assert result.exit_code == 0, result.output
        muster("person", "add", "Bahati", "--affiliation", "visitor", "--party", "Vessel")
        muster("person", "add", "John", "--affiliation", "crew")
        refused = muster("party", "update", "Vessel", "--commander", "John")
        assert refused.exit_code == 1
        assert "not a member" in refused.output
        assert muster("party", "update", "Vessel", "--commander", "Bahati").exit_code == 0
        shown = muster("party", "show", "Vessel").output
        assert "commander: Bahati" in shown
        assert "registered: 1" in shown
        listed = muster("party", "list").output
        assert "Bahati" in listed
        assert "1 of 1 shown" in listed
        assert muster("party", "show", "Nope").exit_code == 1
