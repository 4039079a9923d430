"""The welfare and agreement part of the crisis replays through the scenario runner."""

from __future__ import annotations

from datetime import UTC, datetime

from muster.db import Database
from muster.scenario.loader import parse_scenario
from muster.scenario.runner import run_plan

START = datetime(2031, 5, 14, 6, 0, tzinfo=UTC)

SCENARIO = """\
scenario: After the talks
station:
  parties:
    - {name: the visiting vessel, kind: vessel, commander: Bahati}
  zones:
    - {name: South corridor, kind: internal}
    - {name: Hospital, kind: internal}
    - {name: South collar, kind: collar, docked_party: the visiting vessel}
  portals:
    - {name: South airlock, kind: airlock, inside: South corridor, outside: South collar}
  persons:
    - {name: John, affiliation: crew}
    - {name: Hannah, affiliation: crew}
    - {name: Amara, affiliation: crew}
    - {name: Chiara, affiliation: crew}
    - {name: Maria, affiliation: crew}
    - {name: Priya, affiliation: crew}
    - {name: Bahati, affiliation: visitor, party: the visiting vessel}
    - {name: Zane, affiliation: visitor, party: the visiting vessel}
    - {name: Ada, affiliation: resident}
    - {name: Ben, affiliation: resident}
    - {name: Cleo, affiliation: resident}
    - {name: Dev, affiliation: resident}
    - {name: Eli, affiliation: resident}
  accounts:
    - {username: john, person: John, roles: [commander], password: drill-password-1}
    - {username: hannah, person: Hannah, roles: [welfare], password: drill-password-2}
    - {username: amara, person: Amara, roles: [welfare], password: drill-password-3}
    - {username: chiara, person: Chiara, roles: [welfare], password: drill-password-4}
    - {username: maria, person: Maria, roles: [medic], password: drill-password-5}
    - {username: priya, person: Priya, roles: [guard], password: drill-password-6}
timeline:
  - {at: "+00:00:00", actor: john, action: agreement.record, title: Agreement after the talks,
     party: the visiting vessel, signatories: [John, Bahati],
     text: The two commanders agree the terms below.,
     terms: [
       {text: The residents aboard the vessel are returned for medical evaluation.,
        kind: return, station_owner: John, party_owner: Zane, persons: [Eli],
        due_at: "2031-05-15T06:00:00Z"},
       {text: The vessel does not leave orbit., station_owner: John, party_owner: Bahati,
        recurrence: standing}]}
  - {at: "+00:10:00", actor: priya, action: welfare.airlock, person: Eli,
     portal: South airlock, direction: enter}
  - {at: "+00:20:00", actor: maria, action: medical.screen, person: Eli, result: negative}
  - {at: "+00:21:00", actor: john, action: agreement.term.evaluate, agreement: A-1, term: 1}
  - {at: "+01:00:00", actor: hannah, action: welfare.consent_text, title: Transfer consent,
     body: I ask to live aboard the visiting vessel. I may withdraw at any time.}
  - {at: "+01:05:00", actor: hannah, action: welfare.case.open, person: Ada,
     vessel: the visiting vessel}
  - {at: "+01:06:00", actor: hannah, action: welfare.case.open, person: Ben,
     vessel: the visiting vessel}
  - {at: "+01:07:00", actor: hannah, action: welfare.case.open, person: Cleo,
     vessel: the visiting vessel}
  - {at: "+01:10:00", actor: hannah, action: welfare.interview, person: Ada,
     assessment: free_choice, wish: I want to live with my partner aboard the vessel.}
  - {at: "+01:11:00", actor: hannah, action: welfare.interview, person: Ada,
     assessment: free_choice, wish: Again., refused: true}
  - {at: "+01:12:00", actor: hannah, action: welfare.interview, person: Ben,
     assessment: free_choice, wish: I wish to go.}
  - {at: "+01:13:00", actor: hannah, action: welfare.interview, person: Cleo,
     assessment: free_choice, wish: I wish to go.}
  - {at: "+02:00:00", actor: amara, action: welfare.interview, person: Ada,
     assessment: free_choice, wish: I have decided to go; no one asked me to.}
  - {at: "+02:05:00", actor: amara, action: welfare.interview, person: Ben,
     assessment: doubtful, wish: They said I must go.}
  - {at: "+02:06:00", actor: amara, action: welfare.interview, person: Cleo,
     assessment: free_choice, wish: I wish to go.}
  - {at: "+02:10:00", actor: maria, action: medical.screen, persons: [Ada, Cleo],
     result: negative}
  - {at: "+02:20:00", actor: hannah, action: welfare.approve, person: Ada,
     capacity: welfare, refused: true}
  - {at: "+02:21:00", actor: chiara, action: welfare.approve, person: Ada, capacity: welfare}
  - {at: "+02:22:00", actor: john, action: welfare.approve, person: Ada, capacity: commander}
  - {at: "+02:23:00", actor: chiara, action: welfare.approve, person: Cleo, capacity: welfare}
  - {at: "+02:24:00", actor: john, action: welfare.approve, person: Cleo, capacity: commander}
  - {at: "+03:00:00", actor: priya, action: welfare.airlock, person: Ada,
     portal: South airlock, direction: exit}
  - {at: "+03:05:00", actor: priya, action: welfare.revoke, person: Cleo,
     statement: I have changed my mind. I am staying.}
  - {at: "+03:06:00", actor: priya, action: welfare.airlock, person: Cleo,
     portal: South airlock, direction: exit}
  - {at: "8d 03:00:00", actor: john, action: welfare.checkups.run}
  - {at: "10d 03:00:00", actor: john, action: welfare.checkups.run}
expect:
  - {name: Returned resident back and screened, check: agreement.term.status,
     agreement: A-1, term: 1, status: met}
  - {name: Orbit term pending, check: agreement.term.status, agreement: A-1, term: 2,
     status: pending}
  - {name: Ada's case approved then suspended, check: welfare.case.status, person: Ada,
     status: suspended}
  - {name: Ada passed to the vessel, check: welfare.airlock.last, person: Ada, allowed: true}
  - {name: Ben's case stopped, check: welfare.case.status, person: Ben, status: stopped}
  - {name: Cleo revoked, check: welfare.case.status, person: Cleo, status: revoked}
  - {name: Cleo denied, check: welfare.airlock.last, person: Cleo, allowed: false}
  - {name: Missed check-up alerts, check: welfare.alert.count, at_least: 2}
  - {name: Return requested, check: agreement.return_request.count, equals: 1}
  - {name: The record verifies, check: audit.verifies}
"""


class TestScenario:
    """Cases, a revocation, a missed check-up and the agreement, replayed as an exercise."""

    def test_replay_meets_every_expectation(self, db: Database) -> None:
        report = run_plan(db, parse_scenario(SCENARIO), start=START)
        failed = [(e.name, e.detail) for e in report.expectations if not e.held]
        assert failed == []
        assert report.passed
