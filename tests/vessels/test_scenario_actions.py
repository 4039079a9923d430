"""The vessel watch and the map in an exercise: parking orbit, a small burn, routes, the map."""

from __future__ import annotations

from muster.db import Database
from muster.scenario.loader import parse_scenario
from muster.scenario.runner import run_plan

STATION = """\
scenario: Vessel watch drill
station:
  parties:
    - {name: the visiting vessel, kind: vessel, commander: Bahati, expected_aboard: 1}
  zones:
    - {name: Command deck, kind: internal, map_x: 50, map_y: 40}
    - {name: Residential rings, kind: internal, map_x: 40, map_y: 60}
    - {name: South corridor, kind: internal, map_x: 50, map_y: 80}
    - {name: West corridor, kind: internal, map_x: 15, map_y: 60}
    - {name: South collar, kind: collar, docked_party: the visiting vessel, map_x: 50, map_y: 95}
    - {name: West collar, kind: collar, docked_party: the visiting vessel, map_x: 2, map_y: 60}
  portals:
    - {name: South airlock, kind: airlock, inside: South corridor, outside: South collar}
    - {name: West airlock, kind: airlock, inside: West corridor, outside: West collar}
    - {name: South corridor door, kind: door, inside: Residential rings, outside: South corridor}
    - {name: West corridor door, kind: door, inside: Residential rings, outside: West corridor}
    - {name: Command deck door, kind: door, inside: Command deck, outside: Residential rings}
  persons:
    - {name: John, affiliation: crew, roles: [station-leader]}
    - {name: Dominic, affiliation: crew, roles: [officer]}
    - {name: Bahati, affiliation: visitor, party: the visiting vessel}
  accounts:
    - {username: john, person: John, roles: [commander]}
    - {username: dominic, person: Dominic, roles: [officer]}
"""

TIMELINE = """\
timeline:
  - at: "+00:03:00"
    actor: john
    action: asset.status
    name: Long-range laser
    kind: laser
    operational: false
    readiness: unavailable
    owner: George
    reason: Under repair; not yet operational.
  - at: "+00:04:00"
    actor: dominic
    action: vessel.watch
    vessel: the visiting vessel
    body: venus
    party: the visiting vessel
  - at: "+01:00:00"
    actor: dominic
    action: vessel.sensor.pass
    vessel: the visiting vessel
    altitude_km: 400
    inclination_deg: 30
    count: 6
    interval_seconds: 600
  - at: "+01:30:00"
    actor: dominic
    action: vessel.sensor.pass
    vessel: the visiting vessel
    altitude_km: 400
    inclination_deg: 30
    count: 2
    interval_seconds: 600
    burn_m_s: 3
"""

EXPECT = """\
expect:
  - name: The burn is caught within two observations, with no false alarm before it
    check: vessel.manoeuvre.caught
    vessel: the visiting vessel
    within: 2
  - name: The vessel watch raised the alarm
    check: vessel.status
    vessel: the visiting vessel
    status: manoeuvre
  - name: The two airlocks are under five minutes apart on foot
    check: map.route
    from_zone: South corridor
    to_zone: West corridor
    at_most_seconds: 300
  - name: The map shows both airlocks
    check: map.shows
    names: [South airlock, West airlock]
"""


class TestVesselDrill:
    """The drill's burn is caught in time and the map expectations hold."""

    def test_drill_passes(self, db: Database) -> None:
        plan = parse_scenario(STATION + TIMELINE + EXPECT, "drill.yaml")
        report = run_plan(db, plan)
        failed = [(e.name, e.detail) for e in report.expectations if not e.held]
        assert failed == []
        assert len(report.expectations) == 4

    def test_no_burn_is_not_caught(self, db: Database) -> None:
        timeline = TIMELINE.replace("    burn_m_s: 3\n", "")
        plan = parse_scenario(STATION + timeline + EXPECT, "drill.yaml")
        report = run_plan(db, plan)
        held = {e.name: e.held for e in report.expectations}
        assert not held["The burn is caught within two observations, with no false alarm before it"]
        assert not held["The vessel watch raised the alarm"]
