"""A small station for exercise tests, and a builder for scenario text around it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime

from muster.db import Database
from muster.events.models import Event
from muster.events.service import EventFilter, list_events

STATION = """\
scenario: Small drill
station:
  parties:
    - {name: Visitors, kind: vessel, commander: Vera, expected_aboard: 2}
  zones:
    - {name: Corridor, kind: internal}
    - {name: Collar, kind: collar, docked_party: Visitors}
  portals:
    - {name: Airlock, kind: airlock, inside: Corridor, outside: Collar}
  persons:
    - {name: Anna, affiliation: crew, roles: [officer]}
    - {name: Ben, affiliation: crew, roles: [guard]}
    - {name: Vera, affiliation: visitor, party: Visitors}
    - {name: Vic, affiliation: visitor, party: Visitors}
    - generate: {prefix: Resident, count: 3, affiliation: resident, group: flagged}
  posts:
    - {name: Airlock post, portal: Airlock, zone: Corridor, assigned: [Ben]}
  accounts:
    - {username: anna, person: Anna, roles: [officer], password: drill-password-1}
    - {username: ben, person: Ben, roles: [guard]}
"""

ScenarioText = Callable[..., str]


def build_text(timeline: str = "", expect: str = "") -> str:
    """The small station with the given timeline and expect sections (YAML, unindented)."""
    text = STATION
    if timeline:
        text += "timeline:\n" + textwrap.indent(textwrap.dedent(timeline), "  ")
    if expect:
        text += "expect:\n" + textwrap.indent(textwrap.dedent(expect), "  ")
    return text


START = datetime(2031, 5, 14, 6, 0, tzinfo=UTC)


def events(db: Database, kind: str) -> list[Event]:
    """The events of ``kind`` in the record, oldest first."""
    with db.session_scope(write=False) as session:
        rows, _total = list_events(session, flt=EventFilter(kind=kind), limit=1000)
        return rows
