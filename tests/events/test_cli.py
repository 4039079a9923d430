"""Tests for muster.events.cli: ``muster audit verify``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.events.service import append_event
from muster.policy.actor import Actor


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The test database, named to the CLI through MUSTER_DATABASE_URL, with three events."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    with db.session_scope() as s:
        for i in range(3):
            append_event(s, kind="test.thing.done", actor=Actor.system("t"), payload={"i": i})
    yield db
    get_settings.cache_clear()


class TestAuditVerify:
    """``muster audit verify`` passes an intact chain and names the first broken event."""

    def test_intact_chain_passes(self, cli_db: Database) -> None:
        """Exit code 0 and the count of verified events."""
        result = CliRunner().invoke(app, ["audit", "verify"])
        assert result.exit_code == 0, result.output
        assert "3 events" in result.output

    def test_altered_row_fails_naming_its_seq(self, cli_db: Database) -> None:
        """A hand-edited payload makes the command fail and name that event."""
        with cli_db.engine.begin() as conn:
            conn.execute(text("UPDATE events SET payload = :p WHERE seq = 2"), {"p": '{"i": 7}'})
        result = CliRunner().invoke(app, ["audit", "verify"])
        assert result.exit_code != 0
        assert "chain broken at event 2" in result.output

    def test_deleted_row_fails_naming_the_missing_seq(self, cli_db: Database) -> None:
        """A deleted row makes the command fail and name the missing seq."""
        with cli_db.engine.begin() as conn:
            conn.execute(text("DELETE FROM events WHERE seq = 3"))
            conn.execute(
                text(
                    "INSERT INTO events SELECT 4, at, kind, actor_id, actor, subjects,"
                    " payload, prev_hash, 'x' FROM events WHERE seq = 2"
                )
            )
        result = CliRunner().invoke(app, ["audit", "verify"])
        assert result.exit_code != 0
        assert "event 3 is missing" in result.output
