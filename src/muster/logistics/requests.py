"""Supply requests: made, approved or rejected, cancelled; one delivery per destination.

A request's priority follows its incident when it names one (the incident's severity sets
it); otherwise it is the priority given.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.incidents.models import Incident
from muster.logistics.enums import DeliveryStatus, LocationKind, Priority, RequestStatus
from muster.logistics.items import get_item
from muster.logistics.locations import Location, check_location
from muster.logistics.quantities import check_quantity
from muster.logistics.request_models import Delivery, RequestLine, SupplyRequest
from muster.logistics.request_schemas import RequestCreate
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

CREATE = "logistics.request.create"
APPROVE = "logistics.request.approve"

SEVERITY_PRIORITY = {
    "minor": Priority.ROUTINE,
    "moderate": Priority.PRIORITY,
    "major": Priority.IMMEDIATE,
    "critical": Priority.FLASH,
}
PRIORITY_ORDER = {p: n for n, p in enumerate(Priority)}


def incident_priority(session: Session, incident_id: str | None) -> Priority | None:
    """The priority an incident's severity gives, if the request names an incident."""
    if incident_id is None:
        return None
    incident = session.get(Incident, incident_id)
    if incident is None:
        return None
    return SEVERITY_PRIORITY.get(incident.severity.value)


def effective_priority(session: Session, request: SupplyRequest) -> Priority:
    """The request's priority now: its incident's, or the one it was given."""
    return incident_priority(session, request.incident_id) or request.priority


def get_request(session: Session, request_id: str) -> SupplyRequest:
    """The request with this id."""
    row = session.get(SupplyRequest, request_id)
    if row is None:
        raise NotFound(f"no supply request with id {request_id!r}")
    return row


def request_lines(session: Session, request_id: str) -> list[RequestLine]:
    """A request's lines in order."""
    query = select(RequestLine).where(RequestLine.request_id == request_id)
    return list(session.scalars(query.order_by(RequestLine.position)).all())


def request_deliveries(session: Session, request_id: str) -> list[Delivery]:
    """A request's deliveries, by destination."""
    query = select(Delivery).where(Delivery.request_id == request_id)
    return list(session.scalars(query.order_by(Delivery.dest_kind, Delivery.dest_id)).all())


