"""The built-in scenario actions and checks: the log, the registry steps, counts, the chain."""

from __future__ import annotations

from sqlalchemy import select

from muster.db import Database
from muster.events.models import Event
from muster.people.service import find_person
from muster.places.service import find_post, post_members
from muster.scenario.loader import parse_scenario
from muster.scenario.runner import run_plan
from scenario.station import START, ScenarioText, events


class TestActions:
    """Each action goes through its domain's use case, as the acting account."""

    def test_a_note_names_its_persons(self, db: Database, scenario_text: ScenarioText) -> None:
        text = scenario_text(
            """\
            - {at: "+00:00:10", actor: ben, action: log.note, text: Vic at the collar.,
               persons: [Vic], group: flagged}
            """
        )
        run_plan(db, parse_scenario(text), start=START)
        [note] = events(db, "scenario.note.recorded")
        assert note.actor == "Ben"
        assert note.payload["persons"][0] == "Vic"
        assert len(note.payload["persons"]) == 4
        with db.session_scope(write=False) as session:
            assert find_person(session, "Vic").id in note.subjects

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
