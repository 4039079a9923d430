"""Running a scenario builds the station and replays injects through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from muster.db import Database
from muster.events.models import Event
from muster.events.service import EventFilter, list_events
from muster.people.enums import PersonStatus
from muster.people.service import find_person
from muster.places.service import find_post, post_members
from muster.scenario.loader import parse_scenario
from muster.scenario.runner import RunStopped, run_plan
from scenario.station import STATION, ScenarioText

START = datetime(2031, 5, 14, 6, 0, tzinfo=UTC)


def events(db: Database, kind: str) -> list[Event]:
    with db.session_scope(write=False) as session:
        rows, _total = list_events(session, flt=EventFilter(kind=kind), limit=1000)
        return rows


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

    def test_party_update_and_post_assign(self, db: Database, scenario_text: ScenarioText) -> None:
        text = scenario_text(
            """\
            - {at: "+00:00:10", actor: anna, action: party.update, party: Visitors,
               commander: Vic, notes: Command passed to Vic.}
            - {at: "+00:00:20", actor: anna, action: post.assign, post: Airlock post,
               persons: [Anna]}
            - {at: "+00:00:30", actor: anna, action: person.create, name: Newcomer,
               affiliation: visitor, party: Visitors}
            """
        )
        run_plan(db, parse_scenario(text), start=START)
        with db.session_scope(write=False) as session:
            vic = find_person(session, "Vic")
            post = find_post(session, "Airlock post")
            assert [p.name for p in post_members(session, post.id)] == ["Anna", "Ben"]
            assert find_person(session, "Newcomer").party_id == vic.party_id
        [updated] = [e for e in events(db, "people.party.updated") if e.actor == "Anna"]
        assert updated.payload["changes"]["notes"][1] == "Command passed to Vic."

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


class TestExpectations:
    """Expectations are judged after the last inject; a failed one fails the run."""

    def test_pass_and_fail(self, db: Database, scenario_text: ScenarioText) -> None:
        text = scenario_text(
            """\
            - {at: "+00:01:00", actor: anna, action: person.update, person: Vic,
               status: injured}
            """,
            """\
            - {name: Crew, check: person.count, affiliation: crew, equals: 2}
            - {name: Party, check: person.count, party: Visitors, at_least: 3}
            - {name: Vic injured, check: person.status, person: Vic, status: injured}
            - {name: Vera injured, check: person.status, person: Vera, status: injured}
            - {name: Flagged, check: person.count, group: flagged, status: active, equals: 3}
            - {name: Updates, check: event.count, kind: people.person., at_least: 8, at_most: 9}
            - {name: Unknown person, check: person.status, person: Nobody, status: active}
            - {name: Chain, check: audit.verifies}
            """,
        )
        report = run_plan(db, parse_scenario(text), start=START)
        held = {e.name: e.held for e in report.expectations}
        assert held == {
            "Crew": True,
            "Party": False,
            "Vic injured": True,
            "Vera injured": False,
            "Flagged": True,
            "Updates": True,
            "Unknown person": False,
            "Chain": True,
        }
        assert not report.passed
        details = {e.name: e.detail for e in report.expectations}
        assert details["Party"] == "2 persons of Visitors; expected at least 3"
        assert "no person" in details["Unknown person"]
        assert report.to_json()["passed"] is False

    def test_all_held_passes(self, db: Database, scenario_text: ScenarioText) -> None:
        text = scenario_text(expect="- {name: Chain, check: audit.verifies}\n")
        report = run_plan(db, parse_scenario(text), start=START)
        assert report.passed
        [outcome] = report.to_json()["expectations"]
        assert outcome["name"] == "Chain"
        assert outcome["held"] is True
        assert outcome["detail"].startswith(f"{report.events} events and ")
        assert outcome["detail"].endswith(" rows verified")

    def test_tampered_record_fails_the_chain_check(
        self, db: Database, scenario_text: ScenarioText
    ) -> None:
        text = scenario_text(expect="- {name: Chain, check: audit.verifies}\n")
        plan = parse_scenario(text)
        run_plan(db, plan, start=START)
        with db.session_scope() as session:
            row = session.scalar(select(Event).where(Event.seq == 3))
            assert row is not None
            row.actor = "someone else"
        from muster.scenario.checks import CheckContext

        with db.session_scope(write=False) as session:
            result = plan.checks[0].check.handler(CheckContext(session), plan.checks[0].args)
        assert not result.held
        assert "event 3" in result.detail