def create_request(session: Session, *, data: RequestCreate, actor: Actor) -> SupplyRequest:
    """Ask for stock to be brought from a source to one or more destinations."""
    authorize(actor, CREATE)
    source = check_location(session, Location(data.source.kind, data.source.id))
    if data.incident_id is not None and session.get(Incident, data.incident_id) is None:
        raise NotFound(f"no incident with id {data.incident_id!r}")
    at = clock.now()
    if data.needed_by is not None and data.needed_by.tzinfo is None:
        raise Invalid("give needed_by with a time zone, e.g. 2031-05-14T06:30:00Z")
    row = SupplyRequest(
        title=data.title,
        status=RequestStatus.REQUESTED,
        priority=data.priority,
        incident_id=data.incident_id,
        source_kind=source.kind,
        source_id=source.id,
        requester_actor_id=actor.id,
        requester=actor.label,
        requester_person_id=actor.person_id,
        needed_by=data.needed_by,
        notes=data.notes,
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    lines = []
    for position, line in enumerate(data.lines, start=1):
        item = get_item(session, line.item_id)
        check_quantity(item, line.quantity)
        dest = check_location(session, Location(line.dest.kind, line.dest.id))
        if dest == source:
            raise Invalid(f"line {position}: the destination is the source")
        lines.append(
            RequestLine(
                request_id=row.id,
                position=position,
                item_id=item.id,
                quantity=line.quantity,
                dest_kind=dest.kind,
                dest_id=dest.id,
            )
        )
    session.add_all(lines)
    session.flush()
    append_event(
        session,
        kind="logistics.request.created",
        actor=actor,
        subjects=[row.id, source.id, actor.person_id or "", data.incident_id or ""]
        + [line.dest_id for line in lines],
        payload={"title": row.title, **data.model_dump(exclude={"title"})},
    )
    return row


def _decide(session: Session, request_id: str, note: str, actor: Actor) -> SupplyRequest:
    row = get_request(session, request_id)
    if row.status is not RequestStatus.REQUESTED:
        raise Conflict(f"request {row.title!r} is {row.status.value}, not waiting for a decision")
    row.decided_at = clock.now()
    row.decided_by = actor.label
    row.decision_note = note
    row.updated_at = row.decided_at
    return row


def approve_request(
    session: Session, *, request_id: str, note: str = "", actor: Actor
) -> SupplyRequest:
    """Approve a request: one delivery is opened for each destination, due when needed."""
    authorize(actor, APPROVE)
    row = _decide(session, request_id, note, actor)
    row.status = RequestStatus.APPROVED
    deliveries: dict[tuple[LocationKind, str], Delivery] = {}
    for line in request_lines(session, row.id):
        key = (line.dest_kind, line.dest_id)
        if key not in deliveries:
            deliveries[key] = Delivery(
                request_id=row.id,
                dest_kind=line.dest_kind,
                dest_id=line.dest_id,
                status=DeliveryStatus.PENDING,
                due_at=row.needed_by,
            )
            session.add(deliveries[key])
            session.flush()
        line.delivery_id = deliveries[key].id
    append_event(
        session,
        kind="logistics.request.approved",
        actor=actor,
        subjects=[row.id, row.requester_person_id or ""] + [d.id for d in deliveries.values()],
        payload={"title": row.title, "note": note, "deliveries": len(deliveries)},
    )
    return row


def reject_request(session: Session, *, request_id: str, note: str, actor: Actor) -> SupplyRequest:
    """Refuse a request, saying why."""
    authorize(actor, APPROVE)
    if not note.strip():
        raise Invalid("say why the request is rejected (a note), so the requester knows")
    row = _decide(session, request_id, note, actor)
    row.status = RequestStatus.REJECTED
    append_event(
        session,
        kind="logistics.request.rejected",
        actor=actor,
        subjects=[row.id, row.requester_person_id or ""],
        payload={"title": row.title, "note": note},
    )
    return row


def cancel_request(
    session: Session, *, request_id: str, note: str = "", actor: Actor
) -> SupplyRequest:
    """Withdraw a request before anything of it has been picked."""
    authorize(actor, CREATE)
    row = get_request(session, request_id)
    if row.status not in (RequestStatus.REQUESTED, RequestStatus.APPROVED):
        raise Conflict(f"request {row.title!r} is {row.status.value} and cannot be cancelled")
    for delivery in request_deliveries(session, row.id):
        delivery.status = DeliveryStatus.CANCELLED
    row.status = RequestStatus.CANCELLED
    row.updated_at = clock.now()
    append_event(
        session,
        kind="logistics.request.cancelled",
        actor=actor,
        subjects=[row.id, row.requester_person_id or ""],
        payload={"title": row.title, "note": note},
    )
    return row


@dataclass(frozen=True)
class RequestFilter:
    """Which requests to list."""

    status: RequestStatus | None = None
    incident_id: str | None = None


def list_requests(
    session: Session, *, flt: RequestFilter, limit: int = 50, offset: int = 0
) -> tuple[list[SupplyRequest], int]:
    """Requests, most urgent first, then oldest first."""
    query = select(SupplyRequest)
    if flt.status is not None:
        query = query.where(SupplyRequest.status == flt.status)
    if flt.incident_id is not None:
        query = query.where(SupplyRequest.incident_id == flt.incident_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(SupplyRequest.created_at, SupplyRequest.id)))
    rows.sort(key=lambda r: -PRIORITY_ORDER[effective_priority(session, r)])
    return rows[offset : offset + limit], total
