"""The South airlock of the crisis, replayed through the access actions and checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from muster.access.models import Hold, Passage
from muster.access.scenario_actions import NoArgs, no_held_exit
from muster.db import Database
from muster.people.service import find_person
from muster.scenario.checks import CheckContext
from muster.scenario.loader import ScenarioError, parse_scenario
from muster.scenario.runner import RunReport, run_plan

STATION = """\
scenario: South airlock drill
start: 2031-05-14T06:00:00Z
station:
  parties:
    - {name: the visiting vessel, kind: vessel, commander: Bahati, expected_aboard: 6}
  zones:
    - {name: South corridor, kind: internal}
    - {name: Hospital, kind: internal}
    - {name: South collar, kind: collar, docked_party: the visiting vessel}
  portals:
    - {name: South airlock, kind: airlock, inside: South corridor, outside: South collar}
  persons:
    - {name: John, affiliation: crew}
    - {name: Priya, affiliation: crew}
    - {name: Bahati, affiliation: visitor, party: the visiting vessel}
    - {name: Zane, affiliation: visitor, party: the visiting vessel}
    - generate: {prefix: Warrior, digits: 2, count: 4, affiliation: visitor,
                 party: the visiting vessel, group: warriors}
    - generate: {prefix: Resident, count: 3, affiliation: resident, group: residents}
  accounts:
    - {username: john, person: John, roles: [commander]}
    - {username: priya, person: Priya, roles: [guard]}
"""

OPENING = """\
timeline:
  - {at: "+00:00:00", actor: john, action: presence.set, groups: [warriors, residents],
     persons: [Bahati, Zane, John, Priya], zone: South corridor, reason: Station roll}
  - {at: "+00:00:00", actor: system, action: access.headcount.record, checkpoint: start}
  - {at: "+00:01:00", actor: john, action: access.hold.place, group: residents,
     reason: Suspected nanite influence; pending screening.}
"""

SOUTH_AIRLOCK = """\
  - {at: "+00:02:00", actor: priya, action: access.request, groups: [warriors, residents],
     portal: South airlock, direction: exit}
  - {at: "+00:02:30", actor: priya, action: access.passage, portal: South airlock,
     persons: [Warrior 01, Warrior 02]}
  - {at: "+00:03:00", actor: priya, action: access.passage, portal: South airlock,
     persons: [Warrior 03, Warrior 04]}
  - {at: "+00:03:30", actor: john, action: presence.set, group: residents, zone: Hospital,
     reason: Held back and taken to the hospital}
  - {at: "+00:04:00", actor: system, action: access.headcount.record, checkpoint: after}
"""

EXPECT = """\
expect:
  - {name: No held exit, check: access.no_held_exit}
  - {name: Residents held back, check: access.held_back, group: residents}
  - {name: Visitors could leave, check: access.visitors_could_leave,
     party: the visiting vessel}
  - {name: Six visitors at the start, check: access.headcount, checkpoint: start,
     party: the visiting vessel, equals: 6}
  - {name: Two visitors stay, check: access.headcount, checkpoint: after,
     party: the visiting vessel, equals: 2}
  - {name: Four back aboard the vessel, check: access.headcount, checkpoint: after,
     departed_to: the visiting vessel, equals: 4}
  - {name: Residents in the hospital, check: access.headcount, checkpoint: after,
     zone: Hospital, equals: 3}
  - {name: Seven aboard now, check: access.headcount, equals: 7}
  - {name: Resident denied, check: access.decision, person: Resident 001,
     portal: South airlock, direction: exit, allowed: false}
"""


def run(db: Database, text: str) -> RunReport:
    """Run a drill's text on the database."""
    return run_plan(db, parse_scenario(text, "drill.yaml"))


def failed(report: RunReport) -> dict[str, str]:
    """The expectations that did not hold, with what was found."""
    return {e.name: e.detail for e in report.expectations if not e.held}


class TestSouthAirlockReplay:
    """Visitors leave in pairs, held residents stay, and the head counts follow."""

    def test_every_expectation_holds(self, db: Database) -> None:
        """The drill's expectations all hold, and the guards' line says who is held back."""
        report = run(db, STATION + OPENING + SOUTH_AIRLOCK + EXPECT)
        assert failed(report) == {}
        request = next(i for i in report.injects if i.action == "access.request")
        assert request.detail == "South airlock, exit: 4 may pass, 3 must be held back"
        details = {e.name: e.detail for e in report.expectations}
        assert details["No held exit"] == "4 exit passages, none by a person under a hold"
        assert "3 exit requests denied" in details["Residents held back"]

    def test_held_resident_cannot_be_passed(self, db: Database) -> None:
        """A passage for a held resident of the request is refused with the explanation."""
        text = (
            STATION
            + OPENING
            + SOUTH_AIRLOCK.replace(
                "persons: [Warrior 03, Warrior 04]}",
                "persons: [Warrior 03, Warrior 04]}\n"
                '  - {at: "+00:03:10", actor: priya, action: access.passage,\n'
                "     portal: South airlock, persons: [Resident 001], refused: true}",
            )
        )
        report = run(db, text + EXPECT)
        refused = [i for i in report.injects if i.refused]
        assert len(refused) == 1
        assert "Resident 001 may not pass South airlock" in refused[0].detail
        assert "provisional hold" in refused[0].detail

    def test_passage_before_any_request_is_refused(self, db: Database) -> None:
        """Passages need a request at the portal first."""
        text = STATION + OPENING.replace(
            "reason: Suspected nanite influence; pending screening.}",
            "reason: Suspected nanite influence; pending screening.}\n"
            '  - {at: "+00:02:00", actor: priya, action: access.passage,'
            " portal: South airlock, refused: true}",
        )
        report = run(db, text)
        assert "make a request first" in report.injects[-1].detail

    def test_everyone_passed_leaves_nobody_to_pass(self, db: Database) -> None:
        """Once every permitted person has passed, another passage is refused."""
        text = STATION + OPENING + SOUTH_AIRLOCK
        text += (
            '  - {at: "+00:04:30", actor: priya, action: access.passage,'
            " portal: South airlock, refused: true}\n"
        )
        report = run(db, text)
        assert "nobody of the last request" in report.injects[-1].detail


