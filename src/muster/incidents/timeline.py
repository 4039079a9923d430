"""The incident's timeline: its own record and what was done for it, in order.

Besides its own events (declaration, roles, log, tasks, reports), the timeline shows, while
the incident is open (from its declaration to its closing):

- orders and roll calls sent on its channels (its talk group, opened when it is declared),
  and their acknowledgements;
- what happened to the people linked to it: those linked by hand and its casualties
  (holds, screenings, triage, passages);
- decisions and passages at its airlocks: portals linked to it, the portals of its zone,
  and the portals its command roles are posted at (a site officer "at West airlock").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from muster.comms.channels import incident_channel_ids
from muster.comms.models import Message
from muster.events.models import Event, EventSubject
from muster.incidents.models import Incident, IncidentLink, LogEntry, RoleAssignment
from muster.incidents.schemas import TimelineItem
from muster.incidents.service import get_incident
from muster.medical.models import Casualty
from muster.places.models import Portal


def _decided(payload: dict[str, Any]) -> str:
    verdict = "passed" if payload.get("allowed") else "refused"
    line = f"{payload.get('portal', '?')}: {payload.get('person', '?')} {verdict} "
    line += f"({payload.get('direction', '?')})"
    explanation = payload.get("explanation")
    return line + (f": {explanation}" if explanation else "")


def _sent(payload: dict[str, Any]) -> str:
    what = "Roll call" if payload.get("kind") == "roll_call" else "Order"
    text = payload.get("text") or "voice message"
    return f"{what} ({payload.get('precedence', '?')}) on {payload.get('channel', '?')} by " + (
        f"{payload.get('sender', '?')}: {text}"
    )


def _hold(verb: str) -> Any:
    def describe(payload: dict[str, Any]) -> str:
        who = payload.get("person")
        line = f"{str(payload.get('kind', '')).capitalize()} hold {verb}"
        line += f" on {who}" if who else ""
        reason = payload.get("reason")  # absent for a medical hold: its reason is clinical
        return line + (f": {reason}" if reason else "")

    return describe


_DESCRIPTIONS = {
    "access.decided": _decided,
    "comms.message.sent": _sent,
    "comms.rollcall.started": _sent,
    "access.hold.placed": _hold("placed"),
    "access.hold.lifted": _hold("lifted"),
}


def describe_event(kind: str, payload: dict[str, Any]) -> str:
    """A line of plain text for an event: its own summary, or its kind and main facts."""
    summary = payload.get("summary")
    if isinstance(summary, str) and summary:
        return summary
    describe = _DESCRIPTIONS.get(kind)
    if describe is not None:
        return str(describe(payload))
    facts = [
        f"{key} {value}"
        for key, value in payload.items()
        if isinstance(value, str | int | float) and not isinstance(value, bool) and key != "id"
    ][:4]
    return kind + (": " + ", ".join(facts) if facts else "")


def incident_airlocks(session: Session, incident: Incident) -> list[str]:
    """Ids of the incident's portals: linked to it, of its zone, or where its roles are posted."""
    sites = select(func.lower(RoleAssignment.site)).where(
        RoleAssignment.incident_id == incident.id, RoleAssignment.site != ""
    )
    linked = select(IncidentLink.subject_id).where(IncidentLink.incident_id == incident.id)
    conditions: list[ColumnElement[bool]] = [
        Portal.id.in_(linked),
        func.lower(Portal.name).in_(sites),
    ]
    zone = incident.zone_id
    if zone:
        conditions.append(or_(Portal.inside_zone_id == zone, Portal.outside_zone_id == zone))
    return list(session.scalars(select(Portal.id).where(or_(*conditions))).all())


def incident_subjects(session: Session, incident: Incident) -> set[str]:
    """Everything whose events belong on the timeline while the incident is open."""
    links = select(IncidentLink.subject_id).where(IncidentLink.incident_id == incident.id)
    subjects = set(session.scalars(links).all())
    channels = incident_channel_ids(session, incident.id)
    subjects.update(channels)
    if channels:
        orders = select(Message.id).where(Message.channel_id.in_(channels))
        subjects.update(session.scalars(orders).all())
    casualties = session.execute(
        select(Casualty.id, Casualty.person_id).where(Casualty.incident_id == incident.id)
    ).all()
    for casualty_id, person_id in casualties:
        subjects.add(casualty_id)
        if person_id:
            subjects.add(person_id)
    subjects.update(incident_airlocks(session, incident))
    subjects.discard("")
    return subjects


def incident_timeline(
    session: Session, *, incident_id: str, limit: int = 500, offset: int = 0
) -> list[TimelineItem]:
    """The incident's own events since it was declared, and the events of what was done for
    it while it was open, by seq."""
    incident = get_incident(session, incident_id)
    own = select(EventSubject.seq).where(EventSubject.subject == incident.id)
    related = select(EventSubject.seq).where(
        EventSubject.subject.in_(incident_subjects(session, incident))
    )
    during: list[ColumnElement[bool]] = [Event.seq.in_(related)]
    if incident.closed_at is not None:
        during.append(Event.at <= incident.closed_at)
    query = (
        select(Event)
        .where(Event.at >= incident.declared_at, or_(Event.seq.in_(own), and_(*during)))
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
