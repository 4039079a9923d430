"""The overview's first panel: what needs the commander now, newest first, in words.

A vessel off its predicted orbit is a standing alarm until its watch is reset; the
alarms of the record (a manoeuvre detected, an airlock alert, a post calling for help,
an order nobody answered up the chain, a welfare or agreement alert) are listed with
their date and time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from muster.events.models import Event
from muster.events.service import EventFilter, list_events
from muster.events.visibility import hidden_kinds, is_visible
from muster.vessels.enums import VesselStatus
from muster.vessels.service import list_vessels
from muster.web.console.event_words import ALARM_KINDS
from muster.web.console.events_page import describe
from muster.web.console.fragments import fragment

ALARMS_SHOWN = 10


@dataclass(frozen=True)
class Alarm:
    """One alarm on the overview: what, when, and what it says."""

    title: str
    at: datetime
    text: str
    standing: bool = False
    href: str = ""


def alarm_text(row: Event) -> str:
    """What an alarm says, in words (a manoeuvre: the vessel and why it was judged one)."""
    payload = row.payload or {}
    if row.kind == "vessels.manoeuvre.detected":
        reasons = [str(r) for r in payload.get("reasons", []) or []]
        vessel = payload.get("vessel", "a visiting vessel")
        return f"{vessel} has left its predicted orbit" + (f": {reasons[0]}" if reasons else "")
    if row.kind == "comms.escalation.exhausted":
        silent = payload.get("silent_count", 0)
        return f"No one up the chain of command answered an order; {silent} still silent"
    return describe(row)


def newest_of_kind(session: Session, kind: str, count: int) -> list[Event]:
    """The newest ``count`` events of one kind, newest first."""
    _rows, total = list_events(session, flt=EventFilter(kind=kind), limit=1)
    if not total:
        return []
    rows, _total = list_events(
        session, flt=EventFilter(kind=kind), limit=count, offset=max(total - count, 0)
    )
    return list(reversed(rows))


def standing_alarms(session: Session) -> list[Alarm]:
    """Vessels off their predicted orbit now."""
    vessels, _total = list_vessels(session, limit=100)
    return [
        Alarm(
            "Vessel manoeuvre",
            v.updated_at,
            f"{v.name} is off its predicted orbit; the watch stays in alarm until reset",
            standing=True,
            href="/vessels",
        )
        for v in vessels
        if v.status == VesselStatus.MANOEUVRE.value
    ]


@fragment("alarms", action="event.read")
def alarms_part(session: Session, viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """Standing alarms first, then the newest alarms of the record the viewer may read."""
    hidden = hidden_kinds(viewer.actor)
    rows: list[Event] = []
    for kind in ALARM_KINDS:
        if is_visible(kind, hidden):
            rows.extend(newest_of_kind(session, kind, ALARMS_SHOWN))
    rows.sort(key=lambda r: -(r.seq or 0))
    recorded = [Alarm(ALARM_KINDS[r.kind], r.at, alarm_text(r)) for r in rows[:ALARMS_SHOWN]]
    standing = standing_alarms(session) if viewer.can("vessel.read") else []
    return {"alarms": standing + recorded}