class TestModesAndPasses:
    """Modes change what the airlock decides; duty passes let crew out."""

    def test_lockdown_keeps_visitors_in(self, db: Database) -> None:
        """Under lockdown the visitors are denied, and the check says so."""
        text = STATION + OPENING.replace(
            "reason: Suspected nanite influence; pending screening.}",
            "reason: Suspected nanite influence; pending screening.}\n"
            '  - {at: "+00:01:30", actor: john, action: access.mode, portal: South airlock,\n'
            "     mode: lockdown, reason: Standoff at the door.}",
        )
        text += (
            '  - {at: "+00:02:00", actor: priya, action: access.request, group: warriors,\n'
            "     portal: South airlock, direction: exit}\n"
        )
        report = run(db, text + EXPECT)
        assert report.injects[-1].detail.endswith("None may pass: all 4 must be held back")
        assert "4 of 4 denied" in failed(report)["Visitors could leave"]

    def test_guard_cannot_change_a_mode(self, db: Database) -> None:
        """A mode change is a commander's action: a guard's is refused."""
        text = STATION + OPENING
        text += (
            '  - {at: "+00:02:00", actor: priya, action: access.mode, portal: South airlock,\n'
            "     mode: lockdown, reason: Standoff., refused: true}\n"
        )
        report = run(db, text)
        assert report.injects[-1].refused

    def test_duty_pass_lets_crew_out(self, db: Database) -> None:
        """Priya, with a duty pass, is permitted out; John, without one, is not."""
        text = STATION + OPENING
        text += (
            '  - {at: "+00:02:00", actor: john, action: access.duty_pass, person: Priya,\n'
            "     purpose: Meet the surgeon at the collar., hours: 1}\n"
            '  - {at: "+00:02:30", actor: priya, action: access.request, persons: [Priya, John],\n'
            "     portal: South airlock, direction: exit}\n"
            "expect:\n"
            "  - {name: Priya out, check: access.decision, person: Priya, allowed: true}\n"
            "  - {name: John in, check: access.decision, person: John, allowed: false}\n"
        )
        assert failed(run(db, text)) == {}


class TestChecks:
    """The checks judge the record, and fail when it is wrong."""

    def test_exit_under_a_hold_is_found(self, db: Database) -> None:
        """A hold open at the moment of an exit passage fails the check, naming the person."""
        run(db, STATION + OPENING + SOUTH_AIRLOCK)
        with db.session_scope() as session:
            passage = session.scalars(select(Passage).order_by(Passage.at)).first()
            assert passage is not None
            warrior = find_person(session, "Warrior 01")
            session.add(
                Hold(
                    person_id=warrior.id,
                    kind="provisional",
                    reason="placed before the exit",
                    placed_by_id="test",
                    placed_by="test",
                    placed_at=passage.at - timedelta(minutes=1),
                )
            )
        with db.session_scope(write=False) as session:
            result = no_held_exit(CheckContext(session), NoArgs())
        assert not result.held
        assert "1 of 4 exits by held persons: Warrior 01 at South airlock" in result.detail

    def test_missing_checkpoint_fails(self, db: Database) -> None:
        """A head count never recorded cannot hold."""
        text = (
            STATION
            + OPENING
            + (
                "expect:\n"
                "  - {name: Never taken, check: access.headcount, checkpoint: later, equals: 0}\n"
            )
        )
        assert failed(run(db, text)) == {"Never taken": "no head count recorded as 'later'"}

    def test_two_selectors_are_refused(self) -> None:
        """A head count names at most one of zone, affiliation, party and departed_to."""
        text = (
            STATION
            + OPENING
            + (
                "expect:\n"
                "  - {name: Both, check: access.headcount, zone: Hospital,"
                " affiliation: resident, equals: 3}\n"
            )
        )
        with pytest.raises(ScenarioError, match="at most one of zone"):
            parse_scenario(text, "drill.yaml")
