"""Running a scenario builds the station and replays injects through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from muster.db import Database
from muster.events.models import Event
from muster.people.enums import PersonStatus
from muster.people.service import find_person
from muster.places.service import find_post, post_members
from muster.scenario.loader import parse_scenario
from muster.scenario.runner import RunStopped, run_plan
from scenario.station import START, STATION, ScenarioText, events


class TestStation:
    """The station section is registered through the registry services."""

    def test_everything_is_registered(self, db: Database) -> None:
        report = run_plan(db, parse_scenario(STATION), start=START)
        with db.session_scope(write=False) as session:
            vera = find_person(session, "Vera")
            assert vera.party_id is not None
            assert [
                p.name for p in post_members(session, find_post(session, "Airlock post").id)
            ] == ["Ben"]
            assert find_person(session, "Resident 003").affiliation == "resident"
        created = events(db, "people.person.created")
        assert len(created) == 7
        assert {e.at for e in created} == {START}
        assert {e.actor for e in created} == {"exercise"}
        assert report.passwords["anna"] == "drill-password-1"
        assert len(report.passwords["ben"]) >= 10

    def test_refused_entry_stops_the_run_at_its_line(self, db: Database) -> None:
        text = STATION.replace("outside: Collar}", "outside: Corridor}")
        with pytest.raises(RunStopped) as caught:
            run_plan(db, parse_scenario(text, "drill.yaml"), start=START)
        line = text[: text.index("outside: Corridor")].count("\n") + 1
        assert caught.value.line == line
        assert "station.portals.0" in str(caught.value)
        assert events(db, "people.") == []  # the station is one transaction


class TestInjects:
    """Each inject runs at its time, as its actor, through a service."""

    def test_injects_carry_the_exercise_time_and_actor(
        self, db: Database, scenario_text: ScenarioText
    ) -> None:
        text = scenario_text(
            """\
            - {at: "+00:01:00", actor: ben, action: log.note, text: Party at the door.,
               persons: [Vera]}
            - at: "+00:02:30"
              actor: anna
              action: person.update
              group: flagged
              status: missing
              notes: Not accounted for.
            """
        )
        report = run_plan(db, parse_scenario(text), start=START)
        [note] = events(db, "scenario.note.recorded")
        assert (note.at, note.actor, note.payload["text"]) == (
            START + timedelta(minutes=1),
            "Ben",
            "Party at the door.",
        )
        changed = events(db, "people.person.status_changed")
        assert len(changed) == 3
        assert {(e.at, e.actor) for e in changed} == {(START + timedelta(seconds=150), "Anna")}
        with db.session_scope(write=False) as session:
            assert find_person(session, "Resident 002").status is PersonStatus.MISSING
            assert find_person(session, "Resident 002").notes == "Not accounted for."
        assert report.end == START + timedelta(seconds=150)
        assert [i.detail for i in report.injects][1] == "3 persons updated: notes, status"

    def test_expected_refusal_is_recorded_not_applied(
        self, db: Database, scenario_text: ScenarioText
    ) -> None:
        # A guard may not change the registry: the inject says so, and nothing changes.
        text = scenario_text(
            """\
            - {at: "+00:01:00", actor: ben, action: person.update, person: Vic,
               status: deceased, refused: true}
            """
        )
        report = run_plan(db, parse_scenario(text), start=START)
        [outcome] = report.injects
        assert outcome.refused
        assert "may not registry.write" in outcome.detail
        with db.session_scope(write=False) as session:
            assert find_person(session, "Vic").status is PersonStatus.ACTIVE

    def test_unexpected_refusal_stops_the_run(
        self, db: Database, scenario_text: ScenarioText
    ) -> None:
        text = scenario_text(
            """\
            - {at: "+00:01:00", actor: anna, action: log.note, text: Before.}
            - {at: "+00:02:00", actor: anna, action: person.update, person: Nobody,
               status: missing}
            - {at: "+00:03:00", actor: anna, action: log.note, text: After.}
            """
        )
        with pytest.raises(RunStopped) as caught:
            run_plan(db, parse_scenario(text, "drill.yaml"), start=START)
        assert caught.value.line == text[: text.index("Nobody")].count("\n") + 1
        assert "+00:02:00 person.update by anna: refused: no person" in str(caught.value)
        assert [e.payload["text"] for e in events(db, "scenario.note.recorded")] == ["Before."]

    def test_action_done_when_refusal_expected_stops_and_is_undone(
        self, db: Database, scenario_text: ScenarioText
    ) -> None:
        text = scenario_text(
            """\
            - {at: "+00:01:00", actor: anna, action: person.update, person: Vic,
               status: injured, refused: true}
            """
        )
        with pytest.raises(RunStopped, match="expected to be refused, but was done"):
            run_plan(db, parse_scenario(text), start=START)
        with db.session_scope(write=False) as session:
            assert find_person(session, "Vic").status is PersonStatus.ACTIVE

    def test_default_start_ends_the_exercise_now(
        self, db: Database, scenario_text: ScenarioText
    ) -> None:
        text = scenario_text('- {at: "+01:00:00", actor: anna, action: log.note, text: End.}\n')
        before = datetime.now(UTC)
        report = run_plan(db, parse_scenario(text))
        assert report.start <= before - timedelta(minutes=59)
        assert before - timedelta(seconds=2) <= report.end <= datetime.now(UTC)
        with db.session_scope(write=False) as session:
            last = session.scalar(select(Event).order_by(Event.seq.desc()).limit(1))
            assert last is not None
            assert last.at == report.end
