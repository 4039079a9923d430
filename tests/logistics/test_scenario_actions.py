"""The crisis's logistics, replayed: weapons to both airlock posts and George's shields."""

from __future__ import annotations

from muster.db import Database
from muster.scenario.loader import parse_scenario
from muster.scenario.runner import run_plan

STATION = """
scenario: Logistics of the reference crisis
start: 2031-05-14T06:00:00Z
station:
  zones:
    - {name: Armory, kind: internal}
    - {name: Engineering workshop, kind: internal}
    - {name: South corridor, kind: internal}
    - {name: West corridor, kind: internal}
  persons:
    - {name: John, affiliation: crew, roles: [station-leader]}
    - {name: George, affiliation: crew, roles: [chief-engineer]}
    - {name: Priya, affiliation: crew, roles: [guard]}
    - {name: Noor, affiliation: crew, roles: [guard]}
  posts:
    - {name: South airlock post, zone: South corridor, assigned: [Priya]}
    - {name: West airlock post, zone: West corridor, assigned: [Noor]}
  accounts:
    - {username: john, person: John, roles: [commander]}
    - {username: george, person: George, roles: [engineer]}
    - {username: priya, person: Priya, roles: [guard]}
    - {username: noor, person: Noor, roles: [guard]}
"""

# The same lines belong in scenarios/crisis.yaml (timeline and expect).
LOGISTICS = """
timeline:
  - at: "+00:00:00"
    actor: system
    action: logistics.stock
    item: Rifle
    kind: weapon
    zone: Armory
    serials: [RF-01, RF-02, RF-03, RF-04, RF-05, RF-06, RF-07, RF-08]
    note: Left over from the earlier conflict.
  - at: "+00:00:00"
    actor: system
    action: logistics.stock
    item: Aluminium repair sheet
    kind: material
    unit: sheet
    zone: Engineering workshop
    quantity: 12
  - at: "+00:03:00"
    actor: john
    action: logistics.request
    title: Weapons to the South and West airlocks
    zone: Armory
    priority: flash
    due_in_minutes: 15
    lines:
      - {item: Rifle, quantity: 4, post: South airlock post}
      - {item: Rifle, quantity: 4, post: West airlock post}
  - at: "+00:03:30"
    actor: john
    action: logistics.request.approve
    request: Weapons to the South and West airlocks
  - at: "+00:05:00"
    actor: john
    action: logistics.delivery.pick
    request: Weapons to the South and West airlocks
    post: South airlock post
  - at: "+00:05:00"
    actor: john
    action: logistics.delivery.pick
    request: Weapons to the South and West airlocks
    post: West airlock post
  - at: "+00:06:00"
    actor: john
    action: logistics.workorder
    title: Hand shields from aluminium repair sheets
    assignee: George
    product: Hand shield
    quantity: 6
    output_zone: Engineering workshop
    due_in_minutes: 120
    materials:
      - {item: Aluminium repair sheet, quantity: 6, zone: Engineering workshop}
    steps: [Cut sheets to shape, Fold edges and fit grips]
  - at: "+00:09:00"
    actor: priya
    action: logistics.delivery.confirm
    request: Weapons to the South and West airlocks
    post: South airlock post
  - at: "+00:11:00"
    actor: noor
    action: logistics.delivery.confirm
    request: Weapons to the South and West airlocks
    post: West airlock post
  - at: "+01:10:00"
    actor: george
    action: logistics.workorder.work
    work_order: Hand shields from aluminium repair sheets
    consume: {Aluminium repair sheet: 6}
  - at: "+01:20:00"
    actor: george
    action: logistics.workorder.test
    work_order: Hand shields from aluminium repair sheets
    name: Blade strike
    outcome: passed
    notes: Shield held against repeated blade strikes; edge dented, not cut through.
  - at: "+01:25:00"
    actor: george
    action: logistics.workorder.complete
    work_order: Hand shields from aluminium repair sheets
expect:
  - name: Weapons signed for at both airlock posts
    check: logistics.request.delivered
    request: Weapons to the South and West airlocks
  - name: Four rifles held at the South airlock post
    check: logistics.custody.at_post
    post: South airlock post
    item: Rifle
    equals: 4
  - name: Four rifles held at the West airlock post
    check: logistics.custody.at_post
    post: West airlock post
    item: Rifle
    equals: 4
  - name: Shield work order done and tested
    check: logistics.workorder.done
    work_order: Hand shields from aluminium repair sheets
  - name: Six hand shields in stock
    check: logistics.stock.at
    item: Hand shield
    zone: Engineering workshop
    equals: 6
"""


class TestCrisisLogistics:
    """The logistics part of the crisis runs and every expectation holds."""

    def test_replay_passes(self, db: Database) -> None:
        """Weapons reach both posts, signed for; George's shields pass the blade test."""
        plan = parse_scenario(STATION + LOGISTICS, "logistics.yaml")
        report = run_plan(db, plan)
        assert report.passed, [(e.name, e.detail) for e in report.expectations]
        details = {e.name: e.detail for e in report.expectations}
        assert "signed by Priya" in details["Weapons signed for at both airlock posts"]
        assert "Blade strike: passed" in details["Shield work order done and tested"]

    def test_weapons_to_an_engineer_refused(self, db: Database) -> None:
        """George cannot sign for the rifles at a post: the inject is refused."""
        text = STATION.replace(
            "assigned: [Priya]}", "assigned: [Priya, George]}"
        ) + LOGISTICS.replace(
            '    post: South airlock post\n  - at: "+00:11:00"',
            "    post: South airlock post\n    signed_by: George\n    refused: true\n"
            '  - at: "+00:11:00"',
        )
        report = run_plan(db, parse_scenario(text, "logistics.yaml"))
        refused = [i for i in report.injects if i.refused]
        assert len(refused) == 1
        assert "may not be signed out to South airlock post" in refused[0].detail
        assert not report.passed
