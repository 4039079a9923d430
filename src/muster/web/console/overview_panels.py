"""The overview's panels of the later domains: open incidents, orders not acknowledged,
casualty counts, welfare check-ups due and overdue. Each is a live fragment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from muster import clock
from muster.comms.board import get_board
from muster.comms.service import get_channel, list_messages
from muster.incidents.enums import IncidentStatus
from muster.incidents.service import list_incidents
from muster.medical.casualties import casualty_counts
from muster.medical.casualty_history import casualty_history
from muster.medical.enums import Side, Triage
from muster.web.console.forms import person_names
from muster.web.console.fragments import fragment
from muster.welfare.checkups import case_numbers, list_checkups
from muster.welfare.enums import PENDING_CHECKUP

SHOWN = 20
SIDE_WORDS = {Side.STATION.value: "Station", Side.VISITING.value: "Visiting party"}


@fragment("incidents_open", action="incident.read")
def incidents_open_part(
    session: Session, _viewer: Any, _params: Mapping[str, str]
) -> dict[str, Any]:
    """Incidents that are active or stable, newest first."""
    rows = []
    for status in (IncidentStatus.ACTIVE, IncidentStatus.STABLE):
        found, _total = list_incidents(session, status=status, limit=SHOWN)
        rows.extend(found)
    rows.sort(key=lambda r: -r.number)
    return {"open_incidents": rows[:SHOWN], "open_incidents_total": len(rows)}


@fragment("orders_open", action="comms.read")
def orders_open_part(session: Session, _viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """Orders still awaiting acknowledgement, with how many answered, are late or wait."""
    rows, total = list_messages(session, unacknowledged=True, limit=SHOWN)
    now = clock.now()
    orders = [(m, get_board(session, message_id=m.id, now=now)) for m in rows]
    channels = {m.channel_id: get_channel(session, m.channel_id).name for m in rows}
    return {"open_orders": orders, "open_orders_total": total, "order_channels": channels}


def casualty_table(session: Session, incident_id: str | None = None) -> dict[str, Any]:
    """Casualty counts by side and triage category, every cell present."""
    counts = casualty_counts(session, incident_id=incident_id)
    sides = [(s.value, SIDE_WORDS.get(s.value, "Side unknown")) for s in Side]
    return {"casualty_counts": counts, "sides": sides, "categories": [t.value for t in Triage]}


@fragment("casualties", action="medical.counts")
def casualties_part(session: Session, _viewer: Any, params: Mapping[str, str]) -> dict[str, Any]:
    """Casualties by side and triage category (counts only: every operator may see them),
    and station-wide, the counts by category over time."""
    incident = params.get("incident") or None
    context = casualty_table(session, incident)
    if incident is None:
        context["casualty_series"] = casualty_history(session)
    return context


@fragment("welfare_due", action="welfare.board")
def welfare_due_part(session: Session, _viewer: Any, _params: Mapping[str, str]) -> dict[str, Any]:
    """Check-ups due, overdue or missed, soonest due first."""
    rows, total = list_checkups(session, statuses=PENDING_CHECKUP, limit=SHOWN)
    return {
        "checkups": rows,
        "checkups_total": total,
        "checkup_names": person_names(session, [r.person_id for r in rows]),
        "checkup_cases": case_numbers(session, [r.case_id for r in rows]),
        "now": clock.now(),
    }


OVERVIEW_DOMAIN_PARTS = ["incidents_open", "orders_open", "casualties", "welfare_due"]
