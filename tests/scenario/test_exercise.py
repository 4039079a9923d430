"""Exercise databases: a scenario never runs on a production-mode station's database; a new
database is marked as an exercise's, and every event an exercise writes says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from muster.cli.main import app
from muster.config import get_settings
from muster.db import Database
from muster.errors import Conflict, Forbidden
from muster.events.models import Event
from muster.events.service import last_seq
from muster.people.enums import Affiliation
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.policy.actor import Actor
from muster.scenario.exercise import (
    claim_exercise_database,
    is_exercise_database,
    is_marked,
    mark_exercise_database,
    mark_session_exercise,
)
from muster.scenario.runner import prepare
from scenario.conftest import write
from scenario.station import ScenarioText

runner = CliRunner()
SETUP = Actor.system("test")


def register(session: Session) -> None:
    """Ada registered: the database now holds a station's register."""
    data = PersonCreate(name="Ada", affiliation=Affiliation.RESIDENT)
    create_person(session, data=data, actor=SETUP)


class TestProductionDatabase:
    """A scenario never runs on a production-mode station's database; an exercise's events
    are marked as such."""

    def test_refused_on_a_station_with_a_register(
        self, tmp_path: Path, database_url: str, scenario_text: ScenarioText
    ) -> None:
        """MUSTER_MODE is production and the database holds a station's register: nothing
        of the scenario is written."""
        db = Database(database_url)
        try:
            prepare(db)
            with db.session_scope() as session:
                create_person(
                    session,
                    data=PersonCreate(name="Ada", affiliation=Affiliation.RESIDENT),
                    actor=Actor.system("test"),
                )
                before = last_seq(session)
            refused = runner.invoke(app, ["scenario", "run", str(write(tmp_path, scenario_text()))])
            assert refused.exit_code == 1
            assert "production-mode database" in refused.output
            with db.session_scope(write=False) as session:
                assert last_seq(session) == before
        finally:
            db.dispose()

    def test_events_of_a_run_are_marked(
        self, tmp_path: Path, database_url: str, scenario_text: ScenarioText
    ) -> None:
        """A new database is marked as an exercise's, and every event of the run says so."""
        path = write(tmp_path, scenario_text())
        result = runner.invoke(app, ["scenario", "run", str(path)])
        assert result.exit_code == 0, result.output
        db = Database(database_url)
        try:
            with db.session_scope(write=False) as session:
                events = session.scalars(select(Event).order_by(Event.seq)).all()
        finally:
            db.dispose()
        kinds = [e.kind for e in events]
        mark = kinds.index("scenario.exercise.database_marked")
        assert kinds[:mark] == ["auth.account.created"]  # the first administrator
        assert len(events) > mark + 10
        assert all(e.payload.get("exercise") is True for e in events[mark:])


class TestMarking:
    """Only a new database is marked; dev and demo mode need no mark."""

    @pytest.fixture(autouse=True)
    def _production(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setenv("MUSTER_MODE", "production")
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def test_a_new_database_is_claimed_and_marked(self, session: Session) -> None:
        assert not is_exercise_database(session)
        claim_exercise_database(session, actor=SETUP)
        assert is_marked(session)
        claim_exercise_database(session, actor=SETUP)
        marks = session.scalars(
            select(Event).where(Event.kind == "scenario.exercise.database_marked")
        ).all()
        assert len(marks) == 1

    def test_a_register_is_never_marked(self, session: Session) -> None:
        register(session)
        with pytest.raises(Conflict, match="holds a register"):
            mark_exercise_database(session, actor=SETUP)
        with pytest.raises(Forbidden, match="--throwaway"):
            claim_exercise_database(session, actor=SETUP)
        assert not is_marked(session)

    def test_dev_mode_runs_anywhere_unmarked(
        self, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        register(session)
        monkeypatch.setenv("MUSTER_MODE", "dev")
        get_settings.cache_clear()
        claim_exercise_database(session, actor=SETUP)
        assert not is_marked(session)

    def test_a_session_marks_its_events(self, session: Session) -> None:
        mark_session_exercise(session, entered_by="anna")
        register(session)
        (event,) = session.scalars(select(Event).where(Event.kind == "people.person.created")).all()
        assert (event.payload["exercise"], event.payload["entered_by"]) == (True, "anna")
