"""The incident's activity log and the subjects linked to its timeline."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.db import new_id
from muster.errors import NotFound
from muster.events.service import append_event
from muster.incidents.models import IncidentLink, LogEntry
from muster.incidents.service import get_incident
from muster.policy.actor import Actor
from muster.policy.authorize import authorize


def add_log_entry(
    session: Session, *, incident_id: str, text: str, pinned: bool = False, actor: Actor
) -> LogEntry:
    """Write a line in the incident's activity log; it is kept as written, never edited."""
    authorize(actor, "incident.write")
    incident = get_incident(session, incident_id)
    entry_id = new_id()
    event = append_event(
        session,
        kind="incidents.log.added",
        actor=actor,
        subjects=[incident.id],
        payload={"summary": text, "entry_id": entry_id},
    )
    entry = LogEntry(
        id=entry_id,
        incident_id=incident.id,
        seq=event.seq,
        at=event.at,
        author=actor.label,
        text=text,
        pinned=pinned,
    )
    session.add(entry)
    session.flush()
    return entry


def pin_log_entry(
    session: Session, *, incident_id: str, entry_id: str, pinned: bool, actor: Actor
) -> LogEntry:
    """Pin a log entry to the top of the incident's page, or unpin it."""
    authorize(actor, "incident.write")
    entry = session.get(LogEntry, entry_id)
    if entry is None or entry.incident_id != incident_id:
        raise NotFound(f"no log entry {entry_id!r} on this incident")
    if entry.pinned != pinned:
        entry.pinned = pinned
        append_event(
            session,
            kind="incidents.log.pinned" if pinned else "incidents.log.unpinned",
            actor=actor,
            subjects=[incident_id, entry.id],
            payload={"entry_id": entry.id, "text": entry.text},
        )
    return entry


def list_log_entries(
    session: Session, *, incident_id: str, pinned_only: bool = False
) -> list[LogEntry]:
    """The incident's log entries in order."""
    query = select(LogEntry).where(LogEntry.incident_id == incident_id)
    if pinned_only:
        query = query.where(LogEntry.pinned.is_(True))
    return list(session.scalars(query.order_by(LogEntry.seq)).all())


def link_subject(
    session: Session, *, incident_id: str, subject_id: str, label: str = "", actor: Actor
) -> IncidentLink:
    """Put everything that happens to a subject (a person, a portal ...) on the timeline."""
    authorize(actor, "incident.write")
    incident = get_incident(session, incident_id)
    existing = session.scalar(
        select(IncidentLink).where(
            IncidentLink.incident_id == incident.id, IncidentLink.subject_id == subject_id
        )
    )
    if existing is not None:
        return existing
    link = IncidentLink(
        incident_id=incident.id, subject_id=subject_id, label=label, linked_at=clock.now()
    )
    session.add(link)
    session.flush()
    append_event(
        session,
        kind="incidents.link.added",
        actor=actor,
        subjects=[incident.id, subject_id],
        payload={"summary": f"Linked to the incident: {label or subject_id}."},
    )
    return link
