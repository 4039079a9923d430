"""The incident's timeline: its own log and the events of everything linked to it, in order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from muster.events.models import Event, EventSubject
from muster.incidents.models import IncidentLink, LogEntry
from muster.incidents.schemas import TimelineItem
from muster.incidents.service import get_incident


def describe_event(kind: str, payload: dict[str, Any]) -> str:
    """A line of plain text for an event: its own summary, or its kind and main facts."""
    summary = payload.get("summary")
    if isinstance(summary, str) and summary:
        return summary
    facts = [
        f"{key} {value}"
        for key, value in payload.items()
        if isinstance(value, str | int | float) and not isinstance(value, bool) and key != "id"
    ][:4]
    return kind + (": " + ", ".join(facts) if facts else "")


def incident_timeline(
    session: Session, *, incident_id: str, limit: int = 500, offset: int = 0
) -> list[TimelineItem]:
    """The incident's events and those of its linked subjects since it was declared, by seq."""
    incident = get_incident(session, incident_id)
    linked = select(IncidentLink.subject_id).where(IncidentLink.incident_id == incident.id)
    about = select(EventSubject.seq).where(
        or_(EventSubject.subject == incident.id, EventSubject.subject.in_(linked))
    )
    query = (
        select(Event)
        .where(Event.seq.in_(about), Event.at >= incident.declared_at)
        .order_by(Event.seq)
        .limit(limit)
        .offset(offset)
    )
    events = list(session.scalars(query).all())
    entries = {
        e.seq: e
        for e in session.scalars(
            select(LogEntry).where(
                LogEntry.incident_id == incident.id, LogEntry.seq.in_([ev.seq for ev in events])
            )
        ).all()
    }
    items = []
    for event in events:
        entry = entries.get(event.seq)
        items.append(
            TimelineItem(
                seq=event.seq,
                at=event.at,
                kind=event.kind,
                actor=event.actor,
                text=entry.text if entry else describe_event(event.kind, event.payload),
                entry_id=entry.id if entry else None,
                pinned=entry.pinned if entry else False,
            )
        )
    return items
