"""Deliveries: picked at the source, signed for at the destination, alerted when overdue.

Picked stock waits "in transit" (a location of the delivery's own) until the receiving
post signs: tracked units then pass into the post's custody, under the sign-out policy.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Conflict, Invalid, NotFound
from muster.events.service import append_event
from muster.logistics.custody import Holder, hand_over, resolve_holder
from muster.logistics.enums import (
    DeliveryStatus,
    HolderKind,
    LocationKind,
    MovementReason,
    RequestStatus,
    UnitStatus,
)
from muster.logistics.items import get_item
from muster.logistics.ledger import move
from muster.logistics.locations import Location, location_name
from muster.logistics.models import Unit
from muster.logistics.request_models import Delivery, DeliveryUnit, RequestLine
from muster.logistics.requests import get_request, request_deliveries
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

OVERDUE = "logistics.delivery.overdue"
PICK = "logistics.request.pick"
CONFIRM = "logistics.delivery.confirm"


def get_delivery(session: Session, delivery_id: str) -> Delivery:
    """The delivery with this id."""
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise NotFound(f"no delivery with id {delivery_id!r}")
    return row


def delivery_lines(session: Session, delivery_id: str) -> list[RequestLine]:
    """The request lines a delivery carries."""
    query = select(RequestLine).where(RequestLine.delivery_id == delivery_id)
    return list(session.scalars(query.order_by(RequestLine.position)).all())


def delivery_units(session: Session, delivery_id: str) -> list[Unit]:
    """The tracked units picked for a delivery."""
    query = (
        select(Unit)
        .join(DeliveryUnit, DeliveryUnit.unit_id == Unit.id)
        .where(DeliveryUnit.delivery_id == delivery_id)
        .order_by(Unit.serial)
    )
    return list(session.scalars(query).all())


def _choose_units(
    session: Session, line: RequestLine, source: Location, serials: list[str] | None
) -> list[Unit]:
    item = get_item(session, line.item_id)
    wanted = int(line.quantity)
    query = select(Unit).where(
        Unit.item_id == item.id,
        Unit.status == UnitStatus.AVAILABLE,
        Unit.location_kind == source.kind,
        Unit.location_id == source.id,
    )
    if serials is not None:
        if len(serials) != wanted or len(set(serials)) != wanted:
            raise Invalid(f"line {line.position}: give {wanted} different serials of {item.name}")
        query = query.where(Unit.serial.in_(serials))
    units = list(session.scalars(query.order_by(Unit.serial).limit(wanted)).all())
    if len(units) < wanted:
        where = location_name(session, source)
        raise Conflict(
            f"line {line.position}: only {len(units)} of the {wanted} {item.name} asked for "
            f"are available at {where}"
        )
    return units


def pick_delivery(
    session: Session,
    *,
    delivery_id: str,
    serials: dict[str, list[str]] | None = None,
    actor: Actor,
) -> Delivery:
    """Take a delivery's stock from the source; tracked units by serial (given, or first free)."""
    authorize(actor, PICK)
    delivery = get_delivery(session, delivery_id)
    request = get_request(session, delivery.request_id)
    if delivery.status is not DeliveryStatus.PENDING:
        raise Conflict(f"this delivery is {delivery.status.value}, not waiting to be picked")
    serials = serials or {}
    lines = delivery_lines(session, delivery.id)
    unknown = set(serials) - {line.id for line in lines}
    if unknown:
        raise Invalid(f"serials given for lines not in this delivery: {', '.join(sorted(unknown))}")
    source = Location(request.source_kind, request.source_id)
    transit = Location(LocationKind.TRANSIT, delivery.id)
    picked: list[dict[str, object]] = []
    for line in lines:
        item = get_item(session, line.item_id)
        if item.tracked:
            for unit in _choose_units(session, line, source, serials.get(line.id)):
                move(
                    session,
                    item=item,
                    quantity=Decimal(1),
                    unit=unit,
                    source=source,
                    dest=transit,
                    reason=MovementReason.PICKED,
                    actor=actor,
                    reference_id=delivery.id,
                )
                unit.status = UnitStatus.IN_TRANSIT
                session.add(DeliveryUnit(delivery_id=delivery.id, unit_id=unit.id, line_id=line.id))
                picked.append({"item": item.name, "serial": unit.serial, "unit_id": unit.id})
        else:
            move(
                session,
                item=item,
                quantity=line.quantity,
                source=source,
                dest=transit,
                reason=MovementReason.PICKED,
                actor=actor,
                reference_id=delivery.id,
            )
            picked.append({"item": item.name, "quantity": line.quantity})
    delivery.status = DeliveryStatus.PICKED
    delivery.picked_at = clock.now()
    delivery.picked_by = actor.label
    request.status = RequestStatus.IN_PROGRESS
    request.updated_at = delivery.picked_at
    append_event(
        session,
        kind="logistics.delivery.picked",
        actor=actor,
        subjects=[delivery.id, request.id, delivery.dest_id, source.id],
        payload={"request": request.title, "picked": picked},
    )
    return delivery


def _receiver(
    session: Session, delivery: Delivery, signed_by_person_id: str | None, actor: Actor
) -> Holder | None:
    """Who signs: the post (by one of its people) or the person; None for a zone."""
    if delivery.dest_kind is LocationKind.ZONE:
        return None
    return resolve_holder(
        session,
        holder_kind=HolderKind(delivery.dest_kind.value),
        holder_id=delivery.dest_id,
        signed_by_person_id=signed_by_person_id,
        actor=actor,
    )


def confirm_delivery(
    session: Session,
    *,
    delivery_id: str,
    signed_by_person_id: str | None = None,
    note: str = "",
    actor: Actor,
) -> Delivery:
    """The receiving post (or person) signs for a delivery; tracked units enter its custody."""
    authorize(actor, CONFIRM)
    delivery = get_delivery(session, delivery_id)
    request = get_request(session, delivery.request_id)
    if delivery.status is not DeliveryStatus.PICKED:
        raise Conflict(
            f"this delivery is {delivery.status.value}; only a picked delivery can be signed for"
        )
    holder = _receiver(session, delivery, signed_by_person_id, actor)
    transit = Location(LocationKind.TRANSIT, delivery.id)
    dest = Location(delivery.dest_kind, delivery.dest_id)
    origin = Location(request.source_kind, request.source_id)
    custody_ids: list[str] = []
    for unit in delivery_units(session, delivery.id):
        item = get_item(session, unit.item_id)
        if holder is None:
            move(
                session,
                item=item,
                quantity=Decimal(1),
                unit=unit,
                source=transit,
                dest=dest,
                reason=MovementReason.DELIVERED,
                actor=actor,
                reference_id=delivery.id,
            )
            unit.status = UnitStatus.AVAILABLE
            continue
        row = hand_over(
            session,
            unit=unit,
            item=item,
            holder=holder,
            origin=origin,
            actor=actor,
            reference_id=delivery.id,
            note=note,
        )
        custody_ids.append(row.id)
    for line in delivery_lines(session, delivery.id):
        item = get_item(session, line.item_id)
        if not item.tracked:
            move(
                session,
                item=item,
                quantity=line.quantity,
                source=transit,
                dest=dest,
                reason=MovementReason.DELIVERED,
                actor=actor,
                reference_id=delivery.id,
            )
    at = clock.now()
    delivery.status = DeliveryStatus.CONFIRMED
    delivery.confirmed_at = at
    delivery.confirmed_by = actor.label
    delivery.signed_by_person_id = holder.signer.id if holder else actor.person_id
    delivery.note = note
    others = request_deliveries(session, request.id)
    if all(d.status is DeliveryStatus.CONFIRMED for d in others):
        request.status = RequestStatus.DELIVERED
    request.updated_at = at
    append_event(
        session,
        kind="logistics.delivery.confirmed",
        actor=actor,
        subjects=[
            delivery.id,
            request.id,
            dest.id,
            delivery.signed_by_person_id or "",
            request.requester_person_id or "",
        ],
        payload={
            "request": request.title,
            "destination": location_name(session, dest),
            "signed_by": holder.signer.name if holder else actor.label,
            "custody_ids": custody_ids,
            "picked_at": delivery.picked_at,
            "confirmed_at": at,
            "note": note,
        },
    )
    return delivery


def list_deliveries(
    session: Session,
    *,
    dest: Location | None = None,
    status: DeliveryStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Delivery]:
    """Deliveries, soonest due first (a post's list of what is coming to it)."""
    query = select(Delivery)
    if dest is not None:
        query = query.where(Delivery.dest_kind == dest.kind, Delivery.dest_id == dest.id)
    if status is not None:
        query = query.where(Delivery.status == status)
    query = query.order_by(Delivery.due_at, Delivery.id).limit(limit).offset(offset)
    return list(session.scalars(query).all())


def run_overdue_deliveries(session: Session, *, now: datetime) -> int:
    """Alert the requester of each delivery now past due and not signed for; once each.

    The scheduler calls this a few times a second: one indexed query when nothing is due.
    """
    query = select(Delivery).where(
        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.PICKED]),
        Delivery.due_at.is_not(None),
        Delivery.due_at < now,
        Delivery.overdue_alerted_at.is_(None),
    )
    system = Actor.system("logistics")
    count = 0
    for delivery in session.scalars(query.order_by(Delivery.due_at)).all():
        request = get_request(session, delivery.request_id)
        dest = Location(delivery.dest_kind, delivery.dest_id)
        delivery.overdue_alerted_at = now
        append_event(
            session,
            kind=OVERDUE,
            actor=system,
            subjects=[
                delivery.id,
                request.id,
                request.requester_person_id or "",
                request.requester_actor_id,
                delivery.dest_id,
            ],
            payload={
                "request": request.title,
                "requester": request.requester,
                "requester_person_id": request.requester_person_id,
                "destination": location_name(session, dest),
                "status": delivery.status,
                "due_at": delivery.due_at,
            },
        )
        count += 1
    return count
